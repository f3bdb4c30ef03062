// Clock: wall time for timestamps and monotonic time for timers, behind an interface so
// that tests can move time by hand (FakeClock in base/testing/).
#pragma once

#include <cstdint>
#include <string>

namespace mcf::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual int64_t nowNs() const = 0;
  // Milliseconds on a monotonic clock with an arbitrary origin.
  virtual int64_t steadyMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowNs() const override;
  int64_t steadyMs() const override;
};

// "2006-01-02T15:04:05Z", whole seconds, UTC: Cloud Foundry's created_at/updated_at.
std::string formatTimestamp(int64_t epoch_seconds);
// RFC 3339 with nanoseconds: used only by process stats' usage.time.
std::string formatTimestampNs(int64_t epoch_ns);

}  // namespace mcf::base
