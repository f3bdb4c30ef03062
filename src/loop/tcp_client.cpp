// Outgoing TCP connections on the loop.
#include "loop/tcp_client.h"

#include <uv.h>

#include <cstring>

namespace mcf::loop {

// Lives until both handles are closed; `owner_alive` goes false when the TcpClient is
// destroyed, after which no callback reaches the owner.
struct TcpClient::Conn {
  uv_loop_t* loop = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_connect_t connect;
  uv_getaddrinfo_t resolve;
  TcpClient::ConnectedCb connected_cb;
  TcpClient::LostCb lost_cb;
  std::function<void()> drained_cb;
  int port = 0;
  uint64_t timeout_ms = 0;
  size_t queued = 0;
  int open_handles = 2;
  bool resolving = false;
  bool connected = false;
  bool ended = false;  // connect failed, or lost, or closing
  bool closing = false;
  bool owner_alive = true;

  // The owner holds the Conn until its destructor; after that the last callback frees it.
  void maybeFree() {
    if (open_handles == 0 && !resolving && !owner_alive) delete this;
  }
  void closeHandles() {
    if (closing) return;
    closing = true;
    uv_timer_stop(&timer);
    auto release = [](uv_handle_t* h) {
      auto* c = static_cast<Conn*>(h->data);
      --c->open_handles;
      c->maybeFree();
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), release);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), release);
  }
  void finishConnect(base::Status status) {
    if (ended || connected) return;
    uv_timer_stop(&timer);
    if (status.ok()) {
      connected = true;
      startReading();
    } else {
      ended = true;
      closeHandles();
    }
    auto cb = std::move(connected_cb);
    if (owner_alive && cb) cb(std::move(status));
  }
  void lose(const std::string& reason) {
    if (ended) return;
    ended = true;
    connected = false;
    closeHandles();
    auto cb = std::move(lost_cb);
    if (owner_alive && cb) cb(reason);
  }
  void startReading() {
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&tcp),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
          static char scratch[4096];  // what a drain's peer says is read and ignored
          buf->base = scratch;
          buf->len = sizeof scratch;
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t*) {
          auto* c = static_cast<Conn*>(s->data);
          if (n == UV_EOF) c->lose("the drain closed the connection");
          else if (n < 0) c->lose(uv_strerror(static_cast<int>(n)));
        });
  }
  void connectTo(const sockaddr* addr) {
    int rc = uv_tcp_connect(&connect, &tcp, addr, [](uv_connect_t* req, int status) {
      auto* c = static_cast<Conn*>(req->data);
      if (status == UV_ECANCELED) return;
      if (status == 0) c->finishConnect({});
      else c->finishConnect(base::makeError(base::Errc::kUnavailable, "{}", uv_strerror(status)));
    });
    if (rc != 0) finishConnect(base::makeError(base::Errc::kUnavailable, "{}", uv_strerror(rc)));
  }
};

TcpClient::TcpClient(Loop& loop, const std::string& host, int port, uint64_t timeout_ms,
                     ConnectedCb connected, LostCb lost)
    : conn_(new Conn) {
  Conn* c = conn_;
  c->loop = loop.raw();
  c->connected_cb = std::move(connected);
  c->lost_cb = std::move(lost);
  c->port = port;
  c->timeout_ms = timeout_ms;
  uv_tcp_init(c->loop, &c->tcp);
  uv_timer_init(c->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->connect.data = c;
  c->resolve.data = c;
  uv_timer_start(
      &c->timer,
      [](uv_timer_t* t) {
        auto* c = static_cast<Conn*>(t->data);
        c->finishConnect(base::makeError(base::Errc::kUnavailable, "timed out after {}s",
                                         c->timeout_ms / 1000));
      },
      timeout_ms, 0);

  std::string ip = host == "localhost" ? "127.0.0.1" : host;
  sockaddr_in addr4;
  if (uv_ip4_addr(ip.c_str(), port, &addr4) == 0) {
    c->connectTo(reinterpret_cast<const sockaddr*>(&addr4));
    return;
  }
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  c->resolving = true;
  int rc = uv_getaddrinfo(
      c->loop, &c->resolve,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        auto* c = static_cast<Conn*>(req->data);
        c->resolving = false;
        if (c->ended || c->closing) {
          uv_freeaddrinfo(res);
          c->maybeFree();
          return;
        }
        if (status != 0 || res == nullptr) {
          uv_freeaddrinfo(res);
          c->finishConnect(base::makeError(base::Errc::kUnavailable, "cannot resolve the host: {}",
                                           uv_strerror(status)));
          return;
        }
        sockaddr_in a = *reinterpret_cast<sockaddr_in*>(res->ai_addr);
        a.sin_port = htons(static_cast<uint16_t>(c->port));
        uv_freeaddrinfo(res);
        c->connectTo(reinterpret_cast<const sockaddr*>(&a));
      },
      ip.c_str(), nullptr, &hints);
  if (rc != 0) {
    c->resolving = false;
    c->finishConnect(base::makeError(base::Errc::kUnavailable, "cannot resolve the host: {}",
                                     uv_strerror(rc)));
  }
}

TcpClient::~TcpClient() {
  conn_->owner_alive = false;
  conn_->ended = true;
  if (conn_->resolving) uv_cancel(reinterpret_cast<uv_req_t*>(&conn_->resolve));
  if (conn_->closing) conn_->maybeFree();  // may free it now
  else conn_->closeHandles();
}

base::Status TcpClient::write(std::string data) {
  Conn* c = conn_;
  if (!c->connected || c->ended)
    return base::makeError(base::Errc::kUnavailable, "not connected");
  struct Req {
    uv_write_t req;
    std::string data;
    Conn* conn;
  };
  auto* r = new Req{{}, std::move(data), c};
  r->req.data = r;
  uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
  int rc = uv_write(&r->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
                    [](uv_write_t* w, int status) {
                      auto* r = static_cast<Req*>(w->data);
                      Conn* c = r->conn;
                      c->queued -= r->data.size();
                      delete r;
                      // The handle is still open: libuv runs write callbacks before close's.
                      if (status < 0 && status != UV_ECANCELED) c->lose(uv_strerror(status));
                      else if (status == 0 && c->queued == 0 && !c->ended && c->owner_alive &&
                               c->drained_cb)
                        c->drained_cb();
                    });
  if (rc != 0) {
    delete r;
    c->lose(uv_strerror(rc));
    return base::makeError(base::Errc::kUnavailable, "{}", uv_strerror(rc));
  }
  c->queued += r->data.size();
  return {};
}

void TcpClient::onDrained(std::function<void()> cb) { conn_->drained_cb = std::move(cb); }

size_t TcpClient::queuedBytes() const { return conn_->queued; }
bool TcpClient::connected() const { return conn_->connected && !conn_->ended; }

}  // namespace mcf::loop
