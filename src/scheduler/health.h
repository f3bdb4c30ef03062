// Health checks of instances: port (TCP connect) and http (GET, 200 only), as Diego runs them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/client.h"
#include "loop/loop.h"

namespace mcf::scheduler {

struct ProbeSpec {
  std::string type = "port";  // port | http
  std::string ip = "127.0.0.1";
  int port = 0;
  std::string endpoint = "/";
  uint64_t timeout_ms = 1000;
};

class HealthProber {
 public:
  explicit HealthProber(loop::Loop& loop) : loop_(loop), client_(loop) {}
  virtual ~HealthProber() = default;
  // done gets ok, or kUnavailable with Diego's wording: "Failed to make TCP connection to
  // port 8080: connection refused" / "Failed to make HTTP request to '/health' on port 8080:
  // received status code 500".
  // A probe that gets no answer within timeout_ms fails ("no response ... within N ms").
  virtual void probe(const ProbeSpec& spec, std::function<void(base::Status)> done);

 private:
  loop::Loop& loop_;
  http::Client client_;
};

// Go's duration layout, as Cloud Foundry prints timeouts: 60000 → "1m0s", 5000 → "5s".
std::string durationText(int64_t ms);

}  // namespace mcf::scheduler
