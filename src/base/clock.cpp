// System clock and Cloud Foundry's timestamp formats.
#include "base/clock.h"

#include <time.h>

#include <fmt/format.h>

namespace mcf::base {

int64_t SystemClock::nowNs() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t SystemClock::steadyMs() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

std::string formatTimestamp(int64_t epoch_seconds) {
  time_t t = static_cast<time_t>(epoch_seconds);
  tm utc;
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string formatTimestampNs(int64_t epoch_ns) {
  time_t t = static_cast<time_t>(epoch_ns / 1000000000);
  tm utc;
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     epoch_ns % 1000000000);
}

}  // namespace mcf::base
