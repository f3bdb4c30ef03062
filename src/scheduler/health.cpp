// Port and HTTP probes.
#include "scheduler/health.h"

#include <fmt/format.h>

#include "loop/tcp_probe.h"

namespace mcf::scheduler {

using base::Errc;
using base::makeError;

void HealthProber::probe(const ProbeSpec& spec, std::function<void(base::Status)> done) {
  int port = spec.port;
  if (spec.type == "http") {
    http::ClientRequest req;
    req.host = spec.ip;
    req.port = port;
    req.target = spec.endpoint;
    req.timeout_ms = spec.timeout_ms;
    std::string endpoint = spec.endpoint;
    client_.request(std::move(req), [done = std::move(done), endpoint, port](base::Result<http::Response> r) {
      if (!r.ok()) {
        done(makeError(Errc::kUnavailable, "Failed to make HTTP request to '{}' on port {}: {}",
                       endpoint, port, r.error().message));
      } else if (r->status != 200) {
        done(makeError(Errc::kUnavailable,
                       "Failed to make HTTP request to '{}' on port {}: received status code {}",
                       endpoint, port, r->status));
      } else {
        done({});
      }
    });
    return;
  }
  loop::tcpProbe(loop_, spec.ip, port, spec.timeout_ms, [done = std::move(done), port](base::Status s) {
    if (s.ok()) {
      done({});
    } else {
      done(makeError(Errc::kUnavailable, "Failed to make TCP connection to port {}: {}", port,
                     s.error().message));
    }
  });
}

std::string durationText(int64_t ms) {
  int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{}s", s / 60, s % 60);
  return fmt::format("{}h{}m{}s", s / 3600, (s % 3600) / 60, s % 60);
}

}  // namespace mcf::scheduler
