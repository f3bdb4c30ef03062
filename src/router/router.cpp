// Router: the public listener, client connections (Front), pooled instance connections
// (Backend) and the streaming between them.
//
// Data path: a client's bytes enter Front::onBytes, llhttp parses the request head, the
// route table picks an instance, the rewritten head goes to a pooled Backend and body bytes
// follow as they arrive. The Backend parses the response with llhttp and hands head and body
// to Front::sendBytes as they arrive. Each socket has a write queue; a queue over the high
// water mark stops reading from the other side until it drains below the low water mark, so
// memory stays bounded whatever the body size. One request per client connection is in
// flight; pipelined ones wait in the input buffer.
#include "router/router.h"

#include <llhttp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
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
#include "router/sticky.h"
#include "router/tls.h"

namespace mcf::router {

using Core = Router::Core;

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr size_t kCorkFlushBytes = 64 * 1024;  // corked output beyond this is written now
constexpr size_t kDirectWriteBytes = 16 * 1024;  // pieces this big skip the cork buffer
constexpr size_t kMaxPipelinedBytes = 256 * 1024;  // unparsed input before reading stops
constexpr uint64_t kMaxLingerMs = 5000;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

struct WriteReq {
  uv_write_t req;
  std::string data;
};

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

// "1f4\r\n"
size_t chunkHeader(char (&buf)[24], size_t n) {
  auto [end, ec] = std::to_chars(buf, buf + 20, n, 16);
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<size_t>(end + 2 - buf);
}

}  // namespace

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
  std::unordered_map<std::string, uint64_t> cursors;            // round robin per route
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
    uv_os_fd_t fd;
    if (closing_ || uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) != 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  bool closing() const { return closing_; }
  bool reading() const { return reading_; }
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
      uv_buf_t b = uv_buf_init(const_cast<char*>(p), static_cast<unsigned>(n));
      int r = uv_try_write(stream(), &b, 1);
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
  void endExchange(bool defer_next);
  void logExchange();
  void finishAndClose();
  void startDrain();
  void maybeResumeReading();
  void decInflight();

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
  std::string route_;
  bool least_conn_ = false;
  std::vector<Endpoint> eps_;
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
  std::string scratch_;
  http::Headers extra_;

  // API requests.
  uint64_t api_seq_ = 0;
  bool stream_no_body_ = false;
  std::vector<std::function<void()>> on_close_;
};

namespace {

// The API's streamed answer: chunks on the client connection, found by id (the writer may
// outlive the connection and the Router).
class ApiStream final : public http::BodyWriter {
 public:
  ApiStream(std::weak_ptr<Core> core, uint64_t id, uint64_t seq)
      : core_(std::move(core)), id_(id), seq_(seq) {}
  ~ApiStream() override { end(); }

  bool write(std::string_view piece) override {
    Front* f = find();
    if (ended_ || !f) return false;
    f->streamChunk(piece);
    return true;
  }
  size_t pending() const override {
    Front* f = find();
    return f ? f->queued() : 0;
  }
  void end() override {
    if (ended_) return;
    ended_ = true;
    if (Front* f = find()) f->streamEnd();
  }
  void onClose(std::function<void()> fn) override {
    if (ended_ || !fn) return;
    if (Front* f = find()) {
      f->addCloseHook(std::move(fn));
      return;
    }
    fn();  // already gone
  }

 private:
  Front* find() const {
    auto core = core_.lock();
    if (!core) return nullptr;
    auto it = core->fronts.find(id_);
    if (it == core->fronts.end() || !it->second->streamAlive(seq_)) return nullptr;
    return it->second;
  }

  std::weak_ptr<Core> core_;
  uint64_t id_, seq_;
  bool ended_ = false;
};

http::Response routerError(int status, const char* code, std::string body) {
  http::Response r = http::Response::text(status, std::move(body));
  r.set("X-Cf-RouterError", code);
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Front

Front::Front(Core* core, uint64_t id, TlsContext* tls) : Socket(core), id_(id) {
  if (tls) tls_ = std::make_unique<TlsFilter>(*tls);
  llhttp_init(&parser_, HTTP_REQUEST, &http::llhttpSettings<Front>());
  parser_.data = this;
}

void Front::start() {
  sockaddr_storage peer;
  int len = sizeof peer;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&peer), &len) == 0)
    remote_ = http::formatAddress(reinterpret_cast<sockaddr*>(&peer));
  uv_tcp_nodelay(&tcp_, 1);
  last_activity_ms_ = core_->loop.nowMs();
  startReading();
  if (!reading()) close();
}

void Front::close() {
  if (closing_) return;
  if (core_->fronts.erase(id_) > 0) --core_->stats.client_connections;
  if (backend_) {
    Backend* b = backend_;
    backend_ = nullptr;
    decInflight();
    b->abandon();
  }
  closeHandle();
  auto hooks = std::move(on_close_);
  on_close_.clear();
  for (auto& fn : hooks) {
    try {
      fn();
    } catch (const std::exception& e) {
      MCF_ERROR("router", "a stream close hook threw: {}", e.what());
    }
  }
}

