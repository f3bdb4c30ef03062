// Router: dispatch by host, proxy to instances with retries, RTR access log lines.
#include "router/router.h"

#include <charconv>
#include <chrono>
#include <exception>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "router/access_log.h"
#include "router/balancer.h"
#include "router/forwarding.h"

namespace mcf::router {
namespace {

http::Response routerError(int status, const char* code, std::string body) {
  http::Response r = http::Response::text(status, std::move(body));
  r.set("X-Cf-RouterError", code);
  return r;
}

// "APP_GUID:INDEX" naming one of eps; nullopt if malformed or not among them.
std::optional<Endpoint> pinnedEndpoint(const std::string& header,
                                       const std::vector<Endpoint>& eps) {
  std::string value = base::trim(header);
  size_t colon = value.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) return std::nullopt;
  std::string guid = value.substr(0, colon);
  std::string_view digits = std::string_view(value).substr(colon + 1);
  int index = -1;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || index < 0) return std::nullopt;
  for (const Endpoint& e : eps)
    if (e.app_guid == guid && e.index == index) return e;
  return std::nullopt;
}

}  // namespace

// One proxied request, alive until answered (shared by the client callbacks of its attempts).
struct Router::Exchange {
  http::Request request;
  http::Responder responder;
  std::string host;
  std::string route;
  std::vector<Endpoint> endpoints;
  std::vector<bool> tried;
  size_t current = kNoEndpoint;
  int attempts = 0;
  http::Headers forward_headers;
  std::string request_id;
  std::string forwarded_for;
  std::string forwarded_proto;
  int64_t start_ns = 0;
  std::chrono::steady_clock::time_point started;
};

Router::Router(loop::Loop& loop, RouteTable& table, RouterConfig config, http::Handler api,
               AccessLog log)
    : table_(table),
      config_(std::move(config)),
      api_host_("api." + base::toLower(config_.domain)),
      api_(std::move(api)),
      log_(std::move(log)),
      server_(
          loop,
          [this](http::Request&& r, http::Responder resp) {
            handle(std::move(r), std::move(resp));
          },
          config_.server),
      client_(loop) {
  config_.domain = base::toLower(config_.domain);
}

Router::~Router() { close(); }

base::Status Router::listen(const std::string& host, int port) {
  return server_.listen(host, port);
}

int Router::port() const { return server_.port(); }

void Router::close() { server_.close(); }

void Router::handle(http::Request&& request, http::Responder responder) {
  std::string host = request.host();
  if (host == api_host_ || host == config_.domain) {
    if (!request.header("X-Vcap-Request-Id"))
      request.headers.push_back({"X-Vcap-Request-Id", base::newGuid()});
    if (!api_) {
      responder.send(
          http::Response::text(503, "the API is not available yet; try again shortly\n"));
      return;
    }
    api_(std::move(request), std::move(responder));
    return;
  }

  std::optional<RouteMatch> match = table_.lookup(host, request.path);
  if (!match) {
    responder.send(routerError(404, "unknown_route",
                               fmt::format("Requested route ('{}') does not exist.\n", host)));
    return;
  }
  auto ex = std::make_shared<Exchange>();
  if (const std::string* pin = request.header("X-Cf-App-Instance")) {
    std::optional<Endpoint> ep = pinnedEndpoint(*pin, match->endpoints);
    if (!ep) {
      responder.send(
          routerError(400, "invalid_cf_app_instance_header", "Invalid X-CF-App-Instance Header\n"));
      return;
    }
    ex->endpoints.push_back(std::move(*ep));
  } else {
    ex->endpoints = std::move(match->endpoints);
  }
  if (ex->endpoints.empty()) {
    responder.send(
        routerError(503, "no_endpoints",
                    fmt::format("Requested route ('{}') has no available endpoints.\n", host)));
    return;
  }
  ex->host = std::move(host);
  ex->route = std::move(match->route);
  ex->tried = avoidRecentFailures(ex->endpoints, failed_until_, clock_.steadyMs());
  ex->start_ns = clock_.nowNs();
  ex->started = std::chrono::steady_clock::now();
  ForwardInfo info{clientIp(request.remote_addr), requestId(request), ex->start_ns / 1000000};
  ex->request_id = info.request_id;
  ex->forwarded_for = forwardedFor(request, info.client_ip);
  ex->forwarded_proto = forwardedProto(request);
  ex->forward_headers = backendRequestHeaders(request, info);
  ex->request = std::move(request);
  ex->responder = std::move(responder);
  attempt(ex);
}

