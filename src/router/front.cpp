// Front: one client connection of the router. Parses requests, answers the API's in-process,
// proxies the rest through a Backend, writes the answers, applies the limits and timeouts.
#include "router/connections.h"

#include <nlohmann/json.hpp>

namespace mcf::router {

namespace {

// The API paths that take bits (zip or tgz) rather than JSON: the large body limit. Also
// resource_matches: the cf CLI sends up to 5,000 file entries at once, which pass 1 MiB.
bool isUpload(std::string_view path) {
  if (path == "/v3/resource_matches") return true;
  for (std::string_view prefix : {"/v3/packages/", "/v3/buildpacks/", "/v3/droplets/"}) {
    if (!path.starts_with(prefix)) continue;
    std::string_view rest = path.substr(prefix.size());
    size_t slash = rest.find('/');
    return slash != std::string_view::npos && slash > 0 && rest.substr(slash) == "/upload";
  }
  return false;
}

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
  setConnected();
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
  error_json_ = false;
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
  req_.splitTarget();
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
    body_limit_ = isUpload(req_.path) ? core_->config.server.max_body_bytes
                                      : core_->config.max_api_body_bytes;
    if (req_framing_ == Framing::kLength && content_length_ > body_limit_) {
      tooLarge(content_length_);
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
    if (req_.body.size() + n > body_limit_) {
      tooLarge(0);
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

void Front::startProxy() {
  std::shared_ptr<const RouteMatch> match = core_->table.lookup(host_, req_.path);
  if (!match) {
    respondLocal(404, "unknown_route",
                 fmt::format("Requested route ('{}') does not exist.\n", host_));
    return;
  }
  if (const std::string* pin = req_.header("X-Cf-App-Instance")) {
    std::optional<Endpoint> ep = pinnedEndpoint(*pin, match->endpoints);
    if (!ep) {
      respondLocal(400, "invalid_cf_app_instance_header", "Invalid X-CF-App-Instance Header\n");
      return;
    }
    auto one = std::make_shared<RouteMatch>();
    one->route = match->route;
    one->options = match->options;
    one->cursor = match->cursor;
    one->keys.push_back(endpointKey(*ep));
    one->endpoints.push_back(std::move(*ep));
    match = std::move(one);
  }
  if (match->endpoints.empty()) {
    respondLocal(503, "no_endpoints",
                 fmt::format("Requested route ('{}') has no available endpoints.\n", host_));
    return;
  }
  match_ = std::move(match);
  least_conn_ = match_->options.loadbalancing == "least-connection";
  if (core_->failed_until.empty())
    tried_.assign(eps().size(), false);
  else
    tried_ = avoidRecentFailures(eps(), core_->failed_until, core_->clock.steadyMs());
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
  const std::vector<Endpoint>& eps = match_->endpoints;
  size_t i = pickInstance(eps, sticky_, tried_);
  if (i == kNoEndpoint) {
    uint64_t& cursor = *match_->cursor;
    if (least_conn_) {
      std::vector<uint32_t> load(eps.size(), 0);
      for (size_t k = 0; k < eps.size(); ++k) {
        auto it = core_->inflight.find(match_->keys[k]);
        if (it != core_->inflight.end()) load[k] = it->second;
      }
      i = pickLeastConnection(eps, load, cursor, tried_);
    } else {
      i = pickRoundRobin(eps, cursor, tried_);
    }
  }
  if (i == kNoEndpoint) {
    respondLocal(502, "endpoint_failure", "Registered endpoint failed to handle the request.\n");
    return;
  }
  tried_[i] = true;
  cur_ = i;
  if (++attempts_ > 1) ++core_->stats.retries;
  const Endpoint& ep = eps[i];
  ep_key_ = match_->keys[i];
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
  const Endpoint& ep = eps()[cur_];
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

void Front::tooLarge(size_t given) {
  bool upload = isUpload(req_.path);
  std::string limit = body_limit_ % (size_t(1) << 20) == 0
                          ? fmt::format("{} MiB", body_limit_ >> 20)
                          : fmt::format("{} bytes", body_limit_);
  std::string size = given ? fmt::format("Request body is {} bytes", given)
                           : std::string("Request body is larger than the limit");
  std::string detail =
      upload ? fmt::format("{}; the limit for uploads is {}. Push less (a .cfignore file leaves "
                           "files out) or raise the limit.", size, limit)
             : fmt::format("{}; the limit is {} for API requests (only package, buildpack and "
                           "droplet uploads may be larger). Send a smaller request.", size, limit);
  nlohmann::json j = {{"errors", {{{"code", 10008},
                                   {"title", "CF-UnprocessableEntity"},
                                   {"detail", detail}}}}};
  error_status_ = 413;
  error_body_ = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  error_json_ = true;
}

void Front::failRequest(int status, std::string body) {
  if (backend_) {
    Backend* b = backend_;
    backend_ = nullptr;
    decInflight();
    b->abandon();
  }
  if (!resp_started_) {
    bool json = error_json_ && status == error_status_;
    http::Response r = json ? http::Response::json(status, std::move(body))
                            : http::Response::text(status, std::move(body));
    sendBytes(http::serializeResponse(r, false, false));
  }
  finishAndClose();
}

void Front::onResponseHead(Backend* b) {
  resp_started_ = true;
  status_ = b->status_;
  resp_framing_ = b->out_;
  if (!core_->failed_until.empty()) core_->failed_until.erase(ep_key_);
  extra_.clear();
  if (status_ != 101 && cur_ != kNoEndpoint)
    if (auto cookie = stickyCookie(b->headers_, eps()[cur_].instance_guid))
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
  if (cur_ != kNoEndpoint) st.latency_seconds += response_seconds_;
  // Ready for the next request.
  phase_ = Phase::kHead;
  req_complete_ = resp_started_ = resp_complete_ = logged_ = false;
  cur_ = kNoEndpoint;
  attempts_ = 0;
  match_.reset();
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
  if (cur_ == kNoEndpoint) return;
  response_seconds_ = static_cast<double>(uv_hrtime() - start_hr_) / 1e9;
  if (!core_->log) return;
  const Endpoint& ep = eps()[cur_];
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
  char backend_addr[80];
  auto addr = fmt::format_to_n(backend_addr, sizeof backend_addr, "{}:{}", ep.host, ep.port);
  rec.backend_addr = std::string_view(backend_addr, std::min(addr.size, sizeof backend_addr));
  rec.x_forwarded_for = forwarded_for_;
  rec.x_forwarded_proto = forwarded_proto_;
  rec.request_id = request_id_;
  rec.response_seconds = response_seconds_;
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
                 req_.target, eps()[cur_].index, eps()[cur_].app_guid, cfg.backend_timeout_ms);
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

}  // namespace mcf::router