void Front::onInput(ssize_t nread, const char* data) {
  if (nread > 0 && tls_) {
    TlsFilter::Input in = tls_->onRead(data, static_cast<size_t>(nread));
    if (!in.to_write.empty()) put(in.to_write);
    if (!in.error.empty()) MCF_INFO("router", "TLS client {}: {}", remote_, in.error);
    if (!in.plaintext.empty()) onBytes(in.plaintext.data(), in.plaintext.size());
    if (in.close && !closing_) {
      peer_eof_ = true;
      finishAndClose();
    }
    return;
  }
  if (nread > 0) {
    onBytes(data, static_cast<size_t>(nread));
    if (!closing_ && requestPartlyRead()) quickAck();
    return;
  }
  if (nread != UV_EOF || draining_) {
    close();
    return;
  }
  peer_eof_ = true;
  switch (phase_) {
    case Phase::kUpgraded:
      if (backend_) {
        backend_->closeAfterWrites();
        backend_ = nullptr;
      }
      finishAndClose();
      return;
    case Phase::kHead:
      if (close_after_write_) return;  // our last answer is still going out
      close();
      return;
    case Phase::kApiStreaming:
      close();
      return;
    default:
      if (!req_complete_) {
        close();  // the request can never be completed
        return;
      }
      keep_alive_ = false;  // answer, then close
  }
}

void Front::onBytes(const char* p, size_t n) {
  last_activity_ms_ = core_->loop.nowMs();
  if (draining_) return;  // our last answer is out; discard whatever still comes
  if (phase_ == Phase::kUpgraded) {
    req_bytes_ += n;
    if (backend_) {
      backend_->put(p, n);
      if (backend_ && backend_->queued() > core_->config.high_water_bytes) stopReading();
    }
    return;
  }
  if (phase_ == Phase::kHead && head_started_ms_ == 0) head_started_ms_ = last_activity_ms_;
  in_.append(p, n);
  processInput();
}

void Front::processInput() {
  if (in_process_ || closing_) return;
  in_process_ = true;
  while (!closing_ && !draining_ && !close_after_write_ && !parser_paused_ &&
         in_off_ < in_.size() && phase_ != Phase::kUpgraded) {
    if (phase_ == Phase::kHead && queued() > core_->config.high_water_bytes) break;
    const char* data = in_.data() + in_off_;
    llhttp_errno_t err = llhttp_execute(&parser_, data, in_.size() - in_off_);
    if (closing_) break;
    if (err == HPE_OK) {
      in_off_ = in_.size();
      break;
    }
    if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
      in_off_ += static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
      parser_paused_ = true;
      onRequestRead();
      continue;
    }
    if (error_status_ != 0)
      failRequest(error_status_, error_body_);
    else
      failRequest(400, fmt::format("bad request: {}\n", llhttp_get_error_reason(&parser_)));
    break;
  }
  if (corked_backend_) {
    Backend* b = corked_backend_;
    corked_backend_ = nullptr;
    b->uncork();
  }
  in_process_ = false;
  if (closing_) return;
  if (in_off_ > 0) {
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  if (phase_ == Phase::kUpgraded && !in_.empty()) {
    // Bytes after the upgrade request belong to the new protocol.
    if (backend_) backend_->put(in_);
    req_bytes_ += in_.size();
    in_.clear();
  }
  bool backend_full = backend_ && backend_->queued() > core_->config.high_water_bytes;
  if (in_.size() > kMaxPipelinedBytes || backend_full) stopReading();
}

void Front::scheduleProcessing() {
  std::weak_ptr<Core> weak = core_->weak_from_this();
  uint64_t id = id_;
  loop::defer(core_->loop, [weak, id] {
    auto core = weak.lock();
    if (!core) return;
    auto it = core->fronts.find(id);
    if (it != core->fronts.end()) it->second->processInput();
  });
}

bool Front::countHeaderBytes(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= core_->config.server.max_header_bytes) return true;
  error_status_ = 431;
  error_body_ = fmt::format("request headers too large: the limit is {} bytes\n",
                            core_->config.server.max_header_bytes);
  return false;
}

int Front::onMessageBegin() {
  req_.method.clear();
  req_.target.clear();
  req_.path.clear();
  req_.query.clear();
  req_.headers.clear();
  req_.body.clear();
  field_.clear();
  value_.clear();
  header_bytes_ = 0;
  header_count_ = 0;
  error_status_ = 0;
  req_complete_ = false;
  if (head_started_ms_ == 0) head_started_ms_ = core_->loop.nowMs();
  return 0;
}

int Front::onUrl(const char* at, size_t n) {
  if (!countHeaderBytes(n)) return HPE_USER;
  req_.target.append(at, n);
  return 0;
}

int Front::onHeaderField(const char* at, size_t n) {
  if (!countHeaderBytes(n + 4)) return HPE_USER;  // + ": " and CRLF
  field_.append(at, n);
  return 0;
}

