// The token bucket behind log-rate-limit-per-second.
#include "logs/rate_limiter.h"

#include <algorithm>

namespace mcf::logs {

LogRateLimiter::LogRateLimiter(int64_t bytes_per_second)
    : limit_(bytes_per_second), tokens_(bytes_per_second > 0 ? double(bytes_per_second) : 0) {}

bool LogRateLimiter::admit(size_t bytes, int64_t now_ms) {
  if (limit_ < 0) return true;
  if (refilled_ms_ < 0) refilled_ms_ = now_ms;
  if (now_ms > refilled_ms_) {
    // The bucket holds one second's worth: a burst up to the limit goes through at once.
    tokens_ = std::min<double>(double(limit_),
                               tokens_ + double(limit_) * double(now_ms - refilled_ms_) / 1000.0);
    refilled_ms_ = now_ms;
  }
  if (double(bytes) <= tokens_) {
    tokens_ -= double(bytes);
    return true;
  }
  ++dropped_;
  ++dropped_total_;
  return false;
}

std::optional<LogRateLimiter::Report> LogRateLimiter::report(int64_t now_ms) {
  if (dropped_ == 0) {
    // A whole reporting period without drops: the next drop is a new episode.
    if (now_ms - reported_ms_ >= 1000) over_ = false;
    return std::nullopt;
  }
  if (now_ms - reported_ms_ < 1000) return std::nullopt;
  reported_ms_ = now_ms;
  return flush();
}

std::optional<LogRateLimiter::Report> LogRateLimiter::flush() {
  if (dropped_ == 0) return std::nullopt;
  Report r{dropped_, !over_};
  over_ = true;
  dropped_ = 0;
  return r;
}

}  // namespace mcf::logs
