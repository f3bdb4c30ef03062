// Login throttling: fixed windows per username and per client address.
#include "auth/login_limiter.h"

#include <algorithm>

namespace mcf::auth {

namespace {

constexpr size_t kPruneAbove = 10000;  // entries per map before stale ones are dropped

}  // namespace

void LoginLimiter::roll(Counter& c, int64_t now) const {
  if (c.locked_until != 0 && now >= c.locked_until) c = Counter{};
  if (c.locked_until == 0 && now - c.window_start >= kWindowSeconds) {
    c.count = 0;
    c.window_start = now;
  }
}

void LoginLimiter::prune(int64_t now) {
  for (auto* map : {&users_, &addresses_}) {
    if (map->size() < kPruneAbove) continue;
    std::erase_if(*map, [&](const auto& entry) {
      const Counter& c = entry.second;
      return c.locked_until != 0 ? now >= c.locked_until : now - c.window_start >= kWindowSeconds;
    });
  }
}

LoginLimiter::Decision LoginLimiter::begin(const std::string& username,
                                           const std::string& address) {
  int64_t t = now();
  prune(t);
  Counter& user = users_[username];
  roll(user, t);
  if (user.locked_until != 0) return {Verdict::kUserLocked, user.locked_until - t};
  Counter& addr = addresses_[address];
  roll(addr, t);
  if (addr.count >= kAddressAttempts)
    return {Verdict::kAddressLimited, std::max<int64_t>(1, addr.window_start + kWindowSeconds - t)};
  ++addr.count;
  if (++user.count >= kUserFailures) user.locked_until = t + kLockoutSeconds;
  return {};
}

void LoginLimiter::succeeded(const std::string& username, const std::string& address) {
  users_.erase(username);
  if (auto it = addresses_.find(address); it != addresses_.end() && it->second.count > 0)
    --it->second.count;
}

}  // namespace mcf::auth
