#include "auth/login_limiter.h"

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"

using namespace mcf;
using auth::LoginLimiter;
using Verdict = LoginLimiter::Verdict;

TEST_CASE("LoginLimiter: five failures lock the username for five minutes, then it is free") {
  base::FakeClock clock;
  LoginLimiter limiter(clock);
  for (int i = 0; i < 5; ++i) CHECK(limiter.begin("alice", "10.0.0.1").verdict == Verdict::kGo);
  auto locked = limiter.begin("alice", "10.0.0.2");
  CHECK(locked.verdict == Verdict::kUserLocked);
  CHECK(locked.retry_seconds == 300);
  // Locked whatever the address and even for the right password (not counted either).
  clock.advanceMs(299 * 1000);
  CHECK(limiter.begin("alice", "10.0.0.3").verdict == Verdict::kUserLocked);
  CHECK(limiter.begin("alice", "10.0.0.3").retry_seconds == 1);
  CHECK(limiter.begin("bob", "10.0.0.1").verdict == Verdict::kGo);  // others are not locked
  clock.advanceMs(1000);
  CHECK(limiter.begin("alice", "10.0.0.1").verdict == Verdict::kGo);
}

TEST_CASE("LoginLimiter: a success clears the count; failures older than the window expire") {
  base::FakeClock clock;
  LoginLimiter limiter(clock);
  for (int i = 0; i < 4; ++i) CHECK(limiter.begin("alice", "a").verdict == Verdict::kGo);
  CHECK(limiter.begin("alice", "a").verdict == Verdict::kGo);  // the 5th, and it is right
  limiter.succeeded("alice", "a");
  for (int i = 0; i < 4; ++i) CHECK(limiter.begin("alice", "a").verdict == Verdict::kGo);
  clock.advanceMs(301 * 1000);  // the four failures are out of the window
  for (int i = 0; i < 4; ++i) CHECK(limiter.begin("alice", "a").verdict == Verdict::kGo);
  CHECK(limiter.begin("alice", "a").verdict == Verdict::kGo);
  CHECK(limiter.begin("alice", "a").verdict == Verdict::kUserLocked);
}

TEST_CASE("LoginLimiter: one address gets a bounded number of password checks per window") {
  base::FakeClock clock;
  LoginLimiter limiter(clock);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) {
    // Fresh usernames each time: only the address cap can stop these.
    if (limiter.begin("user" + std::to_string(i), "10.9.9.9").verdict == Verdict::kGo) ++allowed;
  }
  CHECK(allowed == LoginLimiter::kAddressAttempts);
  auto limited = limiter.begin("someone", "10.9.9.9");
  CHECK(limited.verdict == Verdict::kAddressLimited);
  CHECK(limited.retry_seconds == 300);
  CHECK(limiter.begin("someone", "10.9.9.8").verdict == Verdict::kGo);  // other addresses
  clock.advanceMs(300 * 1000);
  CHECK(limiter.begin("someone", "10.9.9.9").verdict == Verdict::kGo);
}
