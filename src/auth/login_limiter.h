// LoginLimiter: brute-force brakes for the password grant, in memory.
//
// Per username: kUserFailures failed logins within kWindow lock that name for kLockout (UAA's
// defaults: 5 failures, 5 minutes); a successful login clears the name's count. Per client
// address: at most kAddressAttempts password checks within kWindow, so that password hashing
// cannot be used to burn the machine's CPU. An attempt counts as a failure from the moment it
// begins (parallel guesses count too); success takes it back.
// Owns: the counters. Does not own: passwords (auth/password.h), HTTP (controller/oauth.cpp).
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/clock.h"

namespace mcf::auth {

class LoginLimiter {
 public:
  static constexpr int kUserFailures = 5;
  static constexpr int kAddressAttempts = 30;
  static constexpr int64_t kWindowSeconds = 5 * 60;
  static constexpr int64_t kLockoutSeconds = 5 * 60;

  // clock is borrowed for the limiter's lifetime.
  explicit LoginLimiter(const base::Clock& clock) : clock_(clock) {}

  enum class Verdict { kGo, kUserLocked, kAddressLimited };
  struct Decision {
    Verdict verdict = Verdict::kGo;
    int64_t retry_seconds = 0;  // when not kGo: how long until an attempt may go ahead
  };

  // Before checking a password: kGo records the attempt (as failed until succeeded() says
  // otherwise); anything else records nothing and costs nothing.
  Decision begin(const std::string& username, const std::string& address);
  // The attempt begun for username from address was right.
  void succeeded(const std::string& username, const std::string& address);

 private:
  struct Counter {
    int count = 0;
    int64_t window_start = 0;   // seconds
    int64_t locked_until = 0;   // seconds; 0 = not locked
  };
  int64_t now() const { return clock_.nowNs() / 1000000000; }
  void roll(Counter& c, int64_t now) const;
  void prune(int64_t now);

  const base::Clock& clock_;
  std::map<std::string, Counter> users_;
  std::map<std::string, Counter> addresses_;
};

}  // namespace mcf::auth
