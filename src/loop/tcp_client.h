// TcpClient: one outgoing TCP connection on the loop that is written to and watched for its
// end (a syslog drain's connection). Writes are queued in order; queuedBytes() says how much
// is not yet handed to the kernel, so that the owner can bound its own queue.
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "loop/loop.h"

namespace mcf::loop {

class TcpClient {
 public:
  // connected: exactly once, ok or kUnavailable ("connection refused", "timed out after 5s",
  // "cannot resolve host x"). lost: at most once after a successful connect, when the peer
  // closed or a read or write failed, with the reason. Neither runs after destruction.
  using ConnectedCb = std::function<void(base::Status)>;
  using LostCb = std::function<void(const std::string& reason)>;

  // Resolves host (numeric IPv4, "localhost", or a name through getaddrinfo off the loop)
  // and connects.
  TcpClient(Loop& loop, const std::string& host, int port, uint64_t timeout_ms,
            ConnectedCb connected, LostCb lost);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // Queues data; kUnavailable unless connected and not lost.
  base::Status write(std::string data);
  size_t queuedBytes() const;
  bool connected() const;
  // Called each time every queued byte has been handed to the kernel (queuedBytes() is 0).
  void onDrained(std::function<void()> cb);

 private:
  struct Conn;
  Conn* conn_;  // freed by libuv close callbacks, not by the destructor
};

}  // namespace mcf::loop
