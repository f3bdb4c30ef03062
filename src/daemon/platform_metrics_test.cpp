// The platform metrics' hooks: RTR lines become request counts and latencies.
#include "daemon/platform_metrics.h"

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"

namespace mcf::daemon {

TEST_CASE("parseAccessLine: status and response_time of an RTR line") {
  AccessSample s = parseAccessLine(
      "hello.localhost - [05/12/2026:20:00:00.000 +0000] \"GET /x?a=\\\"b HTTP/1.1\" 404 0 12 "
      "\"-\" \"curl/8\" 127.0.0.1:5555 10.0.0.2:8080 x_forwarded_for:\"127.0.0.1\" "
      "x_forwarded_proto:\"http\" vcap_request_id:abc response_time:0.0042 app_id:g app_index:0");
  CHECK(s.status == 404);
  CHECK(s.seconds == doctest::Approx(0.0042));
  AccessSample none = parseAccessLine("garbage");
  CHECK(none.status == 0);
  CHECK(none.seconds == -1);
}

TEST_CASE("PlatformMetrics: requests by status class and their latency in the exposition") {
  loop::Loop loop;
  base::FakeClock clock;
  PlatformMetrics m(loop, clock);
  m.recordRequest(200, 0.003);
  m.recordRequest(204, 0.2);
  m.recordRequest(502, 0.0005);
  m.onStaging("started");
  std::string text = m.scrape();
  CHECK(text.find("microcf_router_requests_total{status=\"2xx\"} 2\n") != std::string::npos);
  CHECK(text.find("microcf_router_requests_total{status=\"5xx\"} 1\n") != std::string::npos);
  CHECK(text.find("microcf_router_requests_total{status=\"4xx\"} 0\n") != std::string::npos);
  CHECK(text.find("microcf_router_request_duration_seconds_bucket{le=\"0.001\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("microcf_router_request_duration_seconds_bucket{le=\"0.005\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("microcf_router_request_duration_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("microcf_stagings_total{outcome=\"started\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE microcf_loop_lag_seconds gauge\n") != std::string::npos);
}

}  // namespace mcf::daemon
