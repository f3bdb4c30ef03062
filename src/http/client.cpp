// HTTP client: one connection per request, parsed with llhttp; fetch() on a private loop.
#include "http/client.h"

#include <llhttp.h>
#include <uv.h>

#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "base/strutil.h"
#include "http/address.h"

namespace mcf::http {

class ClientCall;

struct ClientCore {
  loop::Loop& loop;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, ClientCall*> calls;
};

namespace {
constexpr size_t kReadBufferBytes = 64 * 1024;
}  // namespace

// One request on its own connection. Lives until its handle's close callback deletes it;
// once finished it is out of core.calls and touches the core no more.
class ClientCall {
 public:
  ClientCall(const std::shared_ptr<ClientCore>& core, uint64_t id, ClientRequest request,
             std::function<void(base::Result<Response>)> done)
      : weak_core_(core),
        core_(core.get()),
        id_(id),
        req_(std::move(request)),
        done_(std::move(done)),
        timer_(std::make_unique<loop::Timer>(core->loop)),
        read_buf_(new char[kReadBufferBytes]) {
    name_ = fmt::format("{}:{}", req_.host, req_.port);
    uv_tcp_init(core->loop.raw(), &tcp_);
    tcp_.data = this;
    connect_req_.data = this;
    llhttp_init(&parser_, HTTP_RESPONSE, &settings());
    parser_.data = this;
  }

  void start() {
    timer_->start(req_.timeout_ms, 0, [this] {
      if (connected_)
        fail(base::Errc::kIo,
             fmt::format("no response from {} within {} ms", name_, req_.timeout_ms));
      else
        fail(base::Errc::kUnavailable,
             fmt::format("cannot connect to {}: timed out after {} ms", name_, req_.timeout_ms));
    });
    sockaddr_storage addr;
    if (numericAddress(req_.host, req_.port, addr)) {
      connectTo(reinterpret_cast<sockaddr*>(&addr));
      return;
    }
    resolve();
  }

  // The Client is going away: close without calling done.
  void abandon() {
    done_ = nullptr;
    core_ = nullptr;
    finish(base::makeError(base::Errc::kUnavailable, "abandoned"));
  }

