// The router's connections: what router.cpp, front.cpp and backend.cpp share. Core is the
// state behind a Router; Socket a TCP socket with a write queue; Front a client connection;
// Backend a pooled connection to an instance. Only the router's own files include this.
//
// Data path: a client's bytes enter Front::onBytes, llhttp parses the request head, the
// route table picks an instance, the rewritten head goes to a pooled Backend and body bytes
// follow as they arrive. The Backend parses the response with llhttp and hands head and body
// to Front::sendBytes as they arrive. Each socket has a write queue; a queue over the high
// water mark stops reading from the other side until it drains below the low water mark, so
// memory stays bounded whatever the body size. One request per client connection is in
// flight; pipelined ones wait in the input buffer.
#pragma once

#include <llhttp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <exception>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/strutil.h"
#include "http/address.h"
#include "http/llhttp_binding.h"
#include "http/serialize.h"
#include "http/url.h"
#include "router/balancer.h"
#include "router/forwarding.h"
#include "router/router.h"
#include "router/sticky.h"
#include "router/tls.h"

namespace mcf::router {

using Core = Router::Core;

inline constexpr size_t kReadBufferBytes = 64 * 1024;
inline constexpr size_t kCorkFlushBytes = 64 * 1024;  // corked output beyond this is written now
inline constexpr size_t kDirectWriteBytes = 16 * 1024;  // pieces this big skip the cork buffer
inline constexpr size_t kMaxPipelinedBytes = 256 * 1024;  // unparsed input before reading stops
inline constexpr uint64_t kMaxLingerMs = 5000;
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

struct WriteReq {
  uv_write_t req;
  std::string data;
};

// "1f4\r\n"
inline size_t chunkHeader(char (&buf)[24], size_t n) {
  auto [end, ec] = std::to_chars(buf, buf + 20, n, 16);
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<size_t>(end + 2 - buf);
}

class Front;
class Backend;

struct Router::Core : std::enable_shared_from_this<Router::Core> {
  Core(loop::Loop& l, RouteTable& t, RouterConfig c, http::Handler a, AccessLog lg)
      : loop(l),
        table(t),
        config(std::move(c)),
        api(std::move(a)),
        log(std::move(lg)),
        sweep_timer(l),
        read_buf(new char[kReadBufferBytes]) {
    config.domain = base::toLower(config.domain);
    api_host = "api." + config.domain;
  }

  Backend* acquire(const std::string& key);
  void release(Backend* b);
  void unpark(Backend* b);
  void endpointRemoved(const Endpoint& e);
  void sweep();
  void closeAll();

  loop::Loop& loop;
  RouteTable& table;
  RouterConfig config;
  std::string api_host;
  http::Handler api;
  AccessLog log;
  base::SystemClock clock;
  loop::Timer sweep_timer;
  uv_tcp_t* listener = nullptr;
  uv_tcp_t* tls_listener = nullptr;  // --tls-port: its connections run a TlsFilter
  TlsContext* tls = nullptr;
  std::unique_ptr<char[]> read_buf;  // shared: every read is consumed before the next
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, Front*> fronts;
  std::unordered_set<Backend*> backends;
  std::unordered_map<std::string, std::vector<Backend*>> idle;  // endpointKey → parked
  std::unordered_map<std::string, int64_t> failed_until;        // endpointKey → steady ms
  std::unordered_map<std::string, uint32_t> inflight;           // least-connection counts
  RouterStats stats;
};

// A TCP socket with a write queue: uv_try_write first, the rest queued; output may be
// corked (collected) and written in one go when uncorked.
class Socket {
 public:
  explicit Socket(Core* core) : core_(core) {
    uv_tcp_init(core->loop.raw(), &tcp_);
    tcp_.data = this;
  }
  virtual ~Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  // Acknowledges what was read now instead of after the delayed-ACK timer. A peer that writes
  // a message in two pieces (headers, then body, as many app servers do) with Nagle on
  // holds the second piece until the first is acknowledged: on a kept-alive connection, out
  // of Linux's quick-ACK start, that would add 40 ms to every such message. Called when a
  // read left a message incomplete; it lasts for that one ACK.
  void quickAck() {
    if (closing_ || fd_ < 0) return;  // not connected yet: nothing was read
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  bool closing() const { return closing_; }
  bool reading() const { return reading_; }
  // The socket is connected: writes may go straight to its descriptor.
  void setConnected() {
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0) fd_ = fd;
  }
  size_t queued() const { return queued_ + out_.size(); }
  void cork() { ++corked_; }
  // Written out at once, the corked bytes leave no write callback behind: onDrained runs
  // here then, so that what waits for an empty queue (closing after the answer) goes on.
  void uncork() {
    if (corked_ > 0 && --corked_ == 0 && !out_.empty()) {
      flush();
      if (queued_ == 0 && !closing_) onDrained();
    }
  }
  void uncorkAll() {
    corked_ = 0;
    flush();
  }

