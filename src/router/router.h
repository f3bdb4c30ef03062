// Router (Gorouter's role): the one public port; api.<domain> in-process, app hosts proxied.
//
// Owns: the public listener and its client connections (llhttp parsing), a pool of
// kept-alive connections to instances, streaming both ways, retries, RTR access records.
// Does not own: the route table's contents (the scheduler/controller fill it), the API itself.
// Thread: the loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/message.h"
#include "http/server.h"
#include "loop/loop.h"
#include "router/access_log.h"
#include "router/route_table.h"

namespace mcf::router {

struct RouterConfig {
  std::string domain = "localhost";
  uint64_t backend_timeout_ms = 900000;  // Gorouter's endpoint_timeout (15 min): first byte
  int max_attempts = 3;                  // tries on other instances when one cannot be reached
  uint64_t avoid_failed_ms = 30000;      // an instance that refused is skipped this long
  // max_header_bytes (request line + headers; over it 431), max_body_bytes (uploads of
  // package, buildpack and droplet bits to the API; over it 413; app bodies are streamed,
  // unlimited), idle_timeout_ms (keep-alive).
  http::ServerOptions server;
  // Every other API request body (JSON): over it 413 with a Cloud Foundry error body.
  size_t max_api_body_bytes = size_t(1) << 20;
  size_t max_header_count = 100;       // more headers: 431
  uint64_t header_timeout_ms = 10000;  // a request head must arrive within this: else 408
  size_t max_connections = 10000;      // client connections; beyond, accepted and closed
  size_t max_idle_per_endpoint = 100;  // kept-alive connections parked per instance
  uint64_t pool_idle_timeout_ms = 90000;
  size_t high_water_bytes = 256 * 1024;  // a peer's write queue above it pauses the reader
  size_t low_water_bytes = 64 * 1024;    // ... and below it resumes it
  size_t replay_bytes = 64 * 1024;       // request body kept for a retry on another instance
};

// Counters for /metrics and tests.
struct RouterStats {
  uint64_t requests = 0;          // answered requests (API and apps)
  uint64_t by_class[6] = {};      // by status / 100 (index 1..5)
  double latency_seconds = 0;     // sum over proxied requests, arrival to response end
  uint64_t backend_connects = 0;  // new connections to instances
  uint64_t backend_reuses = 0;    // requests sent on a pooled connection
  uint64_t retries = 0;           // attempts on another instance
  size_t client_connections = 0;  // open now
  size_t idle_backends = 0;       // pooled now
  size_t max_queued_bytes = 0;    // the most any one socket's write queue ever held
};

// Gets every proxied request's record after its response ended (also 502s, with the
// instance that failed); not 404/503 answers, which name no instance.
using AccessLog = std::function<void(const AccessRecord& record)>;

// Per request: Host (lowercased, port stripped) `api.<domain>` or `<domain>` → the api handler
// with the whole body and a Responder that can stream (chunked), adding X-Vcap-Request-Id if
// the client sent none. Otherwise the route table decides: no route → 404 unknown_route; no
// endpoints → 503 no_endpoints; else the request is streamed to an instance picked by the
// route's load balancing (round-robin or least-connection; a __VCAP_ID__ cookie naming a live
// instance wins; `X-Cf-App-Instance: APP_GUID:INDEX` pins one, 400
// invalid_cf_app_instance_header if bad or unknown) over a pooled keep-alive connection.
// An instance that cannot be reached (or a pooled connection that dies before answering,
// while the body sent so far can be replayed) is retried on another; 502 endpoint_failure
// when none answers. `Expect: 100-continue` is answered by the router itself once the
// request is routed. A 101 answer to an Upgrade splices the two sockets.
class TlsContext;

class Router {
 public:
  Router(loop::Loop& loop, RouteTable& table, RouterConfig config, http::Handler api,
         AccessLog log);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  base::Status listen(const std::string& host, int port);
  int port() const;
  // The HTTPS port (after listen()): the same router behind TLS with tls's certificates
  // (SNI); requests from it carry X-Forwarded-Proto: https. tls must outlive the Router.
  base::Status listenTls(const std::string& host, int port, TlsContext& tls);
  int tlsPort() const;
  // Stops listening and closes every client and instance connection.
  void close();
  RouterStats stats() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace mcf::router
