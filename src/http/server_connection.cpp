// One accepted HTTP connection: llhttp parsing, in-order dispatch, writes, lingering close.
#include "http/server_connection.h"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strutil.h"
#include "http/address.h"
#include "http/llhttp_binding.h"
#include "http/serialize.h"
#include "http/url.h"

namespace mcf::http {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
// While a request is in flight, stop reading once this much pipelined input waits.
constexpr size_t kMaxBufferedWhileBusy = 256 * 1024;
// How long a closing connection may linger to let the client read our last response.
constexpr uint64_t kMaxLingerMs = 5000;

struct WriteReq {
  uv_write_t req;
  std::string data;
};

}  // namespace

ServerConnection::ServerConnection(const std::shared_ptr<ServerCore>& core, uint64_t id)
    : weak_core_(core), core_(core.get()), id_(id), read_buf_(new char[kReadBufferBytes]) {
  uv_tcp_init(core->loop.raw(), &tcp_);
  tcp_.data = this;
  llhttp_init(&parser_, HTTP_REQUEST, &llhttpSettings<ServerConnection>());
  parser_.data = this;
}

void ServerConnection::start() {
  sockaddr_storage peer;
  int len = sizeof peer;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&peer), &len) == 0)
    remote_ = formatAddress(reinterpret_cast<sockaddr*>(&peer));
  uv_tcp_nodelay(&tcp_, 1);
  last_activity_ms_ = core_->loop.nowMs();
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) != 0) {
    close();
    return;
  }
  reading_ = true;
}

void ServerConnection::close() {
  if (closing_) return;
  closing_ = true;
  if (core_) core_->connections.erase(id_);
  core_ = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_),
           [](uv_handle_t* h) { delete static_cast<ServerConnection*>(h->data); });
}

void ServerConnection::onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<ServerConnection*>(h->data);
  *buf = uv_buf_init(c->read_buf_.get(), kReadBufferBytes);
}

void ServerConnection::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<ServerConnection*>(s->data);
  if (c->closing_ || nread == 0) return;
  if (nread > 0) {
    c->last_activity_ms_ = c->core_->loop.nowMs();
    if (c->draining_) return;  // the answer is out; discard whatever still comes
    c->in_.append(buf->base, static_cast<size_t>(nread));
    c->processInput();
    return;
  }
  if (nread != UV_EOF) {
    c->close();
    return;
  }
  c->peer_eof_ = true;
  uv_read_stop(s);
  c->reading_ = false;
  // Busy: answer first (respond() sees peer_eof_). Writes pending: let them finish.
  if (c->busy_) return;
  if (c->close_after_write_ && !c->draining_ && c->pending_writes_ > 0) return;
  c->close();
}

void ServerConnection::processInput() {
  if (in_process_ || closing_) return;
  in_process_ = true;
  while (!closing_ && !busy_ && !close_after_write_ && in_off_ < in_.size()) {
    const char* data = in_.data() + in_off_;
    llhttp_errno_t err = llhttp_execute(&parser_, data, in_.size() - in_off_);
    if (err == HPE_OK) {
      in_off_ = in_.size();
      break;
    }
    if (err == HPE_PAUSED && message_done_) {
      in_off_ += static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
      llhttp_resume(&parser_);
      message_done_ = false;
      dispatch();
      continue;
    }
    if (error_status_ != 0)
      failRequest(error_status_, error_body_);
    else
      failRequest(400, fmt::format("bad request: {}\n", llhttp_get_error_reason(&parser_)));
    break;
  }
  if (!closing_ && in_off_ > 0) {
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  in_process_ = false;
  if (closing_) return;
  if (!busy_ && peer_eof_ && !close_after_write_) {
    finishAndClose();  // the client sent all it will and everything is answered
    return;
  }
  if (busy_ && reading_ && in_.size() > kMaxBufferedWhileBusy) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

void ServerConnection::dispatch() {
  // Keeps the handler alive even if it destroys the Server while it runs.
  std::shared_ptr<ServerCore> core = weak_core_.lock();
  if (!core || !core_) return;
  busy_ = true;
  ++seq_;
  head_ = cur_.method == "HEAD";
  keep_alive_ = cur_.keep_alive;
  cur_.remote_addr = remote_;
  Request request = std::move(cur_);
  cur_ = Request{};
  std::string what = request.method + " " + request.target;

  std::weak_ptr<ServerCore> weak = weak_core_;
  uint64_t id = id_, seq = seq_;
  auto find = [weak, id]() -> ServerConnection* {
    auto c = weak.lock();
    if (!c) return nullptr;
    auto it = c->connections.find(id);
    return it == c->connections.end() ? nullptr : it->second;
  };
  Responder responder = Responder::toCallback(
      [find, seq](Response r) {
        if (ServerConnection* conn = find()) conn->respond(seq, std::move(r));
      },
      [find, seq] {
        ServerConnection* conn = find();
        return conn && conn->alive(seq);
      });
  try {
    core->handler(std::move(request), responder);
  } catch (const std::exception& e) {
    MCF_ERROR("http", "handler for {} threw: {}", what, e.what());
    responder.send(Response::text(500, "internal error\n"));
  } catch (...) {
    MCF_ERROR("http", "handler for {} threw an unknown exception", what);
    responder.send(Response::text(500, "internal error\n"));
  }
}

void ServerConnection::respond(uint64_t seq, Response&& response) {
  if (closing_ || !busy_ || seq != seq_ || !core_) return;
  busy_ = false;
  last_activity_ms_ = core_->loop.nowMs();
  bool more_input = in_off_ < in_.size();
  bool keep = keep_alive_ && !(peer_eof_ && !more_input);
  write(serializeResponse(response, head_, keep));
  if (closing_) return;
  if (!keep) {
    finishAndClose();
    return;
  }
  if (!reading_ && !peer_eof_ &&
      uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) == 0)
    reading_ = true;
  // Inside processInput the loop picks up the next request; otherwise do it on the next
  // turn, so a send() never runs another handler inside its caller.
  if (!in_process_ && more_input) scheduleProcessing();
}

void ServerConnection::scheduleProcessing() {
  std::weak_ptr<ServerCore> weak = weak_core_;
  uint64_t id = id_;
  loop::defer(core_->loop, [weak, id] {
    auto core = weak.lock();
    if (!core) return;
    auto it = core->connections.find(id);
    if (it != core->connections.end()) it->second->processInput();
  });
}

void ServerConnection::failRequest(int status, std::string body) {
  busy_ = false;
  write(serializeResponse(Response::text(status, std::move(body)), false, false));
  finishAndClose();
}

void ServerConnection::write(std::string data) {
  if (closing_) return;
  auto* w = new WriteReq{{}, std::move(data)};
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, onWrite) != 0) {
    delete w;
    close();
    return;
  }
  ++pending_writes_;
}

