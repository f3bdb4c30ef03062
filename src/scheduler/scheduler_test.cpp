// Tests of the scheduler's pure rules: crash backoff, the state machine, durations, ports.
#include "scheduler/restart_policy.h"

#include <doctest/doctest.h>

#include "scheduler/health.h"
#include "scheduler/instance.h"
#include "scheduler/ports.h"

using namespace mcf::scheduler;
using mcf::model::InstanceState;

TEST_CASE("the first three crashes restart at once, then the backoff doubles to 16 minutes") {
  CHECK(restartAfterCrash(1).delay_ms == 0);
  CHECK(restartAfterCrash(3).delay_ms == 0);
  CHECK(restartAfterCrash(4).delay_ms == 30000);
  CHECK(restartAfterCrash(5).delay_ms == 60000);
  CHECK(restartAfterCrash(6).delay_ms == 120000);
  CHECK(restartAfterCrash(9).delay_ms == 960000);
  CHECK(restartAfterCrash(50).delay_ms == 960000);
  CHECK(restartAfterCrash(199).restart);
  CHECK_FALSE(restartAfterCrash(200).restart);
}

TEST_CASE("the crash count resets after five minutes of running") {
  CHECK(nextCrashCount(7, 1000) == 8);
  CHECK(nextCrashCount(7, 5 * 60 * 1000 + 1) == 1);
}

TEST_CASE("only legal instance transitions are allowed") {
  CHECK(legalTransition(InstanceState::kStarting, InstanceState::kRunning));
  CHECK(legalTransition(InstanceState::kRunning, InstanceState::kCrashed));
  CHECK(legalTransition(InstanceState::kCrashed, InstanceState::kStarting));
  CHECK(legalTransition(InstanceState::kStopping, InstanceState::kDown));
  CHECK_FALSE(legalTransition(InstanceState::kRunning, InstanceState::kStarting));
  CHECK_FALSE(legalTransition(InstanceState::kDown, InstanceState::kRunning));
  CHECK_FALSE(legalTransition(InstanceState::kStopping, InstanceState::kRunning));
}

TEST_CASE("durations print as Go does") {
  CHECK(durationText(60000) == "1m0s");
  CHECK(durationText(5000) == "5s");
  CHECK(durationText(180000) == "3m0s");
}

TEST_CASE("the port allocator hands out distinct free ports and reuses released ones") {
  PortAllocator ports(64001, 64003);
  int a = ports.allocate();
  int b = ports.allocate();
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);
  CHECK(ports.inUse(a));
  ports.release(a);
  CHECK_FALSE(ports.inUse(a));
}