int Front::onHeaderValue(const char* at, size_t n) {
  if (at) {
    if (!countHeaderBytes(n)) return HPE_USER;
    value_.append(at, n);
    return 0;
  }
  if (++header_count_ > core_->config.max_header_count) {
    error_status_ = 431;
    error_body_ = fmt::format("too many request headers: the limit is {}\n",
                              core_->config.max_header_count);
    return HPE_USER;
  }
  req_.headers.push_back({std::move(field_), std::move(value_)});
  field_.clear();
  value_.clear();
  return 0;
}

int Front::onHeadersComplete() {
  req_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  std::string_view target = req_.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (!path.starts_with('/')) {  // absolute form: keep only the path
    size_t scheme = path.find("://");
    if (scheme != std::string_view::npos) {
      size_t slash = path.find('/', scheme + 3);
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    }
  }
  req_.path = http::percentDecode(path);
  if (q != std::string_view::npos) req_.query.assign(target.substr(q + 1));
  keep_alive_ = llhttp_should_keep_alive(&parser_) != 0;
  req_.keep_alive = keep_alive_;
  upgrade_ = parser_.upgrade != 0;
  head_req_ = parser_.method == HTTP_HEAD;
  http11_ = parser_.http_major == 1 && parser_.http_minor >= 1;
  if (parser_.flags & F_CHUNKED) {
    req_framing_ = Framing::kChunked;
    content_length_ = 0;
  } else if (parser_.flags & F_CONTENT_LENGTH) {
    req_framing_ = Framing::kLength;
    content_length_ = parser_.content_length;
  } else {
    req_framing_ = Framing::kNone;
    content_length_ = 0;
  }
  const std::string* expect = req_.header("Expect");
  expect_continue_ = expect && http11_ && base::iequals(base::trim(*expect), "100-continue");
  host_ = req_.host();
  req_bytes_ = 0;
  resp_bytes_ = 0;
  status_ = 0;
  start_ns_ = core_->clock.nowNs();
  start_hr_ = uv_hrtime();
  head_started_ms_ = 0;  // the head is in: the header timeout no longer applies

  if (host_ == core_->api_host || host_ == core_->config.domain) {
    phase_ = Phase::kApi;
    if (req_framing_ == Framing::kLength &&
        content_length_ > core_->config.server.max_body_bytes) {
      error_status_ = 413;
      error_body_ = fmt::format("request body too large: the limit is {} bytes\n",
                                core_->config.server.max_body_bytes);
      return -1;
    }
    if (expect_continue_) sendBytes(kContinue);
    return 0;
  }
  phase_ = Phase::kProxy;
  startProxy();
  return 0;
}

int Front::onBody(const char* at, size_t n) {
  req_bytes_ += n;
  if (phase_ == Phase::kApi) {
    if (req_.body.size() + n > core_->config.server.max_body_bytes) {
      error_status_ = 413;
      error_body_ = fmt::format("request body too large: the limit is {} bytes\n",
                                core_->config.server.max_body_bytes);
      return HPE_USER;
    }
    req_.body.append(at, n);
    return 0;
  }
  if (phase_ != Phase::kProxy) return 0;  // answered already: discarded
  std::string_view piece(at, n);
  if (req_framing_ == Framing::kChunked) {
    char hdr[24];
    scratch_.assign(hdr, chunkHeader(hdr, n));
    scratch_.append(at, n);
    scratch_.append("\r\n");
    piece = scratch_;
  }
  if (replayable_) {
    if (replay_.size() + piece.size() > core_->config.replay_bytes) {
      replayable_ = false;
      replay_.clear();
    } else {
      replay_.append(piece);
    }
  }
  if (backend_) backend_->put(piece.data(), piece.size());
  return 0;
}

int Front::onMessageComplete() {
  req_complete_ = true;
  if (phase_ == Phase::kProxy && req_framing_ == Framing::kChunked) {
    if (replayable_) replay_.append(kLastChunk);
    if (backend_) backend_->put(kLastChunk);
  }
  return HPE_PAUSED;  // one request at a time
}

void Front::onRequestRead() {
  switch (phase_) {
    case Phase::kApi:
      dispatchApi();
      return;
    case Phase::kProxy:
    case Phase::kLocal:
      if (resp_complete_) endExchange(false);
      return;
    default:
      return;
  }
}

void Front::dispatchApi() {
  phase_ = Phase::kApiWaiting;
  uint64_t seq = ++api_seq_;
  if (!req_.header("X-Vcap-Request-Id")) req_.headers.push_back({"X-Vcap-Request-Id", fastGuid()});
  req_.remote_addr = remote_;
  if (!core_->api) {
    apiRespond(seq, http::Response::text(503, "the API is not available yet; try again shortly\n"));
    return;
  }
  std::weak_ptr<Core> weak = core_->weak_from_this();
  uint64_t id = id_;
  auto find = [weak, id]() -> Front* {
    auto core = weak.lock();
    if (!core) return nullptr;
    auto it = core->fronts.find(id);
    return it == core->fronts.end() ? nullptr : it->second;
  };
  http::Responder responder = http::Responder::toCallback(
      [find, seq](http::Response r) {
        if (Front* f = find()) f->apiRespond(seq, std::move(r));
      },
      [find, seq] {
        Front* f = find();
        return f && f->apiAlive(seq);
      },
      [find, seq](http::Response head) -> std::shared_ptr<http::BodyWriter> {
        Front* f = find();
        if (!f || !f->apiAlive(seq)) return nullptr;
        return f->apiStream(seq, std::move(head));
      });
  std::shared_ptr<Core> hold = core_->shared_from_this();  // the handler may drop the Router
  std::string what = req_.method + " " + req_.target;
  http::Request request = std::move(req_);
  req_ = http::Request{};
  try {
    core_->api(std::move(request), responder);
  } catch (const std::exception& e) {
    MCF_ERROR("router", "API handler for {} threw: {}", what, e.what());
    responder.send(http::Response::text(500, "internal error\n"));
  } catch (...) {
    MCF_ERROR("router", "API handler for {} threw an unknown exception", what);
    responder.send(http::Response::text(500, "internal error\n"));
  }
}

