// TCP connect probes on the loop.
#include "loop/tcp_probe.h"

namespace mcf::loop {

namespace {

struct Probe {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_timer_t timer;
  std::function<void(base::Status)> done;
  uint64_t timeout_ms = 0;
  int open_handles = 2;
  bool finished = false;
};

void release(uv_handle_t* h) {
  auto* p = static_cast<Probe*>(h->data);
  if (--p->open_handles == 0) delete p;
}

void finish(Probe* p, base::Status status) {
  if (p->finished) return;
  p->finished = true;
  uv_timer_stop(&p->timer);
  auto done = std::move(p->done);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->tcp), release);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), release);
  done(std::move(status));
}

}  // namespace

void tcpProbe(Loop& loop, const std::string& ip, int port, uint64_t timeout_ms,
              std::function<void(base::Status)> done) {
  auto* p = new Probe;
  p->done = std::move(done);
  p->timeout_ms = timeout_ms;
  uv_tcp_init(loop.raw(), &p->tcp);
  uv_timer_init(loop.raw(), &p->timer);
  p->tcp.data = p;
  p->timer.data = p;
  p->connect.data = p;

  sockaddr_in addr;
  if (uv_ip4_addr(ip.c_str(), port, &addr) != 0) {
    finish(p, base::makeError(base::Errc::kInvalid, "bad address {}:{}", ip, port));
    return;
  }
  int rc = uv_tcp_connect(&p->connect, &p->tcp, reinterpret_cast<const sockaddr*>(&addr),
                          [](uv_connect_t* req, int status) {
                            auto* p = static_cast<Probe*>(req->data);
                            if (status == 0) {
                              finish(p, {});
                            } else if (status != UV_ECANCELED) {
                              finish(p, base::makeError(base::Errc::kUnavailable, "{}",
                                                        uv_strerror(status)));
                            }
                          });
  if (rc != 0) {
    finish(p, base::makeError(base::Errc::kUnavailable, "{}", uv_strerror(rc)));
    return;
  }
  uv_timer_start(
      &p->timer,
      [](uv_timer_t* t) {
        auto* p = static_cast<Probe*>(t->data);
        finish(p, base::makeError(base::Errc::kUnavailable, "timed out after {}ms",
                                  p->timeout_ms));
      },
      timeout_ms, 0);
}

}  // namespace mcf::loop
