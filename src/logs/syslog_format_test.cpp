// Loggregator's RFC 5424 lines byte for byte, octet counting, the reconnect schedule.
#include "logs/syslog_format.h"

#include <doctest/doctest.h>

namespace mcf::logs {

namespace {

Envelope envelope(int64_t ts, const std::string& type, const std::string& instance, bool err,
                  const std::string& payload) {
  Envelope e;
  e.timestamp_ns = ts;
  e.source_id = "3e0b1150-14b8-4a20-a1c5-d9e296f198ae";
  e.source_type = type;
  e.instance_id = instance;
  e.is_err = err;
  e.payload = payload;
  return e;
}

}  // namespace

TEST_CASE("formatRfc5424: OUT and ERR lines as Loggregator writes them") {
  // 2017-10-05T15:00:55.432180389Z
  int64_t ts = 1507215655432180389;
  CHECK(formatRfc5424(envelope(ts, "APP/PROC/WEB", "0", false, "hello world"),
                      "org.dev.web") ==
        "<14>1 2017-10-05T15:00:55.43218Z org.dev.web 3e0b1150-14b8-4a20-a1c5-d9e296f198ae "
        "[APP/PROC/WEB/0] - - hello world\n");
  CHECK(formatRfc5424(envelope(ts, "APP/PROC/WEB", "2", true, "boom"), "org.dev.web") ==
        "<11>1 2017-10-05T15:00:55.43218Z org.dev.web 3e0b1150-14b8-4a20-a1c5-d9e296f198ae "
        "[APP/PROC/WEB/2] - - boom\n");
}

TEST_CASE("formatRfc5424: whole seconds, other sources, odd names and payloads") {
  int64_t whole = 1507215655000000000;
  CHECK(formatRfc5424(envelope(whole, "rtr", "1", false, std::string("a\0b\n", 4)), "my org.dev.web") ==
        std::string("<14>1 2017-10-05T15:00:55Z my-org.dev.web "
                    "3e0b1150-14b8-4a20-a1c5-d9e296f198ae [RTR/1] - - ab\n"));
  CHECK(formatRfc5424(envelope(whole + 500000000, "LGR", "", true, ""), "") ==
        "<11>1 2017-10-05T15:00:55.5Z - 3e0b1150-14b8-4a20-a1c5-d9e296f198ae [LGR] - - \n");
}

TEST_CASE("frameOctetCounted: the byte length, a space, the message") {
  CHECK(frameOctetCounted("<14>1 x\n") == "8 <14>1 x\n");
  CHECK(frameOctetCounted("é\n") == "3 é\n");  // bytes, not characters
}

TEST_CASE("drainBackoffSeconds: 1 s doubling to 60 s") {
  std::vector<int> got;
  for (int i = 1; i <= 9; ++i) got.push_back(drainBackoffSeconds(i));
  CHECK(got == std::vector<int>{1, 2, 4, 8, 16, 32, 60, 60, 60});
  CHECK(drainBackoffSeconds(0) == 1);
  CHECK(drainBackoffSeconds(1000) == 60);
}

}  // namespace mcf::logs
