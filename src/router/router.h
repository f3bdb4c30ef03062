// Router (Gorouter's role): the one public port; api.<domain> in-process, app hosts proxied.
//
// Owns: the public http::Server, proxying to instances (retries, round robin), RTR access logs.
// Does not own: the route table's contents (the scheduler/controller fill it), the API itself.
// Thread: the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"
#include "http/client.h"
#include "http/message.h"
#include "http/server.h"
#include "loop/loop.h"
#include "router/route_table.h"

namespace mcf::router {

struct RouterConfig {
  std::string domain = "localhost";
  uint64_t backend_timeout_ms = 900000;  // Gorouter's endpoint_timeout (15 min)
  int max_attempts = 3;                  // connect failures tried on other instances
  uint64_t avoid_failed_ms = 30000;      // an instance that refused is skipped this long
  http::ServerOptions server;            // limits of the public port
};

using AccessLog =
    std::function<void(const std::string& app_guid, int index, const std::string& line)>;

// Per request: Host (lowercased, port stripped) `api.<domain>` or `<domain>` → the api handler
// with the same Request and Responder (adding X-Vcap-Request-Id if the client sent none).
// Otherwise the route table decides: no route → 404 unknown_route; no endpoints → 503
// no_endpoints; else proxy to a round-robin instance, trying others when a connection
// cannot be made, and 502 endpoint_failure when none answers. `X-Cf-App-Instance:
// APP_GUID:INDEX` pins an instance (400 invalid_cf_app_instance_header if bad or unknown).
// Bodies are buffered whole both ways (streaming is for later).
class Router {
 public:
  Router(loop::Loop& loop, RouteTable& table, RouterConfig config, http::Handler api,
         AccessLog log);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  base::Status listen(const std::string& host, int port);
  int port() const;
  void close();

  // What the public port does with a request; callable directly (no socket) by tests.
  void handle(http::Request&& request, http::Responder responder);

 private:
  struct Exchange;
  void attempt(const std::shared_ptr<Exchange>& ex);
  void finish(const std::shared_ptr<Exchange>& ex, http::Response response);

  RouteTable& table_;
  RouterConfig config_;
  std::string api_host_;
  http::Handler api_;
  AccessLog log_;
  base::SystemClock clock_;
  std::unordered_map<std::string, uint64_t> cursors_;      // round-robin position per route
  std::unordered_map<std::string, int64_t> failed_until_;  // endpointKey → steady ms
  http::Server server_;
  // Last, so it goes first: its pending callbacks (which use this Router) never run after.
  http::Client client_;
};

}  // namespace mcf::router
