// HTTP/1.1 client on the loop, and fetch(), its blocking form for the CLI.
//
// Owns: outgoing connections (one per request, Connection: close) and their parsing.
// Does not own: retries, redirects, TLS (https URLs cannot be fetched yet).
// Thread: the loop's thread; fetch() runs a private loop on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/message.h"
#include "loop/loop.h"

namespace mcf::http {

struct ClientRequest {
  std::string method = "GET";
  std::string host;  // name or numeric address; sent as the Host header unless headers has one
  int port = 80;
  std::string target = "/";
  Headers headers;  // Content-Length, Transfer-Encoding and Connection are set by the client
  std::string body;
  uint64_t timeout_ms = 30000;  // for the whole exchange, connect included
};

struct ClientCore;

// "localhost" and "*.localhost" connect to 127.0.0.1 (RFC 6761), numeric addresses connect
// directly, other names go through uv_getaddrinfo.
//
// Errors: kUnavailable when no connection was made (name not resolved, connection refused,
// connect timeout), so the request surely did not reach the server and may be retried;
// kIo when the connection was made but the exchange failed (reset, bad response, timeout
// waiting for the answer).
class Client {
 public:
  explicit Client(loop::Loop& loop);
  // Requests still in flight are abandoned: their done callbacks never run.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // done runs exactly once (unless the Client is destroyed first), on the loop, never
  // inside request() itself.
  void request(ClientRequest request, std::function<void(base::Result<Response>)> done);

 private:
  std::shared_ptr<ClientCore> core_;
};

// Blocking: runs a private loop until the response (or error) arrives. For the CLI.
base::Result<Response> fetch(const ClientRequest& request);

}  // namespace mcf::http