void Front::apiRespond(uint64_t seq, http::Response&& response) {
  if (!apiAlive(seq)) return;
  status_ = response.status;
  resp_bytes_ = response.body.size();
  resp_started_ = resp_complete_ = true;
  sendBytes(http::serializeResponse(response, head_req_, keep_alive_ && !peer_eof_));
  endExchange(!in_process_);
}

std::shared_ptr<http::BodyWriter> Front::apiStream(uint64_t seq, http::Response head) {
  if (!apiAlive(seq)) return nullptr;
  phase_ = Phase::kApiStreaming;
  status_ = head.status;
  resp_started_ = true;
  stream_no_body_ = head_req_ || http::hasNoBody(head.status);
  bool keep = keep_alive_ && !peer_eof_ && http11_;
  if (!http11_) keep_alive_ = false;  // no chunked for HTTP/1.0: the close ends the body
  scratch_.clear();
  http::Headers headers;
  for (auto& h : head.headers)
    if (!base::iequals(h.name, "Content-Length") && !base::iequals(h.name, "Connection") &&
        !base::iequals(h.name, "Transfer-Encoding"))
      headers.push_back(h);
  appendClientHead(scratch_, head.status, http::statusText(head.status), headers,
                   stream_no_body_ || !http11_ ? Framing::kNone : Framing::kChunked, keep, {});
  sendBytes(scratch_);
  auto writer = std::make_shared<ApiStream>(core_->weak_from_this(), id_, seq);
  if (!head.body.empty()) writer->write(head.body);
  return writer;
}

void Front::streamChunk(std::string_view piece) {
  if (piece.empty() || stream_no_body_) return;
  resp_bytes_ += piece.size();
  if (!http11_) {
    sendBytes(piece);
    return;
  }
  char hdr[24];
  cork();
  sendBytes(hdr, chunkHeader(hdr, piece.size()));
  sendBytes(piece);
  sendBytes("\r\n", 2);
  uncork();
}

void Front::streamEnd() {
  on_close_.clear();
  if (!stream_no_body_ && http11_) sendBytes(kLastChunk);
  resp_complete_ = true;
  endExchange(true);
}

void Front::startProxy() {
  std::optional<RouteMatch> match = core_->table.lookup(host_, req_.path);
  if (!match) {
    respondLocal(404, "unknown_route",
                 fmt::format("Requested route ('{}') does not exist.\n", host_));
    return;
  }
  eps_.clear();
  if (const std::string* pin = req_.header("X-Cf-App-Instance")) {
    std::optional<Endpoint> ep = pinnedEndpoint(*pin, match->endpoints);
    if (!ep) {
      respondLocal(400, "invalid_cf_app_instance_header", "Invalid X-CF-App-Instance Header\n");
      return;
    }
    eps_.push_back(std::move(*ep));
  } else {
    eps_ = std::move(match->endpoints);
  }
  if (eps_.empty()) {
    respondLocal(503, "no_endpoints",
                 fmt::format("Requested route ('{}') has no available endpoints.\n", host_));
    return;
  }
  route_ = std::move(match->route);
  least_conn_ = match->options.loadbalancing == "least-connection";
  if (core_->failed_until.empty())
    tried_.assign(eps_.size(), false);
  else
    tried_ = avoidRecentFailures(eps_, core_->failed_until, core_->clock.steadyMs());
  ForwardInfo info;
  info.client_ip = clientIp(remote_);
  info.request_id = requestId(req_);
  info.start_ms = start_ns_ / 1000000;
  info.forwarded_for = forwardedFor(req_, info.client_ip);
  info.forwarded_proto = forwardedProto(req_, tls_ ? "https" : "http");
  req_head_.clear();
  appendBackendHead(req_head_, req_, info, req_framing_, content_length_, upgrade_);
  request_id_ = std::move(info.request_id);
  forwarded_for_ = std::move(info.forwarded_for);
  forwarded_proto_ = std::move(info.forwarded_proto);
  sticky_.assign(requestCookie(req_.headers, kStickyCookie));
  replay_.clear();
  replayable_ = true;
  attempts_ = 0;
  if (expect_continue_) sendBytes(kContinue);  // the body may come: it is streamed on
  attempt();
}