  void put(const char* p, size_t n) {
    if (closing_ || n == 0) return;
    if (corked_ == 0) {
      writeNow(p, n);
      return;
    }
    if (n >= kDirectWriteBytes) {
      flush();
      writeNow(p, n);
      return;
    }
    out_.append(p, n);
    if (out_.size() >= kCorkFlushBytes) flush();
  }
  void put(std::string_view s) { put(s.data(), s.size()); }

  void startReading() {
    if (reading_ || closing_) return;
    if (uv_read_start(stream(), onAlloc, onRead) == 0) reading_ = true;
  }
  void stopReading() {
    if (!reading_) return;
    uv_read_stop(stream());
    reading_ = false;
  }

 protected:
  virtual void onInput(ssize_t nread, const char* data) = 0;
  virtual void onDrained() = 0;
  virtual void onWriteError() = 0;

  void flush() {
    if (out_.empty() || closing_) return;
    writeNow(out_.data(), out_.size());
    out_.clear();
  }

  // Deletes this once libuv is done with the handle; no callback runs into it after.
  void closeHandle() {
    if (closing_) return;
    closing_ = true;
    reading_ = false;
    fd_ = -1;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
  }

  Core* core_;
  uv_tcp_t tcp_;
  bool closing_ = false;
  bool reading_ = false;

 private:
  void writeNow(const char* p, size_t n) {
    if (queued_ == 0) {
      ssize_t r = directWrite(p, n);
      if (r > 0) {
        p += r;
        n -= static_cast<size_t>(r);
        if (n == 0) return;
      } else if (r < 0 && r != UV_EAGAIN) {
        onWriteError();
        return;
      }
    }
    auto* w = new WriteReq{{}, std::string(p, n)};
    uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(n));
    if (uv_write(&w->req, stream(), &b, 1, onWritten) != 0) {
      delete w;
      onWriteError();
      return;
    }
    queued_ += n;
    if (queued_ > core_->stats.max_queued_bytes) core_->stats.max_queued_bytes = queued_;
  }

  // With nothing queued, a connected socket is written with send(2) directly: it skips the
  // file layer that write(2) (uv_try_write's call) goes through, a measurable share of the
  // proxy's time. Bytes written, or a negative libuv error (UV_EAGAIN: queue the rest).
  ssize_t directWrite(const char* p, size_t n) {
    if (fd_ < 0) {
      uv_buf_t b = uv_buf_init(const_cast<char*>(p), static_cast<unsigned>(n));
      return uv_try_write(stream(), &b, 1);  // connecting: libuv knows when it may write
    }
    ssize_t r;
    do r = ::send(fd_, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r >= 0) return r;
    return errno == EAGAIN || errno == EWOULDBLOCK ? UV_EAGAIN : uv_translate_sys_error(errno);
  }

  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* s = static_cast<Socket*>(h->data);
    *buf = uv_buf_init(s->core_->read_buf.get(), kReadBufferBytes);
  }
  static void onRead(uv_stream_t* st, ssize_t nread, const uv_buf_t* buf) {
    auto* s = static_cast<Socket*>(st->data);
    if (s->closing_ || nread == 0) return;
    if (nread < 0) {
      uv_read_stop(st);
      s->reading_ = false;
    }
    s->onInput(nread, buf->base);
  }
  static void onWritten(uv_write_t* req, int status) {
    auto* w = reinterpret_cast<WriteReq*>(req);
    auto* s = static_cast<Socket*>(req->handle->data);
    s->queued_ -= w->data.size();
    delete w;
    if (s->closing_) return;
    if (status < 0) {
      s->onWriteError();
      return;
    }
    s->onDrained();
  }

  std::string out_;
  size_t queued_ = 0;
  int corked_ = 0;
  int fd_ = -1;  // once connected
};

