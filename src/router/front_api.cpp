// Front's API side: requests for api.<domain> handed to the Cloud Controller in-process, and
// its answers, whole or streamed (chunked) through an ApiStream.
#include "router/connections.h"

namespace mcf::router {

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

}  // namespace

void Front::dispatchApi() {
  phase_ = Phase::kApiWaiting;
  uint64_t seq = ++api_seq_;
  if (!req_.header("X-Vcap-Request-Id")) req_.headers.push_back({"X-Vcap-Request-Id", fastGuid()});
  req_.remote_addr = remote_;
  // The scheme the client used, for the API's absolute links; the router's word only.
  http::removeHeader(req_.headers, "X-Forwarded-Proto");
  req_.headers.push_back({"X-Forwarded-Proto", tls_ ? "https" : "http"});
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

}  // namespace mcf::router
