// HTTP/1.1 server on the loop: keep-alive, pipelining, limits, idle timeout.
//
// Owns: the listening socket and every accepted connection (parsing with llhttp, writing).
// Does not own: what requests mean (the Handler does) or TLS (not supported).
// Thread: the loop's thread only; the Handler runs there too and may answer later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/message.h"
#include "loop/loop.h"

namespace mcf::http {

struct ServerOptions {
  size_t max_header_bytes = 64 * 1024;      // request line + headers; over it: 431
  size_t max_body_bytes = size_t(1) << 30;  // decoded body; over it: 413
  uint64_t idle_timeout_ms = 60000;         // a connection with no request in flight is closed
};

struct ServerCore;

// Requests on one connection are answered in order: the next pipelined request is parsed
// only after the current one is answered. Every response carries Content-Length (except
// 1xx/204/304, which have no body) and Connection: keep-alive|close. A handler that throws
// gets its client a 500. HEAD responses carry the body's length but no body; a HEAD
// response with an empty body keeps a Content-Length the handler set (a proxy's case).
class Server {
 public:
  Server(loop::Loop& loop, Handler handler, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // host is a numeric address ("127.0.0.1", "0.0.0.0", "::") or "localhost"; port 0 picks
  // a free port (see port()).
  base::Status listen(const std::string& host, int port);
  int port() const;  // 0 when not listening
  // Stops listening and closes every connection; responders still out become no-ops.
  void close();

 private:
  void sweep();

  loop::Loop& loop_;
  std::shared_ptr<ServerCore> core_;
  uv_tcp_t* listener_ = nullptr;
  loop::Timer sweep_timer_;
};

}  // namespace mcf::http
