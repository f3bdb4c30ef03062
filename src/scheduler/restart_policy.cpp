// Crash backoff.
#include "scheduler/restart_policy.h"

namespace mcf::scheduler {

namespace {
constexpr int kImmediateRestarts = 3;
constexpr int kMaxRestartAttempts = 200;
constexpr int64_t kMinBackoffMs = 30 * 1000;
constexpr int64_t kMaxBackoffMs = 16 * 60 * 1000;
constexpr int64_t kCrashResetMs = 5 * 60 * 1000;
}  // namespace

RestartDecision restartAfterCrash(int crash_count) {
  if (crash_count >= kMaxRestartAttempts) return {false, 0};
  if (crash_count <= kImmediateRestarts) return {true, 0};
  int64_t delay = kMinBackoffMs;
  for (int i = kImmediateRestarts + 1; i < crash_count && delay < kMaxBackoffMs; ++i) delay *= 2;
  return {true, delay < kMaxBackoffMs ? delay : kMaxBackoffMs};
}

int nextCrashCount(int previous_count, int64_t ran_for_ms) {
  return ran_for_ms > kCrashResetMs ? 1 : previous_count + 1;
}

}  // namespace mcf::scheduler
