// Router: the public listeners (HTTP, and HTTPS with --tls-port) over the connections of
// connections.h (front.cpp, backend.cpp).
#include "router/router.h"

#include "router/connections.h"

namespace mcf::router {

// ---------------------------------------------------------------------------------------
// Router

Router::Router(loop::Loop& loop, RouteTable& table, RouterConfig config, http::Handler api,
               AccessLog log)
    : core_(std::make_shared<Core>(loop, table, std::move(config), std::move(api),
                                   std::move(log))) {
  Core* core = core_.get();
  table.setRemovalObserver([core](const Endpoint& e) { core->endpointRemoved(e); });
}

Router::~Router() {
  close();
  core_->table.setRemovalObserver(nullptr);
}

namespace {

void onAccept(uv_stream_t* s, int status) {
  auto* core = static_cast<Core*>(s->data);
  if (!core || status < 0) return;
  uint64_t id = core->next_id++;
  bool https = s == reinterpret_cast<uv_stream_t*>(core->tls_listener);
  auto* f = new Front(core, id, https ? core->tls : nullptr);
  if (uv_accept(s, f->stream()) != 0) {
    f->close();
    return;
  }
  if (core->fronts.size() >= core->config.max_connections) {
    f->close();  // over the cap: accepted and closed, so the backlog does not fill
    return;
  }
  core->fronts[id] = f;
  ++core->stats.client_connections;
  f->start();
}

// Binds and listens on host:port into *out; on failure *out stays null.
base::Status openListener(Core& c, const std::string& host, int port, uv_tcp_t** out) {
  sockaddr_storage addr;
  if (!http::numericAddress(host.empty() ? "0.0.0.0" : host, port, addr))
    return base::makeError(base::Errc::kInvalid,
                           "cannot listen on '{}': not an IP address; use 127.0.0.1 or 0.0.0.0",
                           host);
  auto* l = new uv_tcp_t;
  uv_tcp_init(c.loop.raw(), l);
  l->data = &c;
  int rc = uv_tcp_bind(l, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(l), 511, onAccept);
  if (rc < 0) {
    l->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(l),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return base::makeError(base::Errc::kUnavailable, "cannot listen on {}:{}: {}", host, port,
                           uv_strerror(rc));
  }
  *out = l;
  return {};
}

void closeListener(uv_tcp_t*& l) {
  if (!l) return;
  l->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(l),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  l = nullptr;
}

int boundPort(const uv_tcp_t* l) {
  if (!l) return 0;
  sockaddr_storage addr;
  int len = sizeof addr;
  if (uv_tcp_getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

}  // namespace

base::Status Router::listen(const std::string& host, int port) {
  Core& c = *core_;
  if (c.listener)
    return base::makeError(base::Errc::kInvalid, "the router already listens on port {}",
                           this->port());
  MCF_TRY(openListener(c, host, port, &c.listener));
  const RouterConfig& cfg = c.config;
  uint64_t shortest = std::min({cfg.header_timeout_ms, cfg.server.idle_timeout_ms,
                                cfg.pool_idle_timeout_ms, cfg.backend_timeout_ms});
  uint64_t period = std::clamp<uint64_t>(shortest / 4, 10, 1000);
  c.sweep_timer.start(period, period, [core = core_.get()] { core->sweep(); });
  return {};
}

base::Status Router::listenTls(const std::string& host, int port, TlsContext& tls) {
  Core& c = *core_;
  if (!c.listener)
    return base::makeError(base::Errc::kInvalid, "the HTTPS port needs listen() first");
  if (c.tls_listener)
    return base::makeError(base::Errc::kInvalid, "the router already listens for HTTPS on port {}",
                           tlsPort());
  c.tls = &tls;
  return openListener(c, host, port, &c.tls_listener);
}

int Router::port() const { return boundPort(core_->listener); }

int Router::tlsPort() const { return boundPort(core_->tls_listener); }

void Router::close() {
  Core& c = *core_;
  closeListener(c.listener);
  closeListener(c.tls_listener);
  c.sweep_timer.stop();
  c.closeAll();
}

RouterStats Router::stats() const { return core_->stats; }

}  // namespace mcf::router
