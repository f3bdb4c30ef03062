// The scheduler's rules in full (every state transition, the whole backoff sequence) and
// convergence when scaling: against the fake backend and a fake clock, without sleeping.
#include <doctest/doctest.h>

#include <algorithm>

#include "scheduler/instance.h"
#include "scheduler/restart_policy.h"
#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler;
using namespace mcf::scheduler::testing;
using model::InstanceState;

TEST_CASE("the instance state machine allows exactly its documented transitions") {
  using S = InstanceState;
  const S all[] = {S::kStarting, S::kRunning, S::kCrashed, S::kStopping, S::kDown};
  const std::vector<std::pair<S, S>> legal = {
      {S::kStarting, S::kRunning}, {S::kStarting, S::kCrashed}, {S::kStarting, S::kStopping},
      {S::kRunning, S::kCrashed},  {S::kRunning, S::kStopping}, {S::kCrashed, S::kStarting},
      {S::kCrashed, S::kDown},     {S::kStopping, S::kDown}};
  for (S from : all) {
    for (S to : all) {
      bool want = std::find(legal.begin(), legal.end(), std::pair{from, to}) != legal.end();
      CAPTURE(model::toString(from));
      CAPTURE(model::toString(to));
      CHECK(legalTransition(from, to) == want);
    }
  }
}

TEST_CASE("backoff: three restarts at once, then 30 s doubling to a 16 minute cap, none from 200") {
  for (int n = 1; n <= 3; ++n) {
    CHECK(restartAfterCrash(n).restart);
    CHECK(restartAfterCrash(n).delay_ms == 0);
  }
  const int64_t expected_s[] = {30, 60, 120, 240, 480, 960, 960};
  for (int n = 4; n <= 10; ++n) {
    CAPTURE(n);
    CHECK(restartAfterCrash(n).restart);
    CHECK(restartAfterCrash(n).delay_ms == expected_s[n - 4] * 1000);
  }
  CHECK(restartAfterCrash(199).restart);
  CHECK(restartAfterCrash(199).delay_ms == 960000);
  CHECK_FALSE(restartAfterCrash(200).restart);
  CHECK_FALSE(restartAfterCrash(201).restart);
  // The count starts over only after more than five minutes of running.
  CHECK(nextCrashCount(0, 0) == 1);
  CHECK(nextCrashCount(3, 5 * 60 * 1000) == 4);
  CHECK(nextCrashCount(199, 5 * 60 * 1000 + 1) == 1);
}

TEST_CASE("two change events in a row start each index once") {
  World w;
  w.sched->desiredChanged(w.app.guid);
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  w.sched->desiredChanged(w.app.guid);
  spin(w.loop, 20);
  CHECK(w.backend.runs().size() == 2);
  CHECK(w.sched->running() == 2);
  CHECK(w.backend.stops().empty());
}

TEST_CASE("scaling up keeps every running instance and starts only the new indexes") {
  World w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  std::vector<std::string> before = w.guids();
  w.update([](model::Process& p) { p.instances = 5; });
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.views().size() == 5; }));
  std::vector<std::string> after = w.guids();
  CHECK(after[0] == before[0]);
  CHECK(after[1] == before[1]);
  CHECK(w.backend.runs().size() == 5);
  CHECK(w.backend.stops().empty());
}

TEST_CASE("scaling down stops only the highest indexes") {
  World w;
  w.web.instances = 4;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.views().size() == 4; }));
  std::vector<std::string> before = w.guids();
  w.update([](model::Process& p) { p.instances = 2; });
  // Out of routing at once; SIGTERM only after the drain, so that requests on their way finish.
  CHECK(w.sched->running() == 2);
  CHECK(w.backend.stops().empty());
  for (const auto& guid : {before[2], before[3]})
    CHECK(std::count(w.sink.removed.begin(), w.sink.removed.end(), guid) == 1);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.stops().size() == 2; }));
  std::vector<std::string> stopped;
  for (const auto& [handle, kill] : w.backend.stops()) {
    if (!kill) stopped.push_back(handle);
  }
  std::sort(stopped.begin(), stopped.end());
  std::vector<std::string> highest = {before[2], before[3]};
  std::sort(highest.begin(), highest.end());
  CHECK(stopped == highest);
  CHECK(w.guids() == std::vector<std::string>{before[0], before[1]});
  CHECK(w.backend.runs().size() == 4);
}

TEST_CASE("new memory and disk limits with a new version replace every instance with them") {
  World w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  std::vector<std::string> before = w.guids();
  // What `microcf scale -m 256M -k 512M` does: scale, then restart (a new process version).
  w.update([](model::Process& p) {
    p.memory_in_mb = 256;
    p.disk_in_mb = 512;
    p.version = "v2";
  });
  REQUIRE(runUntil(w.loop, [&] {
    auto g = w.guids();
    return w.allRunning() && g[0] != before[0] && g[1] != before[1];
  }));
  for (const auto& guid : w.guids()) {
    const runner::ContainerSpec* spec = w.backend.containerSpec(guid);
    REQUIRE(spec != nullptr);
    CHECK(spec->limits.memory_mb == 256);
    CHECK(spec->limits.disk_mb == 512);
  }
  CHECK(w.backend.runs().size() == 4);
}

TEST_CASE("a crash after five minutes of running restarts at once with the count reset") {
  World w({.instances = 1});
  w.sched->start();
  w.crashInARow(3);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 4 && w.allRunning(); }));
  CHECK(w.views()[0].crash_count == 3);
  w.clock.advanceMs(5 * 60 * 1000 + 1000);
  auto last = w.backend.runs().back();
  REQUIRE(w.backend.exit(last.handle, last.pid, 1));
  // Without the reset this would be the fourth crash, 30 s of backoff away.
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 5 && w.allRunning(); }));
  CHECK(w.views()[0].crash_count == 1);
}