void Router::attempt(const std::shared_ptr<Exchange>& ex) {
  size_t i = pickRoundRobin(ex->endpoints, cursors_[ex->route], ex->tried);
  if (i == kNoEndpoint) {
    finish(ex, routerError(502, "endpoint_failure",
                           "Registered endpoint failed to handle the request.\n"));
    return;
  }
  ex->tried[i] = true;
  ex->current = i;
  ++ex->attempts;
  const Endpoint& ep = ex->endpoints[i];
  http::ClientRequest req;
  req.method = ex->request.method;
  req.host = ep.host;
  req.port = ep.port;
  req.target = ex->request.target;
  req.headers = ex->forward_headers;
  req.body = ex->request.body;  // a copy: a retry needs it again
  req.timeout_ms = config_.backend_timeout_ms;
  client_.request(std::move(req), [this, ex](base::Result<http::Response> r) {
    const Endpoint& ep = ex->endpoints[ex->current];
    if (r.ok()) {
      if (!failed_until_.empty()) failed_until_.erase(endpointKey(ep));
      http::Response out;
      out.status = r->status;
      out.headers = clientResponseHeaders(r->headers);
      out.body = std::move(r->body);
      finish(ex, std::move(out));
      return;
    }
    MCF_WARN("router", "{}{}: instance {} of app {} failed: {}", ex->host, ex->request.target,
             ep.index, ep.app_guid, r.error().message);
    if (r.error().code != base::Errc::kUnavailable) {
      finish(ex, routerError(502, "endpoint_failure",
                             "Registered endpoint failed to handle the request.\n"));
      return;
    }
    // No connection was made, so the instance cannot have seen the request: safe to retry.
    int64_t now = clock_.steadyMs();
    std::erase_if(failed_until_, [now](const auto& kv) { return kv.second <= now; });
    failed_until_[endpointKey(ep)] = now + static_cast<int64_t>(config_.avoid_failed_ms);
    if (ex->attempts < config_.max_attempts && ex->responder.alive()) {
      attempt(ex);
      return;
    }
    finish(ex, routerError(502, "endpoint_failure",
                           "Registered endpoint failed to handle the request.\n"));
  });
}

void Router::finish(const std::shared_ptr<Exchange>& ex, http::Response response) {
  AccessRecord rec;
  rec.status = response.status;
  rec.response_bytes = response.body.size();
  ex->responder.send(std::move(response));
  if (!log_ || ex->current == kNoEndpoint) return;
  const Endpoint& ep = ex->endpoints[ex->current];
  const http::Request& req = ex->request;
  rec.host = ex->host;
  rec.start_ns = ex->start_ns;
  rec.method = req.method;
  rec.target = req.target;
  rec.request_bytes = req.body.size();
  if (const std::string* v = req.header("Referer")) rec.referer = *v;
  if (const std::string* v = req.header("User-Agent")) rec.user_agent = *v;
  rec.client_addr = req.remote_addr;
  rec.backend_addr = fmt::format("{}:{}", ep.host, ep.port);
  rec.x_forwarded_for = ex->forwarded_for;
  rec.x_forwarded_proto = ex->forwarded_proto;
  rec.request_id = ex->request_id;
  rec.response_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ex->started).count();
  rec.app_guid = ep.app_guid;
  rec.app_index = ep.index;
  try {
    log_(ep.app_guid, ep.index, formatAccessLine(rec));
  } catch (const std::exception& e) {
    MCF_ERROR("router", "access log sink threw: {}", e.what());
  }
}

}  // namespace mcf::router
