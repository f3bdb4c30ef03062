// FakeClock: a Clock that moves only when a test says so.
#pragma once

#include "base/clock.h"

namespace mcf::base {

class FakeClock final : public Clock {
 public:
  int64_t nowNs() const override { return now_ns_; }
  int64_t steadyMs() const override { return steady_ms_; }
  void advanceMs(int64_t ms) {
    steady_ms_ += ms;
    now_ns_ += ms * 1000000;
  }
  void setNowNs(int64_t ns) { now_ns_ = ns; }

 private:
  int64_t now_ns_ = 1700000000LL * 1000000000LL;
  int64_t steady_ms_ = 1000;
};

}  // namespace mcf::base