void Front::attempt() {
  size_t i = pickInstance(eps_, sticky_, tried_);
  if (i == kNoEndpoint) {
    uint64_t& cursor = core_->cursors[route_];
    if (least_conn_) {
      std::vector<uint32_t> load(eps_.size(), 0);
      for (size_t k = 0; k < eps_.size(); ++k) {
        auto it = core_->inflight.find(endpointKey(eps_[k]));
        if (it != core_->inflight.end()) load[k] = it->second;
      }
      i = pickLeastConnection(eps_, load, cursor, tried_);
    } else {
      i = pickRoundRobin(eps_, cursor, tried_);
    }
  }
  if (i == kNoEndpoint) {
    respondLocal(502, "endpoint_failure", "Registered endpoint failed to handle the request.\n");
    return;
  }
  tried_[i] = true;
  cur_ = i;
  if (++attempts_ > 1) ++core_->stats.retries;
  const Endpoint& ep = eps_[i];
  ep_key_ = endpointKey(ep);
  if (least_conn_) {
    ++core_->inflight[ep_key_];
    counted_inflight_ = true;
  }
  Backend* b = core_->acquire(ep_key_);
  bool fresh = b == nullptr;
  if (fresh) {
    b = new Backend(core_, ep_key_);
    ++core_->stats.backend_connects;
  } else {
    ++core_->stats.backend_reuses;
  }
  backend_ = b;
  b->begin(this, head_req_, upgrade_, http11_);
  if (fresh) {
    int rc = b->connect(ep);
    if (rc != 0) {
      b->abandon();
      onBackendFailed(b, rc, true, true);
      return;
    }
  }
  if (in_process_) {
    if (corked_backend_ && corked_backend_ != b) corked_backend_->uncork();
    if (corked_backend_ != b) b->cork();
    corked_backend_ = b;
  }
  sent_ms_ = core_->loop.nowMs();
  b->put(req_head_);
  if (!replay_.empty()) b->put(replay_);
}

void Front::decInflight() {
  if (!counted_inflight_) return;
  counted_inflight_ = false;
  auto it = core_->inflight.find(ep_key_);
  if (it != core_->inflight.end() && --it->second == 0) core_->inflight.erase(it);
}

namespace {

bool isIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

}  // namespace

void Front::onBackendFailed(Backend* b, int err, bool retryable, bool refused) {
  if (backend_ != b) return;
  backend_ = nullptr;
  if (corked_backend_ == b) corked_backend_ = nullptr;
  decInflight();
  const Endpoint& ep = eps_[cur_];
  MCF_WARN("router", "{}{}: instance {} of app {} failed: {}", host_, req_.target, ep.index,
           ep.app_guid, uv_strerror(err));
  if (refused) {
    int64_t now = core_->clock.steadyMs();
    auto& failed = core_->failed_until;
    std::erase_if(failed, [now](const auto& kv) { return kv.second <= now; });
    failed[ep_key_] = now + static_cast<int64_t>(core_->config.avoid_failed_ms);
  }
  if (resp_started_) {
    close();  // the answer was cut short: only closing tells the client
    return;
  }
  // A request that changes nothing (GET, HEAD, OPTIONS, TRACE) may go to another instance
  // whatever failed, as long as no answer reached the client: an instance that closes its
  // listening socket resets connections it had accepted but not yet served.
  if (!retryable && !upgrade_ && isIdempotent(req_.method)) retryable = true;
  if (retryable && replayable_ && attempts_ < core_->config.max_attempts) {
    attempt();
    return;
  }
  respondLocal(502, "endpoint_failure", "Registered endpoint failed to handle the request.\n");
}

void Front::respondLocal(int status, const char* code, std::string body) {
  if (phase_ == Phase::kApi) phase_ = Phase::kLocal;
  if (phase_ == Phase::kHead) phase_ = Phase::kLocal;
  if (phase_ == Phase::kProxy && !backend_) phase_ = Phase::kLocal;
  // A body we will not read: closing is the only way to be done with it.
  if (!req_complete_ && req_framing_ != Framing::kNone) keep_alive_ = false;
  status_ = status;
  http::Response r = routerError(status, code, std::move(body));
  resp_bytes_ = r.body.size();
  resp_started_ = resp_complete_ = true;
  sendBytes(http::serializeResponse(r, head_req_, keep_alive_));
  if (req_complete_ || !keep_alive_) endExchange(!in_process_);
}

void Front::failRequest(int status, std::string body) {
  if (backend_) {
    Backend* b = backend_;
    backend_ = nullptr;
    decInflight();
    b->abandon();
  }
  if (!resp_started_)
    sendBytes(http::serializeResponse(http::Response::text(status, std::move(body)), false, false));
  finishAndClose();
}

