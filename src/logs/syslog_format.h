// RFC 5424 messages with RFC 6587 octet-counting framing, as Loggregator writes envelopes to
// syslog drains, and the reconnect schedule of a drain.
#pragma once

#include <cstdint>
#include <string>

#include "logs/log_store.h"

namespace mcf::logs {

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG\n" as Loggregator's syslog egress writes
// a log envelope: PRI 14 (user.info) for OUT, 11 (user.err) for ERR; TIMESTAMP UTC with up to
// six fraction digits, trailing zeros dropped (Go's "2006-01-02T15:04:05.999999Z07:00");
// HOSTNAME "org.space.app" (spaces become '-', at most 255 bytes); APP-NAME the app guid;
// PROCID "[SOURCE_TYPE/INSTANCE]" upper-cased ("[APP/PROC/WEB/0]", "[RTR/1]"); NUL bytes
// removed from the payload and one newline added.
std::string formatRfc5424(const Envelope& envelope, const std::string& hostname);

// RFC 6587 octet counting: "<length of message> <message>".
std::string frameOctetCounted(const std::string& message);

// Seconds to wait before reconnect attempt `failures` (1 = after the first failure): 1, 2, 4,
// ... doubling, capped at 60.
int drainBackoffSeconds(int failures);

}  // namespace mcf::logs
