// When a crashed instance starts again: Diego's RestartCalculator as a pure function.
#pragma once

#include <cstdint>

namespace mcf::scheduler {

struct RestartDecision {
  bool restart = true;
  int64_t delay_ms = 0;
};

// crash_count counts this crash too. The first three crashes restart at once; then
// 30 s × 2^(n−4), capped at 16 minutes; from the 200th crash on, the instance stays CRASHED.
RestartDecision restartAfterCrash(int crash_count);

// Diego resets the count when the crashed instance had been running for over 5 minutes.
int nextCrashCount(int previous_count, int64_t ran_for_ms);

}  // namespace mcf::scheduler