void Front::onResponseHead(Backend* b) {
  resp_started_ = true;
  status_ = b->status_;
  resp_framing_ = b->out_;
  if (!core_->failed_until.empty()) core_->failed_until.erase(ep_key_);
  extra_.clear();
  if (status_ != 101 && cur_ != kNoEndpoint)
    if (auto cookie = stickyCookie(b->headers_, eps_[cur_].instance_guid))
      extra_.push_back({"Set-Cookie", std::move(*cookie)});
  if (resp_framing_ == Framing::kClose) keep_alive_ = false;
  if (upgrade_ && status_ != 101) keep_alive_ = false;
  scratch_.clear();
  appendClientHead(scratch_, status_, b->reason_, b->headers_,
                   resp_framing_ == Framing::kClose ? Framing::kNone : resp_framing_, keep_alive_,
                   extra_);
  sendBytes(scratch_);
  if (status_ == 101) {
    phase_ = Phase::kUpgraded;
    logExchange();
    if (in_off_ < in_.size()) {
      b->put(in_.data() + in_off_, in_.size() - in_off_);
      req_bytes_ += in_.size() - in_off_;
    }
    in_.clear();
    in_off_ = 0;
    startReading();
  }
}

void Front::onResponseBody(const char* at, size_t n) {
  resp_bytes_ += n;
  if (resp_framing_ == Framing::kChunked) {
    char hdr[24];
    sendBytes(hdr, chunkHeader(hdr, n));
    sendBytes(at, n);
    sendBytes("\r\n", 2);
    return;
  }
  sendBytes(at, n);
}

void Front::onResponseEnd(Backend* b) {
  if (backend_ != b) return;
  backend_ = nullptr;
  if (corked_backend_ == b) corked_backend_ = nullptr;
  decInflight();
  if (resp_framing_ == Framing::kChunked) sendBytes(kLastChunk);
  resp_complete_ = true;
  if (!req_complete_) keep_alive_ = false;  // the rest of the body would go nowhere
  endExchange(false);
}

void Front::onUpgradeEnd() {
  backend_ = nullptr;
  finishAndClose();
}

void Front::resumeIfDrained() {
  if (backend_ && backend_->queued() > core_->config.low_water_bytes) return;
  maybeResumeReading();
}

void Front::maybeResumeReading() {
  if (reading() || closing_ || peer_eof_ || in_.size() > kMaxPipelinedBytes) return;
  startReading();
}

void Front::onDrained() {
  if (close_after_write_ && queued() == 0) {
    startDrain();
    return;
  }
  if (queued() > core_->config.low_water_bytes) return;
  if (backend_) backend_->resumeForFront();
  if (phase_ == Phase::kHead && !in_process_ && in_off_ < in_.size()) processInput();
}

void Front::endExchange(bool defer_next) {
  if (!logged_) logExchange();
  RouterStats& st = core_->stats;
  ++st.requests;
  int cls = status_ / 100;
  if (cls >= 1 && cls <= 5) ++st.by_class[cls];
  if (cur_ != kNoEndpoint)
    st.latency_seconds += static_cast<double>(uv_hrtime() - start_hr_) / 1e9;
  // Ready for the next request.
  phase_ = Phase::kHead;
  req_complete_ = resp_started_ = resp_complete_ = logged_ = false;
  cur_ = kNoEndpoint;
  attempts_ = 0;
  eps_.clear();
  counted_inflight_ = false;
  upgrade_ = expect_continue_ = least_conn_ = false;
  status_ = 0;
  if (!keep_alive_ || (peer_eof_ && in_off_ >= in_.size())) {
    finishAndClose();
    return;
  }
  llhttp_resume(&parser_);
  parser_paused_ = false;
  last_activity_ms_ = core_->loop.nowMs();
  head_started_ms_ = in_off_ < in_.size() ? last_activity_ms_ : 0;
  maybeResumeReading();
  if (in_process_ || in_off_ >= in_.size()) return;
  if (defer_next)
    scheduleProcessing();
  else
    processInput();
}

void Front::logExchange() {
  logged_ = true;
  if (cur_ == kNoEndpoint || !core_->log) return;
  const Endpoint& ep = eps_[cur_];
  AccessRecord rec;
  rec.host = host_;
  rec.start_ns = start_ns_;
  rec.method = req_.method;
  rec.target = req_.target;
  rec.status = status_;
  rec.request_bytes = req_bytes_;
  rec.response_bytes = resp_bytes_;
  if (const std::string* v = req_.header("Referer")) rec.referer = *v;
  if (const std::string* v = req_.header("User-Agent")) rec.user_agent = *v;
  rec.client_addr = remote_;
  rec.backend_addr = fmt::format("{}:{}", ep.host, ep.port);
  rec.x_forwarded_for = forwarded_for_;
  rec.x_forwarded_proto = forwarded_proto_;
  rec.request_id = request_id_;
  rec.response_seconds = static_cast<double>(uv_hrtime() - start_hr_) / 1e9;
  rec.app_guid = ep.app_guid;
  rec.app_index = ep.index;
  try {
    core_->log(rec);
  } catch (const std::exception& e) {
    MCF_ERROR("router", "access log sink threw: {}", e.what());
  }
}

void Front::finishAndClose() {
  close_after_write_ = true;
  if (queued() == 0) startDrain();
}