 private:
  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t s = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
        static_cast<ClientCall*>(p->data)->field_.append(at, n);
        return 0;
      };
      s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
        static_cast<ClientCall*>(p->data)->value_.append(at, n);
        return 0;
      };
      s.on_header_value_complete = [](llhttp_t* p) {
        auto* c = static_cast<ClientCall*>(p->data);
        c->resp_.headers.push_back({std::move(c->field_), std::move(c->value_)});
        c->field_.clear();
        c->value_.clear();
        return 0;
      };
      s.on_headers_complete = [](llhttp_t* p) {
        auto* c = static_cast<ClientCall*>(p->data);
        c->resp_.status = p->status_code;
        return c->req_.method == "HEAD" ? 1 : 0;  // 1: this response has no body
      };
      s.on_body = [](llhttp_t* p, const char* at, size_t n) {
        static_cast<ClientCall*>(p->data)->resp_.body.append(at, n);
        return 0;
      };
      s.on_message_complete = [](llhttp_t* p) {
        auto* c = static_cast<ClientCall*>(p->data);
        if (p->status_code < 200) {  // an interim 1xx answer: the real one follows
          c->resp_ = Response{};
          return 0;
        }
        c->complete_ = true;
        return static_cast<int>(HPE_PAUSED);
      };
      return s;
    }();
    return s;
  }

  void resolve() {
    struct Resolve {
      uv_getaddrinfo_t req;
      std::weak_ptr<ClientCore> core;
      uint64_t id;
    };
    auto* r = new Resolve{{}, weak_core_, id_};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    std::string port = std::to_string(req_.port);
    int rc = uv_getaddrinfo(
        core_->loop.raw(), &r->req,
        [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
          auto* r = reinterpret_cast<Resolve*>(req);
          ClientCall* call = nullptr;
          if (auto core = r->core.lock()) {
            auto it = core->calls.find(r->id);
            if (it != core->calls.end()) call = it->second;
          }
          if (call) {
            if (status < 0 || !res)
              call->fail(
                  base::Errc::kUnavailable,
                  fmt::format("cannot resolve {}: {}", call->req_.host, uv_strerror(status)));
            else
              call->connectTo(res->ai_addr);
          }
          uv_freeaddrinfo(res);
          delete r;
        },
        req_.host.c_str(), port.c_str(), &hints);
    if (rc < 0) {
      delete r;
      failLater(base::Errc::kUnavailable,
                fmt::format("cannot resolve {}: {}", req_.host, uv_strerror(rc)));
    }
  }

  void connectTo(const sockaddr* addr) {
    int rc = uv_tcp_connect(&connect_req_, &tcp_, addr, [](uv_connect_t* req, int status) {
      auto* c = static_cast<ClientCall*>(req->data);
      if (c->finished_) return;
      if (status < 0) {
        c->fail(base::Errc::kUnavailable,
                fmt::format("cannot connect to {}: {}", c->name_, uv_strerror(status)));
        return;
      }
      c->connected_ = true;
      c->sendRequest();
    });
    if (rc < 0)
      failLater(base::Errc::kUnavailable,
                fmt::format("cannot connect to {}: {}", name_, uv_strerror(rc)));
  }

  void sendRequest() {
    uv_tcp_nodelay(&tcp_, 1);
    out_ = fmt::format("{} {} HTTP/1.1\r\n", req_.method, req_.target.empty() ? "/" : req_.target);
    if (!findHeader(req_.headers, "Host")) {
      bool v6 = req_.host.find(':') != std::string::npos && !req_.host.starts_with('[');
      std::string host = v6 ? "[" + req_.host + "]" : req_.host;
      out_ += req_.port == 80 ? fmt::format("Host: {}\r\n", host)
                              : fmt::format("Host: {}:{}\r\n", host, req_.port);
    }
    for (const auto& h : req_.headers) {
      if (base::iequals(h.name, "Content-Length") || base::iequals(h.name, "Transfer-Encoding") ||
          base::iequals(h.name, "Connection") || base::iequals(h.name, "Keep-Alive"))
        continue;
      out_ += h.name + ": " + h.value + "\r\n";
    }
    if (!req_.body.empty() || req_.method == "POST" || req_.method == "PUT" ||
        req_.method == "PATCH")
      out_ += fmt::format("Content-Length: {}\r\n", req_.body.size());
    out_ += "Connection: close\r\n\r\n";
    out_ += req_.body;
    uv_buf_t buf = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
    write_req_.data = this;
    // A failed write is not fatal by itself: the server may have answered early (413) and
    // closed; the read side decides.
    if (uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                 [](uv_write_t*, int) {}) < 0) {
      fail(base::Errc::kIo, fmt::format("cannot send the request to {}", name_));
      return;
    }
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), onAlloc, onRead) < 0)
      fail(base::Errc::kIo, fmt::format("cannot read the response from {}", name_));
  }

  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    *buf = uv_buf_init(static_cast<ClientCall*>(h->data)->read_buf_.get(), kReadBufferBytes);
  }

  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<ClientCall*>(s->data);
    if (c->finished_ || nread == 0) return;
    if (nread > 0) {
      llhttp_errno_t err = llhttp_execute(&c->parser_, buf->base, static_cast<size_t>(nread));
      if (c->complete_) {
        c->finish(std::move(c->resp_));
      } else if (err != HPE_OK) {
        c->fail(base::Errc::kIo, fmt::format("invalid response from {}: {}", c->name_,
                                             llhttp_get_error_reason(&c->parser_)));
      }
      return;
    }
    if (nread == UV_EOF) {
      llhttp_finish(&c->parser_);  // completes a body that runs until the connection closes
      if (c->complete_)
        c->finish(std::move(c->resp_));
      else
        c->fail(base::Errc::kIo,
                fmt::format("{} closed the connection before the response was complete", c->name_));
      return;
    }
    c->fail(base::Errc::kIo, fmt::format("connection to {} failed: {}", c->name_,
                                         uv_strerror(static_cast<int>(nread))));
  }

  void fail(base::Errc code, std::string message) { finish(base::Error{code, std::move(message)}); }

  // For failures found while starting: done must not run inside Client::request().
  void failLater(base::Errc code, std::string message) {
    std::weak_ptr<ClientCore> weak = weak_core_;
    uint64_t id = id_;
    loop::defer(core_->loop, [weak, id, code, message = std::move(message)]() mutable {
      auto core = weak.lock();
      if (!core) return;
      auto it = core->calls.find(id);
      if (it != core->calls.end()) it->second->fail(code, std::move(message));
    });
  }

  void finish(base::Result<Response> result) {
    if (finished_) return;
    finished_ = true;
    auto done = std::move(done_);
    done_ = nullptr;
    if (core_) core_->calls.erase(id_);
    core_ = nullptr;
    // Closed now, not from our close callback: by then the Loop may be tearing down.
    timer_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_),
             [](uv_handle_t* h) { delete static_cast<ClientCall*>(h->data); });
    // Last: done may destroy the Client; this object lives on until the close callback.
    if (done) done(std::move(result));
  }

  std::weak_ptr<ClientCore> weak_core_;
  ClientCore* core_;  // null once finished
  uint64_t id_;
  ClientRequest req_;
  std::function<void(base::Result<Response>)> done_;
  std::string name_;  // "host:port", for messages
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  uv_write_t write_req_;
  std::string out_;
  std::unique_ptr<loop::Timer> timer_;
  llhttp_t parser_;
  Response resp_;
  std::string field_, value_;
  std::unique_ptr<char[]> read_buf_;
  bool connected_ = false;
  bool complete_ = false;
  bool finished_ = false;
};

Client::Client(loop::Loop& loop) : core_(new ClientCore{loop, 1, {}}) {}

Client::~Client() {
  std::vector<ClientCall*> calls;
  for (auto& [id, call] : core_->calls) calls.push_back(call);
  core_->calls.clear();
  for (ClientCall* call : calls) call->abandon();
}

void Client::request(ClientRequest request, std::function<void(base::Result<Response>)> done) {
  uint64_t id = core_->next_id++;
  auto* call = new ClientCall(core_, id, std::move(request), std::move(done));
  core_->calls[id] = call;
  call->start();
}

base::Result<Response> fetch(const ClientRequest& request) {
  loop::Loop loop;
  std::optional<base::Result<Response>> out;
  {
    Client client(loop);
    client.request(request, [&](base::Result<Response> r) { out.emplace(std::move(r)); });
    loop.runUntil([&] { return out.has_value(); });
  }
  if (!out)
    return base::makeError(base::Errc::kInternal, "the request to {}:{} ended without an answer",
                           request.host, request.port);
  return std::move(*out);
}

}  // namespace mcf::http