// A connection to one instance: parked in the pool or serving one Front's exchange.
class Backend final : public Socket {
 public:
  Backend(Core* core, std::string key) : Socket(core), key_(std::move(key)) {
    core->backends.insert(this);
  }

  int connect(const Endpoint& ep);
  // Starts an exchange for f (the request head is put by the caller).
  void begin(Front* f, bool head, bool upgrade, bool client11);
  void closeNow();
  void closeAfterWrites();
  // The Front is gone mid-exchange: the connection cannot be reused.
  void abandon() {
    front_ = nullptr;
    closeNow();
  }
  void pauseForFront();
  void resumeForFront() {
    if (read_paused_) {
      read_paused_ = false;
      startReading();
    }
  }

  // llhttp callbacks.
  int onStatus(const char* at, size_t n) {
    reason_.append(at, n);
    return 0;
  }
  int onHeaderField(const char* at, size_t n) {
    field_.append(at, n);
    return 0;
  }
  int onHeaderValue(const char* at, size_t n) {
    if (at) {
      value_.append(at, n);
      return 0;
    }
    headers_.push_back({std::move(field_), std::move(value_)});
    field_.clear();
    value_.clear();
    return 0;
  }
  int onHeadersComplete();
  int onBody(const char* at, size_t n);
  int onMessageComplete();
  int onMessageBegin() {
    status_ = 0;
    reason_.clear();
    headers_.clear();
    field_.clear();
    value_.clear();
    return 0;
  }

  std::string key_;
  Front* front_ = nullptr;
  bool connected_ = false;
  bool reused_ = false;
  bool retired_ = false;  // its endpoint left the table: never parked again
  bool idle_ = false;
  bool read_paused_ = false;
  uint64_t idle_since_ms_ = 0;

  // The exchange.
  bool got_bytes_ = false;
  bool upgraded_ = false;
  bool done_ = false;
  int status_ = 0;
  std::string reason_;
  http::Headers headers_;
  Framing out_ = Framing::kNone;  // how the body goes to the client

 protected:
  void onInput(ssize_t nread, const char* data) override;
  void onDrained() override;
  void onWriteError() override;

 private:
  void fail(int err);
  void finish(bool reusable);

  uv_connect_t connect_req_;
  llhttp_t parser_;
  std::string field_, value_;
  bool head_ = false;
  bool upgrade_req_ = false;
  bool client11_ = true;
  bool informational_ = false;
  bool close_after_write_ = false;
};

// One client connection: parses requests, answers API ones in-process, proxies the rest.
class Front final : public Socket {
 public:
  enum class Phase { kHead, kApi, kApiWaiting, kApiStreaming, kLocal, kProxy, kUpgraded };

  // tls: the connection came to the HTTPS port (its bytes pass through a TlsFilter).
  Front(Core* core, uint64_t id, TlsContext* tls);
  void start();
  void close();
  void sweep(uint64_t now_ms);

  // Every byte from the client enters here, and every byte to it leaves through sendBytes:
  // the place for a TLS filter.
  void onBytes(const char* p, size_t n);
  void sendBytes(const char* p, size_t n) {
    if (tls_)
      put(tls_->onWrite(std::string_view(p, n)));
    else
      put(p, n);
  }
  void sendBytes(std::string_view s) { sendBytes(s.data(), s.size()); }

  // From the Backend serving this connection.
  void onResponseHead(Backend* b);
  void onResponseBody(const char* at, size_t n);
  void onResponseEnd(Backend* b);
  void onBackendFailed(Backend* b, int err, bool retryable, bool refused);
  void onUpgradeEnd();
  bool requestComplete() const { return req_complete_; }
  // A request has begun (its head or body) and not all of it is in.
  bool requestPartlyRead() const {
    if (phase_ == Phase::kHead) return head_started_ms_ != 0 || in_off_ < in_.size();
    return phase_ != Phase::kUpgraded && !req_complete_;
  }
  bool responseStarted() const { return resp_started_; }
  void resumeIfDrained();