// Closing right away could reset the connection while the client still sends, and a reset
// can destroy our last answer before the client reads it. So: shut down our side, discard
// input until the client closes, and give up after a while.
void Front::startDrain() {
  if (draining_ || closing_) return;
  draining_ = true;
  if (backend_) {
    Backend* b = backend_;
    backend_ = nullptr;
    decInflight();
    b->abandon();
  }
  if (peer_eof_) {
    close();
    return;
  }
  drain_deadline_ms_ = core_->loop.nowMs() +
                       std::min<uint64_t>(kMaxLingerMs, core_->config.server.idle_timeout_ms);
  auto* req = new uv_shutdown_t;
  if (uv_shutdown(req, stream(), [](uv_shutdown_t* r, int) { delete r; }) != 0) {
    delete req;
    close();
    return;
  }
  startReading();
}

void Front::sweep(uint64_t now) {
  if (closing_) return;
  const RouterConfig& cfg = core_->config;
  if (draining_) {
    if (now >= drain_deadline_ms_) close();
    return;
  }
  if (close_after_write_) {
    if (now - last_activity_ms_ >= cfg.server.idle_timeout_ms) close();
    return;
  }
  switch (phase_) {
    case Phase::kHead:
      if (head_started_ms_ != 0 && now - head_started_ms_ >= cfg.header_timeout_ms) {
        failRequest(408, fmt::format("request timeout: the request head did not arrive within "
                                     "{} ms\n",
                                     cfg.header_timeout_ms));
      } else if (head_started_ms_ == 0 && now - last_activity_ms_ >= cfg.server.idle_timeout_ms) {
        close();
      }
      return;
    case Phase::kApi:
    case Phase::kLocal:
      if (now - last_activity_ms_ >= cfg.server.idle_timeout_ms) close();
      return;
    case Phase::kProxy:
      if (backend_ && !resp_started_ && now - sent_ms_ >= cfg.backend_timeout_ms) {
        MCF_WARN("router", "{}{}: instance {} of app {} did not answer within {} ms", host_,
                 req_.target, eps_[cur_].index, eps_[cur_].app_guid, cfg.backend_timeout_ms);
        Backend* b = backend_;
        backend_ = nullptr;
        decInflight();
        b->abandon();
        respondLocal(502, "endpoint_failure",
                     "Registered endpoint failed to handle the request.\n");
      }
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------
// Backend

int Backend::connect(const Endpoint& ep) {
  sockaddr_storage addr;
  if (!http::numericAddress(ep.host, ep.port, addr)) return UV_EINVAL;
  connect_req_.data = this;
  return uv_tcp_connect(&connect_req_, &tcp_, reinterpret_cast<sockaddr*>(&addr),
                        [](uv_connect_t* req, int status) {
                          auto* b = static_cast<Backend*>(req->data);
                          if (status == UV_ECANCELED || b->closing()) return;
                          if (status < 0) {
                            b->fail(status);
                            return;
                          }
                          b->connected_ = true;
                          uv_tcp_nodelay(&b->tcp_, 1);
                          if (!b->read_paused_) b->startReading();
                        });
}

void Backend::begin(Front* f, bool head, bool upgrade, bool client11) {
  front_ = f;
  head_ = head;
  upgrade_req_ = upgrade;
  client11_ = client11;
  got_bytes_ = upgraded_ = done_ = informational_ = false;
  llhttp_init(&parser_, HTTP_RESPONSE, &http::llhttpSettings<Backend>());
  parser_.data = this;
  onMessageBegin();
  if (connected_ && !read_paused_) startReading();
}

void Backend::closeNow() {
  if (closing_) return;
  if (idle_) core_->unpark(this);
  core_->backends.erase(this);
  front_ = nullptr;
  closeHandle();
}

void Backend::closeAfterWrites() {
  front_ = nullptr;
  close_after_write_ = true;
  if (queued() == 0) closeNow();
}

void Backend::pauseForFront() {
  read_paused_ = true;
  stopReading();
}

void Backend::onDrained() {
  if (close_after_write_ && queued() == 0) {
    closeNow();
    return;
  }
  if (front_ && queued() <= core_->config.low_water_bytes) front_->resumeIfDrained();
}

void Backend::onWriteError() {
  if (front_)
    fail(UV_EPIPE);
  else
    closeNow();
}

void Backend::fail(int err) {
  Front* f = front_;
  bool retryable = !got_bytes_ && (!connected_ || reused_);
  bool refused = !connected_;
  closeNow();
  if (f) f->onBackendFailed(this, err, retryable, refused);
}

void Backend::onInput(ssize_t nread, const char* data) {
  if (nread < 0) {
    Front* f = front_;
    if (!f) {
      closeNow();  // parked and closed by the instance, or finished splicing
      return;
    }
    if (upgraded_) {
      front_ = nullptr;
      closeNow();
      f->onUpgradeEnd();
      return;
    }
    if (nread == UV_EOF && f->responseStarted()) {
      // A body without a length ends at close.
      f->cork();
      llhttp_finish(&parser_);
      if (done_) {
        finish(false);
        f->uncork();
        return;
      }
      f->uncork();
    }
    fail(static_cast<int>(nread));
    return;
  }
  Front* f = front_;
  if (!f) {
    closeNow();  // an instance talking out of turn: not reusable
    return;
  }
  got_bytes_ = true;
  size_t n = static_cast<size_t>(nread);
  if (upgraded_) {
    f->sendBytes(data, n);
  } else {
    f->cork();
    llhttp_errno_t err = llhttp_execute(&parser_, data, n);
    if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
      size_t used = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
      if (upgraded_) {
        if (used < n) f->sendBytes(data + used, n - used);
      } else if (done_) {
        finish(used == n);
      }
    } else if (err != HPE_OK) {
      MCF_WARN("router", "an instance sent a bad response: {}", llhttp_get_error_reason(&parser_));
      closeNow();
      if (!f->responseStarted())
        f->onBackendFailed(this, UV_EPROTO, false, false);  // it got the request: no retry
      else
        f->close();
    }
    f->uncork();
  }
  if (!closing_ && front_ && !done_ && !upgraded_) quickAck();  // the rest of it is coming
  if (!closing_ && front_ && front_->queued() > core_->config.high_water_bytes) pauseForFront();
}

int Backend::onHeadersComplete() {
  status_ = parser_.status_code;
  if (status_ >= 100 && status_ < 200 && !(status_ == 101 && upgrade_req_)) {
    informational_ = true;  // 100 Continue (answered by the router already), 103, ...
    return 0;
  }
  if (!front_) return -1;
  if (status_ == 101) {
    upgraded_ = true;
    out_ = Framing::kNone;
    front_->onResponseHead(this);
    return 0;
  }
  bool no_body = head_ || status_ == 204 || status_ == 304;
  if (no_body)
    out_ = Framing::kNone;
  else if (parser_.flags & F_CHUNKED)
    out_ = client11_ ? Framing::kChunked : Framing::kClose;
  else if (parser_.flags & F_CONTENT_LENGTH)
    out_ = Framing::kLength;
  else
    out_ = client11_ ? Framing::kChunked : Framing::kClose;
  front_->onResponseHead(this);
  return head_ ? 1 : 0;  // 1: no body follows (HEAD)
}

int Backend::onBody(const char* at, size_t n) {
  if (front_) front_->onResponseBody(at, n);
  return 0;
}

int Backend::onMessageComplete() {
  if (informational_) {
    informational_ = false;
    return 0;
  }
  done_ = true;
  return HPE_PAUSED;
}

void Backend::finish(bool clean) {
  Front* f = front_;
  bool reusable = clean && llhttp_should_keep_alive(&parser_) != 0 && f &&
                  f->requestComplete() && !retired_;
  front_ = nullptr;
  read_paused_ = false;  // its reader is done: parked, it reads again (to see a close)
  if (reusable)
    core_->release(this);
  else
    closeNow();
  if (f) f->onResponseEnd(this);
}

// ---------------------------------------------------------------------------------------
// Pool and Core

Backend* Core::acquire(const std::string& key) {
  auto it = idle.find(key);
  if (it == idle.end()) return nullptr;
  auto& list = it->second;
  while (!list.empty()) {
    Backend* b = list.back();
    list.pop_back();
    --stats.idle_backends;
    b->idle_ = false;
    if (b->closing()) continue;
    b->reused_ = true;
    if (list.empty()) idle.erase(it);
    return b;
  }
  idle.erase(it);
  return nullptr;
}

void Core::release(Backend* b) {
  auto& list = idle[b->key_];
  if (list.size() >= config.max_idle_per_endpoint) {
    b->closeNow();
    return;
  }
  b->uncorkAll();
  b->idle_ = true;
  b->idle_since_ms_ = loop.nowMs();
  list.push_back(b);
  ++stats.idle_backends;
  b->startReading();  // an instance closing a parked connection shows as EOF
}

void Core::unpark(Backend* b) {
  auto it = idle.find(b->key_);
  if (it == idle.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), b);
  if (pos != list.end()) {
    list.erase(pos);
    --stats.idle_backends;
  }
  if (list.empty()) idle.erase(it);
  b->idle_ = false;
}

void Core::endpointRemoved(const Endpoint& e) {
  std::string key = endpointKey(e);
  std::vector<Backend*> matching;
  for (Backend* b : backends)
    if (b->key_ == key) matching.push_back(b);
  for (Backend* b : matching) {
    b->retired_ = true;
    if (b->idle_) b->closeNow();  // in-flight ones finish, then close
  }
}

void Core::sweep() {
  uint64_t now = loop.nowMs();
  std::vector<uint64_t> ids;
  ids.reserve(fronts.size());
  for (auto& [id, f] : fronts) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = fronts.find(id);
    if (it != fronts.end()) it->second->sweep(now);
  }
  std::vector<Backend*> expired;
  for (auto& [key, list] : idle)
    for (Backend* b : list)
      if (now - b->idle_since_ms_ >= config.pool_idle_timeout_ms) expired.push_back(b);
  for (Backend* b : expired) b->closeNow();
}

void Core::closeAll() {
  std::vector<Front*> open;
  for (auto& [id, f] : fronts) open.push_back(f);
  for (Front* f : open) f->close();
  std::vector<Backend*> conns(backends.begin(), backends.end());
  for (Backend* b : conns) b->closeNow();
}

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
