// HTTP server: the listening socket, accepting, and the idle sweep over connections.
#include "http/server.h"

#include <algorithm>
#include <vector>

#include "http/address.h"
#include "http/server_connection.h"

namespace mcf::http {

Server::Server(loop::Loop& loop, Handler handler, ServerOptions options)
    : loop_(loop), core_(new ServerCore{loop, std::move(handler), options}), sweep_timer_(loop) {}

Server::~Server() { close(); }

base::Status Server::listen(const std::string& host, int port) {
  if (listener_)
    return base::makeError(base::Errc::kInvalid, "the server already listens on port {}",
                           this->port());
  sockaddr_storage addr;
  if (!numericAddress(host.empty() ? "0.0.0.0" : host, port, addr))
    return base::makeError(base::Errc::kInvalid,
                           "cannot listen on '{}': not an IP address; use 127.0.0.1 or 0.0.0.0",
                           host);
  listener_ = new uv_tcp_t;
  uv_tcp_init(loop_.raw(), listener_);
  listener_->data = this;
  int rc = uv_tcp_bind(listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 511, [](uv_stream_t* s, int status) {
      auto* self = static_cast<Server*>(s->data);
      if (!self || status < 0) return;
      uint64_t id = self->core_->next_id++;
      auto* conn = new ServerConnection(self->core_, id);
      if (uv_accept(s, reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) {
        conn->close();
        return;
      }
      self->core_->connections[id] = conn;
      conn->start();
    });
  }
  if (rc < 0) {
    close();
    // No advice here: the caller knows which option picks the port (daemon: --port).
    return base::makeError(base::Errc::kUnavailable, "cannot listen on {}:{}: {}", host, port,
                           uv_strerror(rc));
  }
  uint64_t period = std::clamp<uint64_t>(core_->options.idle_timeout_ms / 4, 10, 1000);
  sweep_timer_.start(period, period, [this] { sweep(); });
  return {};
}

int Server::port() const {
  if (!listener_) return 0;
  sockaddr_storage addr;
  int len = sizeof addr;
  if (uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

void Server::close() {
  if (listener_) {
    listener_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    listener_ = nullptr;
  }
  sweep_timer_.stop();
  std::vector<ServerConnection*> open;
  for (auto& [id, conn] : core_->connections) open.push_back(conn);
  for (ServerConnection* conn : open) conn->close();  // each erases itself from the map
}

void Server::sweep() {
  uint64_t now = loop_.nowMs();
  std::vector<uint64_t> ids;
  ids.reserve(core_->connections.size());
  for (auto& [id, conn] : core_->connections) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = core_->connections.find(id);
    if (it != core_->connections.end()) it->second->sweep(now);
  }
}

}  // namespace mcf::http
