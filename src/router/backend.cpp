// Backend: one pooled keep-alive connection to an instance; and Core's pool of them.
#include "router/connections.h"

namespace mcf::router {

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
                          b->setConnected();
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

}  // namespace mcf::router
