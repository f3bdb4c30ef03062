// tcpProbe: one TCP connect attempt with a deadline, for port health checks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "loop/loop.h"

namespace mcf::loop {

// Connects to ip:port (numeric IPv4) and closes at once. done runs exactly once on the
// loop: ok when the connection was accepted, else kUnavailable saying why
// ("connection refused", "timed out after 1s").
void tcpProbe(Loop& loop, const std::string& ip, int port, uint64_t timeout_ms,
              std::function<void(base::Status)> done);

}  // namespace mcf::loop
