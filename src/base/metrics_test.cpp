// The Prometheus text exposition of the metrics registry, byte for byte.
#include "base/metrics.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

namespace mcf::base {

TEST_CASE("metrics: counters, gauges and samplers in the 0.0.4 text format") {
  Metrics m;
  m.counter("microcf_requests_total", "Requests.", {{"status", "2xx"}}).inc();
  m.counter("microcf_requests_total", "Requests.", {{"status", "2xx"}}).inc(2);
  m.counter("microcf_requests_total", "Requests.", {{"status", "5xx"}}).inc();
  m.gauge("microcf_loop_lag_seconds", "Loop lag.").set(0.25);
  m.gaugeFn("microcf_instances", "Instances by state.", [] {
    return std::vector<std::pair<Labels, double>>{{{{"state", "RUNNING"}}, 3},
                                                  {{{"state", "CRASHED"}}, 0}};
  });
  CHECK(m.exposition() ==
        "# HELP microcf_instances Instances by state.\n"
        "# TYPE microcf_instances gauge\n"
        "microcf_instances{state=\"RUNNING\"} 3\n"
        "microcf_instances{state=\"CRASHED\"} 0\n"
        "# HELP microcf_loop_lag_seconds Loop lag.\n"
        "# TYPE microcf_loop_lag_seconds gauge\n"
        "microcf_loop_lag_seconds 0.25\n"
        "# HELP microcf_requests_total Requests.\n"
        "# TYPE microcf_requests_total counter\n"
        "microcf_requests_total{status=\"2xx\"} 3\n"
        "microcf_requests_total{status=\"5xx\"} 1\n");
}

TEST_CASE("metrics: histograms have cumulative buckets, +Inf, sum and count") {
  Metrics m;
  auto& h = m.histogram("lat_seconds", "Latency.", {0.1, 1}, {{"route", "a"}});
  h.observe(0.05);
  h.observe(0.1);  // on the bound: le is inclusive
  h.observe(0.5);
  h.observe(3);
  CHECK(m.exposition() ==
        "# HELP lat_seconds Latency.\n"
        "# TYPE lat_seconds histogram\n"
        "lat_seconds_bucket{route=\"a\",le=\"0.1\"} 2\n"
        "lat_seconds_bucket{route=\"a\",le=\"1\"} 3\n"
        "lat_seconds_bucket{route=\"a\",le=\"+Inf\"} 4\n"
        "lat_seconds_sum{route=\"a\"} 3.65\n"
        "lat_seconds_count{route=\"a\"} 4\n");
  Metrics bare;
  bare.histogram("x", "X.", {1}).observe(2);
  CHECK(bare.exposition().find("x_bucket{le=\"1\"} 0\nx_bucket{le=\"+Inf\"} 1\nx_sum 2\nx_count 1\n") !=
        std::string::npos);
}

TEST_CASE("metrics: label values and help are escaped; special values") {
  CHECK(renderLabels({{"a", "q\"b\\s\nn"}}) == "{a=\"q\\\"b\\\\s\\nn\"}");
  CHECK(renderLabels({}) == "");
  CHECK(formatSample(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(formatSample(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(formatSample(std::nan("")) == "NaN");
  CHECK(formatSample(42) == "42");
  CHECK(formatSample(0.001) == "0.001");
  Metrics m;
  m.counter("c", "line one\nback\\slash").inc();
  CHECK(m.exposition() == "# HELP c line one\\nback\\\\slash\n# TYPE c counter\nc 1\n");
}

}  // namespace mcf::base
