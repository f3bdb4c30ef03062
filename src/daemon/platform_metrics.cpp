// The platform's Prometheus metrics.
#include "daemon/platform_metrics.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace mcf::daemon {

namespace {

// Fixed latency buckets (seconds), Prometheus' defaults extended down to 1 ms.
const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kLagBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
constexpr int64_t kProbeMs = 500;

}  // namespace

AccessSample parseAccessLine(std::string_view line) {
  AccessSample s;
  // The request line is the first quoted field; the status follows it.
  size_t open = line.find('"');
  size_t close = open == std::string_view::npos ? open : line.find('"', open + 1);
  while (close != std::string_view::npos && line[close - 1] == '\\')  // an escaped quote
    close = line.find('"', close + 1);
  if (close != std::string_view::npos && close + 2 < line.size()) {
    const char* b = line.data() + close + 2;
    int status = 0;
    auto [p, ec] = std::from_chars(b, line.data() + line.size(), status);
    if (ec == std::errc() && status >= 100 && status <= 999) s.status = status;
  }
  constexpr std::string_view kKey = "response_time:";
  size_t rt = line.find(kKey);
  if (rt != std::string_view::npos) {
    std::string value(line.substr(rt + kKey.size(), 32));
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str() && v >= 0) s.seconds = v;
  }
  return s;
}

PlatformMetrics::PlatformMetrics(loop::Loop& loop, const base::Clock& clock)
    : clock_(clock), probe_(loop) {
  // Families that exist before their first event, so a scrape always lists them.
  for (const char* cls : {"2xx", "3xx", "4xx", "5xx"})
    metrics_.counter("microcf_router_requests_total", "Requests the router answered, by status class.",
                     {{"status", cls}});
  metrics_.histogram("microcf_router_request_duration_seconds",
                     "Time from a request's arrival to its response, as the RTR line reports it.",
                     kLatencyBuckets);
  for (const char* o : {"started", "succeeded", "failed"})
    metrics_.counter("microcf_stagings_total", "Stagings, by outcome.", {{"outcome", o}});
  metrics_.gauge("microcf_loop_lag_seconds", "How late the last 500 ms loop timer fired.");
  metrics_.histogram("microcf_loop_lag_distribution_seconds",
                     "How late 500 ms loop timers fired.", kLagBuckets);
}

void PlatformMetrics::onAccessLine(std::string_view line) {
  AccessSample s = parseAccessLine(line);
  recordRequest(s.status, s.seconds);
}

void PlatformMetrics::recordRequest(int status, double seconds) {
  int slot = status >= 100 && status <= 599 ? status / 100 - 1 : 5;
  base::Counter*& counter = requests_by_class_[slot];
  if (!counter) {
    std::string cls = slot < 5 ? std::to_string(slot + 1) + "xx" : "other";
    counter = &metrics_.counter("microcf_router_requests_total", "", {{"status", cls}});
  }
  counter->inc();
  if (seconds < 0) return;
  if (!request_seconds_)
    request_seconds_ =
        &metrics_.histogram("microcf_router_request_duration_seconds", "", kLatencyBuckets);
  request_seconds_->observe(seconds);
}

void PlatformMetrics::onStaging(std::string_view outcome) {
  metrics_.counter("microcf_stagings_total", "", {{"outcome", std::string(outcome)}}).inc();
}

void PlatformMetrics::startLoopProbe() {
  probe_due_ms_ = clock_.steadyMs() + kProbeMs;
  probe_.start(kProbeMs, kProbeMs, [this] {
    int64_t now = clock_.steadyMs();
    double lag = static_cast<double>(std::max<int64_t>(0, now - probe_due_ms_)) / 1000.0;
    probe_due_ms_ = now + kProbeMs;
    metrics_.gauge("microcf_loop_lag_seconds", "").set(lag);
    metrics_.histogram("microcf_loop_lag_distribution_seconds", "", kLagBuckets).observe(lag);
  });
}

}  // namespace mcf::daemon
