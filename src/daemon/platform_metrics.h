// PlatformMetrics: what `GET /metrics` reports about the running platform, fed by the daemon's
// hooks (access log lines, staging outcomes, a loop lag timer) and sampled from the components
// (instances by state, log store and drain counters) when scraped.
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "loop/loop.h"

namespace mcf::daemon {

// Status and response time of an RTR line (`... "GET / HTTP/1.1" 200 ... response_time:0.0012
// ...`); status 0 when the line has none.
struct AccessSample {
  int status = 0;
  double seconds = -1;  // -1: no response_time field
};
AccessSample parseAccessLine(std::string_view line);

class PlatformMetrics {
 public:
  PlatformMetrics(loop::Loop& loop, const base::Clock& clock);

  base::Metrics& registry() { return metrics_; }
  // One routed request, from the router's access log callback (the hook: a router that hands
  // over status and latency directly can call recordRequest instead).
  void onAccessLine(std::string_view line);
  void recordRequest(int status, double seconds);
  // "started", "succeeded" or "failed".
  void onStaging(std::string_view outcome);
  // Starts the loop lag probe: a 500 ms timer whose lateness is the lag.
  void startLoopProbe();

  std::string scrape() { return metrics_.exposition(); }

 private:
  const base::Clock& clock_;
  base::Metrics metrics_;
  // recordRequest's series, looked up once (it runs for every routed request): 1xx–5xx, other.
  base::Counter* requests_by_class_[6] = {};
  base::Histogram* request_seconds_ = nullptr;
  loop::Timer probe_;
  int64_t probe_due_ms_ = 0;
};

}  // namespace mcf::daemon