  // From the API responder and stream writer.
  bool apiAlive(uint64_t seq) const {
    return !closing_ && !draining_ && phase_ == Phase::kApiWaiting && seq == api_seq_;
  }
  bool streamAlive(uint64_t seq) const {
    return !closing_ && !draining_ && phase_ == Phase::kApiStreaming && seq == api_seq_;
  }
  void apiRespond(uint64_t seq, http::Response&& response);
  std::shared_ptr<http::BodyWriter> apiStream(uint64_t seq, http::Response head);
  void streamChunk(std::string_view piece);
  void streamEnd();
  void addCloseHook(std::function<void()> fn) { on_close_.push_back(std::move(fn)); }

  // llhttp callbacks.
  int onMessageBegin();
  int onUrl(const char* at, size_t n);
  int onHeaderField(const char* at, size_t n);
  int onHeaderValue(const char* at, size_t n);
  int onHeadersComplete();
  int onBody(const char* at, size_t n);
  int onMessageComplete();

 protected:
  void onInput(ssize_t nread, const char* data) override;
  void onDrained() override;
  void onWriteError() override { close(); }

 private:
  bool countHeaderBytes(size_t n);
  void processInput();
  void scheduleProcessing();
  void onRequestRead();
  void dispatchApi();
  void startProxy();
  void attempt();
  void respondLocal(int status, const char* code, std::string body);
  void failRequest(int status, std::string body);
  // 413 for an API request body over body_limit_ (given: its Content-Length, 0 if unknown),
  // as a Cloud Foundry error.
  void tooLarge(size_t given);
  void endExchange(bool defer_next);
  void logExchange();
  void finishAndClose();
  void startDrain();
  void maybeResumeReading();
  void decInflight();
  const std::vector<Endpoint>& eps() const { return match_->endpoints; }

  uint64_t id_;
  llhttp_t parser_;
  std::string remote_;
  std::unique_ptr<TlsFilter> tls_;
  std::string in_;
  size_t in_off_ = 0;
  bool in_process_ = false;
  bool parser_paused_ = false;
  bool peer_eof_ = false;
  bool close_after_write_ = false;
  bool draining_ = false;
  uint64_t last_activity_ms_ = 0;
  uint64_t head_started_ms_ = 0;  // first byte of the request being read; 0: none yet
  uint64_t drain_deadline_ms_ = 0;

  // The request being read.
  Phase phase_ = Phase::kHead;
  http::Request req_;
  std::string field_, value_;
  size_t header_bytes_ = 0;
  size_t header_count_ = 0;
  int error_status_ = 0;
  std::string error_body_;
  bool error_json_ = false;  // error_body_ is a Cloud Foundry error (application/json)
  size_t body_limit_ = 0;    // of the API request being read
  bool req_complete_ = false;
  bool keep_alive_ = true;
  bool head_req_ = false;
  bool http11_ = true;
  bool upgrade_ = false;
  bool expect_continue_ = false;
  Framing req_framing_ = Framing::kNone;
  uint64_t content_length_ = 0;
  std::string host_;

  // The exchange.
  std::shared_ptr<const RouteMatch> match_;  // the route's snapshot, or the pinned instance
  bool least_conn_ = false;
  std::vector<bool> tried_;
  size_t cur_ = kNoEndpoint;
  int attempts_ = 0;
  std::string ep_key_;
  bool counted_inflight_ = false;
  std::string sticky_;
  std::string req_head_;
  std::string replay_;
  bool replayable_ = true;
  Backend* backend_ = nullptr;
  Backend* corked_backend_ = nullptr;
  uint64_t sent_ms_ = 0;
  bool resp_started_ = false;
  bool resp_complete_ = false;
  bool logged_ = false;
  Framing resp_framing_ = Framing::kNone;
  int status_ = 0;
  size_t req_bytes_ = 0;
  size_t resp_bytes_ = 0;
  std::string request_id_, forwarded_for_, forwarded_proto_;
  int64_t start_ns_ = 0;
  uint64_t start_hr_ = 0;
  double response_seconds_ = 0;  // set when the exchange is logged
  std::string scratch_;
  http::Headers extra_;

  // API requests.
  uint64_t api_seq_ = 0;
  bool stream_no_body_ = false;
  std::vector<std::function<void()>> on_close_;
};

}  // namespace mcf::router
