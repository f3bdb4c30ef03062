// HTTP message helpers, Responder's shared answer state and the status text table.
#include "http/message.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strutil.h"
#include "http/url.h"
#include "http/serialize.h"

namespace mcf::http {

const std::string* findHeader(const Headers& h, std::string_view name) {
  for (const auto& header : h)
    if (base::iequals(header.name, name)) return &header.value;
  return nullptr;
}

void removeHeader(Headers& h, std::string_view name) {
  std::erase_if(h, [&](const Header& header) { return base::iequals(header.name, name); });
}

std::string Request::host() const {
  const std::string* h = header("Host");
  if (!h) return {};
  std::string_view v = *h;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!v.empty() && v.front() == '[') {  // IPv6 literal: keep the brackets
    size_t close = v.find(']');
    if (close != std::string_view::npos) v = v.substr(0, close + 1);
  } else {
    v = v.substr(0, v.find(':'));
  }
  std::string host(v);
  for (char& c : host) c = base::asciiLower(c);
  return host;
}

void Request::splitTarget() {
  std::string_view t = target;
  size_t q = t.find('?');
  std::string_view p = t.substr(0, q);
  if (!p.starts_with('/')) {
    size_t scheme = p.find("://");
    if (scheme != std::string_view::npos) {
      size_t slash = p.find('/', scheme + 3);
      p = slash == std::string_view::npos ? std::string_view("/") : p.substr(slash);
    }
  }
  path = percentDecode(p);
  query.assign(q == std::string_view::npos ? std::string_view() : t.substr(q + 1));
}

void Response::set(std::string name, std::string value) {
  for (auto& header : headers) {
    if (base::iequals(header.name, name)) {
      header.value = std::move(value);
      return;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

struct Responder::State {
  std::function<void(Response)> deliver;
  std::function<bool()> alive;
  StreamOpener open;
  bool sent = false;

  ~State() {
    if (sent || !deliver) return;
    // Runs from destructors, possibly inside a libuv callback: nothing may escape.
    try {
      MCF_WARN("http", "a request handler dropped its responder without answering; sending 500");
      sent = true;
      deliver(Response::text(500, "internal error: the request was not answered\n"));
    } catch (...) {
    }
  }
};

void Responder::send(Response response) {
  if (!state_ || state_->sent) return;
  state_->sent = true;
  if (state_->deliver) state_->deliver(std::move(response));
}

namespace {

// stream() over a transport that only takes whole responses: the body is sent at end().
class CollectingWriter : public BodyWriter {
 public:
  CollectingWriter(Response head, std::function<void(Response)> deliver,
                   std::function<bool()> alive)
      : head_(std::move(head)), deliver_(std::move(deliver)), alive_(std::move(alive)) {}

  bool write(std::string_view piece) override {
    if (ended_ || (alive_ && !alive_())) return false;
    head_.body.append(piece);
    return true;
  }
  size_t pending() const override { return 0; }
  void end() override {
    if (ended_) return;
    ended_ = true;
    if (deliver_) deliver_(std::move(head_));
  }
  void onClose(std::function<void()>) override {}

 private:
  Response head_;
  std::function<void(Response)> deliver_;
  std::function<bool()> alive_;
  bool ended_ = false;
};

}  // namespace

std::shared_ptr<BodyWriter> Responder::stream(Response head) {
  if (!alive()) return nullptr;
  state_->sent = true;
  if (state_->open) return state_->open(std::move(head));
  return std::make_shared<CollectingWriter>(std::move(head), state_->deliver, state_->alive);
}

bool Responder::alive() const {
  if (!state_ || state_->sent) return false;
  return state_->alive ? state_->alive() : true;
}

Responder Responder::toCallback(std::function<void(Response)> deliver,
                                std::function<bool()> alive, StreamOpener open) {
  Responder r;
  r.state_ = std::make_shared<State>();
  r.state_->deliver = std::move(deliver);
  r.state_->alive = std::move(alive);
  r.state_->open = std::move(open);
  return r;
}

bool hasNoBody(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

std::string serializeResponse(const Response& r, bool head, bool keep_alive) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", r.status, statusText(r.status));
  const std::string* given_length = nullptr;
  for (const auto& h : r.headers) {
    if (base::iequals(h.name, "Content-Length")) {
      given_length = &h.value;
      continue;
    }
    if (base::iequals(h.name, "Connection") || base::iequals(h.name, "Transfer-Encoding")) continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  bool no_body = hasNoBody(r.status);
  if (!no_body) {
    // A HEAD answer with no body may state the length a GET would have (a proxy relays it).
    if (head && r.body.empty() && given_length)
      out += fmt::format("Content-Length: {}\r\n", *given_length);
    else
      out += fmt::format("Content-Length: {}\r\n", r.body.size());
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head && !no_body) out += r.body;
  return out;
}

const char* statusText(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace mcf::http
