// Tests of the log rate limit: the bucket, drop counting and once-a-second reports.
#include "logs/rate_limiter.h"

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"

using namespace mcf::logs;

TEST_CASE("LogRateLimiter lets the limit through each second and counts the rest") {
  mcf::base::FakeClock clock;
  LogRateLimiter limiter(1000);
  int admitted = 0;
  for (int i = 0; i < 50; ++i) admitted += limiter.admit(100, clock.steadyMs());
  CHECK(admitted == 10);
  CHECK(limiter.droppedTotal() == 40);
  auto r = limiter.report(clock.steadyMs());
  REQUIRE(r);
  CHECK(r->dropped == 40);
  CHECK(r->first);
  // Nothing new to say, and not twice within a second.
  CHECK(!limiter.report(clock.steadyMs()));
  CHECK(!limiter.admit(100, clock.steadyMs()));
  CHECK(!limiter.report(clock.steadyMs() + 999));
  // Half a second refills half the bucket.
  clock.advanceMs(500);
  admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += limiter.admit(100, clock.steadyMs());
  CHECK(admitted == 5);
  clock.advanceMs(500);
  r = limiter.report(clock.steadyMs());
  REQUIRE(r);
  CHECK(r->dropped == 6);
  CHECK(!r->first);  // the same episode: CF's notice is said once
  // A quiet second ends the episode; the next drop is announced again.
  clock.advanceMs(1000);
  CHECK(!limiter.report(clock.steadyMs()));
  clock.advanceMs(10);
  for (int i = 0; i < 30; ++i) limiter.admit(100, clock.steadyMs());
  clock.advanceMs(1000);
  r = limiter.report(clock.steadyMs());
  REQUIRE(r);
  CHECK(r->first);
  CHECK(limiter.droppedTotal() == 40 + 6 + r->dropped);
}

TEST_CASE("LogRateLimiter: -1 is unlimited, 0 drops everything, a line over the limit drops") {
  LogRateLimiter unlimited(-1);
  for (int i = 0; i < 1000; ++i) CHECK(unlimited.admit(1 << 20, 0));
  CHECK(!unlimited.report(5000));
  LogRateLimiter none(0);
  CHECK(!none.admit(1, 0));
  LogRateLimiter small(10);
  CHECK(!small.admit(11, 0));
  CHECK(small.admit(10, 0));
  auto r = small.flush();
  REQUIRE(r);
  CHECK(r->dropped == 1);
}