void ServerConnection::onWrite(uv_write_t* req, int status) {
  auto* c = static_cast<ServerConnection*>(req->handle->data);
  delete reinterpret_cast<WriteReq*>(req);
  if (c->closing_) return;
  --c->pending_writes_;
  if (status < 0) {
    c->close();
    return;
  }
  c->last_activity_ms_ = c->core_->loop.nowMs();
  if (c->close_after_write_ && c->pending_writes_ == 0) c->startDrain();
}

void ServerConnection::finishAndClose() {
  close_after_write_ = true;
  if (pending_writes_ == 0) startDrain();
}

// Closing right away could reset the connection while the client still sends (a body we
// refused), and a reset can destroy our response before the client reads it. So: shut down
// our side, discard input until the client closes, and give up after a while.
void ServerConnection::startDrain() {
  if (draining_ || closing_) return;
  draining_ = true;
  if (peer_eof_) {
    close();
    return;
  }
  drain_deadline_ms_ =
      core_->loop.nowMs() + std::min<uint64_t>(kMaxLingerMs, core_->options.idle_timeout_ms);
  auto* req = new uv_shutdown_t;
  if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&tcp_),
                  [](uv_shutdown_t* r, int) { delete r; }) != 0) {
    delete req;
    close();
    return;
  }
  if (!reading_ && uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) == 0)
    reading_ = true;
}

void ServerConnection::sweep(uint64_t now_ms) {
  if (closing_) return;
  if (draining_) {
    if (now_ms >= drain_deadline_ms_) close();
    return;
  }
  // A request in flight is the handler's business (long polls, slow backends).
  if (busy_ && pending_writes_ == 0) return;
  if (now_ms - last_activity_ms_ >= core_->options.idle_timeout_ms) close();
}

bool ServerConnection::countHeaderBytes(size_t len) {
  header_bytes_ += len;
  if (header_bytes_ <= core_->options.max_header_bytes) return true;
  error_status_ = 431;
  error_body_ = fmt::format("request headers too large: the limit is {} bytes\n",
                            core_->options.max_header_bytes);
  return false;
}

int ServerConnection::onMessageBegin() {
  cur_ = Request{};
  field_.clear();
  value_.clear();
  in_value_ = false;
  header_bytes_ = 0;
  error_status_ = 0;
  message_done_ = false;
  return 0;
}

int ServerConnection::onUrl(const char* at, size_t len) {
  if (!countHeaderBytes(len)) return HPE_USER;
  cur_.target.append(at, len);
  return 0;
}

int ServerConnection::onHeaderField(const char* at, size_t len) {
  if (!countHeaderBytes(len + 4)) return HPE_USER;  // + ": " and CRLF
  field_.append(at, len);
  return 0;
}

// Called with data for each piece of a value, and with nullptr when the value is complete
// (also for empty values, which get no data callback).
int ServerConnection::onHeaderValue(const char* at, size_t len) {
  if (at) {
    if (!countHeaderBytes(len)) return HPE_USER;
    value_.append(at, len);
    return 0;
  }
  cur_.headers.push_back({std::move(field_), std::move(value_)});
  field_.clear();
  value_.clear();
  return 0;
}

int ServerConnection::onHeadersComplete() {
  cur_.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
  cur_.splitTarget();
  cur_.keep_alive = llhttp_should_keep_alive(&parser_) != 0 && !parser_.upgrade;

  if ((parser_.flags & F_CONTENT_LENGTH) &&
      parser_.content_length > core_->options.max_body_bytes) {
    error_status_ = 413;
    error_body_ = fmt::format("request body too large: the limit is {} bytes\n",
                              core_->options.max_body_bytes);
    return -1;
  }
  const std::string* expect = cur_.header("Expect");
  if (expect && base::iequals(base::trim(*expect), "100-continue") && parser_.http_major == 1 &&
      parser_.http_minor >= 1)
    write("HTTP/1.1 100 Continue\r\n\r\n");
  return 0;
}

int ServerConnection::onBody(const char* at, size_t len) {
  if (cur_.body.size() + len > core_->options.max_body_bytes) {
    error_status_ = 413;
    error_body_ = fmt::format("request body too large: the limit is {} bytes\n",
                              core_->options.max_body_bytes);
    return HPE_USER;
  }
  cur_.body.append(at, len);
  return 0;
}

int ServerConnection::onMessageComplete() {
  message_done_ = true;
  return HPE_PAUSED;  // one request at a time: processInput dispatches it
}

}  // namespace mcf::http
