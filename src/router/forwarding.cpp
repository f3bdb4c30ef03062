// Proxy header rules.
#include "router/forwarding.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strutil.h"

namespace mcf::router {
namespace {

// Names listed in Connection headers ("Connection: close, X-Private") are hop-by-hop too.
bool namedByConnection(const http::Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (!base::iequals(h.name, "Connection")) continue;
    for (const std::string& token : base::split(h.value, ','))
      if (base::iequals(base::trim(token), name)) return true;
  }
  return false;
}

http::Headers withoutHopByHop(const http::Headers& in) {
  http::Headers out;
  out.reserve(in.size() + 4);
  for (const auto& h : in)
    if (!isHopByHop(h.name) && !namedByConnection(in, h.name)) out.push_back(h);
  return out;
}

}  // namespace

bool isHopByHop(std::string_view name) {
  static constexpr std::string_view kNames[] = {"Connection",
                                                "Keep-Alive",
                                                "Proxy-Connection",
                                                "Proxy-Authenticate",
                                                "Proxy-Authorization",
                                                "TE",
                                                "Trailer",
                                                "Transfer-Encoding",
                                                "Upgrade"};
  for (std::string_view n : kNames)
    if (base::iequals(n, name)) return true;
  return false;
}

std::string clientIp(const std::string& remote_addr) {
  if (remote_addr.starts_with('[')) {
    size_t close = remote_addr.find(']');
    return close == std::string::npos ? remote_addr : remote_addr.substr(1, close - 1);
  }
  size_t colon = remote_addr.rfind(':');
  return colon == std::string::npos ? remote_addr : remote_addr.substr(0, colon);
}

std::string requestId(const http::Request& req) {
  const std::string* id = req.header("X-Vcap-Request-Id");
  return id && !id->empty() ? *id : fastGuid();
}

std::string fastGuid() {
  // splitmix64 over a random seed: distinct outputs for 2^64 calls.
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    base::randomBytes(&seed, sizeof seed);
    return seed;
  }();
  auto next = [] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  uint8_t b[16];
  uint64_t hi = next(), lo = next();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static const char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t o = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 15];
  }
  return out;
}

std::string forwardedFor(const http::Request& req, const std::string& client_ip) {
  const std::string* xff = req.header("X-Forwarded-For");
  return xff && !xff->empty() ? *xff + ", " + client_ip : client_ip;
}

std::string forwardedProto(const http::Request& req, const char* scheme) {
  const std::string* proto = req.header("X-Forwarded-Proto");
  return proto && !proto->empty() ? *proto : scheme;
}

http::Headers backendRequestHeaders(const http::Request& req, const ForwardInfo& info) {
  http::Headers out = withoutHopByHop(req.headers);
  http::removeHeader(out, "Expect");
  http::removeHeader(out, "Content-Length");  // the client sets it from the buffered body
  std::string xff = forwardedFor(req, info.client_ip);
  std::string proto = forwardedProto(req);
  http::removeHeader(out, "X-Forwarded-For");
  http::removeHeader(out, "X-Forwarded-Proto");
  http::removeHeader(out, "X-Vcap-Request-Id");
  http::removeHeader(out, "X-Request-Start");
  out.push_back({"X-Forwarded-For", std::move(xff)});
  out.push_back({"X-Forwarded-Proto", std::move(proto)});
  out.push_back({"X-Vcap-Request-Id", info.request_id});
  out.push_back({"X-Request-Start", fmt::format("{}", info.start_ms)});
  return out;
}

http::Headers clientResponseHeaders(const http::Headers& backend) {
  return withoutHopByHop(backend);
}

namespace {

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

bool hasConnectionHeader(const http::Headers& headers) {
  for (const auto& h : headers)
    if (base::iequals(h.name, "Connection")) return true;
  return false;
}

}  // namespace

void appendBackendHead(std::string& out, const http::Request& req, const ForwardInfo& info,
                       Framing framing, uint64_t content_length, bool upgrade) {
  out.append(req.method);
  out.push_back(' ');
  out.append(req.target);
  out.append(" HTTP/1.1\r\n");
  bool named = hasConnectionHeader(req.headers);
  for (const auto& h : req.headers) {
    std::string_view n = h.name;
    if (isHopByHop(n) || base::iequals(n, "Expect") || base::iequals(n, "Content-Length") ||
        base::iequals(n, "X-Forwarded-For") || base::iequals(n, "X-Forwarded-Proto") ||
        base::iequals(n, "X-Vcap-Request-Id") || base::iequals(n, "X-Request-Start"))
      continue;
    if (named && namedByConnection(req.headers, n)) continue;
    appendHeader(out, n, h.value);
  }
  appendHeader(out, "X-Forwarded-For", info.forwarded_for);
  appendHeader(out, "X-Forwarded-Proto", info.forwarded_proto);
  appendHeader(out, "X-Vcap-Request-Id", info.request_id);
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, info.start_ms);
  appendHeader(out, "X-Request-Start", std::string_view(num, end - num));
  if (framing == Framing::kLength) {
    auto [e2, ec2] = std::to_chars(num, num + sizeof num, content_length);
    appendHeader(out, "Content-Length", std::string_view(num, e2 - num));
  } else if (framing == Framing::kChunked) {
    appendHeader(out, "Transfer-Encoding", "chunked");
  }
  if (upgrade) {
    appendHeader(out, "Connection", "Upgrade");
    if (const std::string* u = req.header("Upgrade")) appendHeader(out, "Upgrade", *u);
  }
  out.append("\r\n");
}

void appendClientHead(std::string& out, int status, std::string_view reason,
                      const http::Headers& backend, Framing framing, bool keep_alive,
                      const http::Headers& extra) {
  char num[24];
  auto [end, ec] = std::to_chars(num, num + sizeof num, status);
  out.append("HTTP/1.1 ");
  out.append(num, end - num);
  out.push_back(' ');
  out.append(reason.empty() ? std::string_view(http::statusText(status)) : reason);
  out.append("\r\n");
  bool named = hasConnectionHeader(backend);
  bool keep_length = framing == Framing::kLength || framing == Framing::kNone;
  for (const auto& h : backend) {
    std::string_view n = h.name;
    if (isHopByHop(n)) continue;
    if (!keep_length && base::iequals(n, "Content-Length")) continue;
    if (named && namedByConnection(backend, n)) continue;
    appendHeader(out, n, h.value);
  }
  for (const auto& h : extra) appendHeader(out, h.name, h.value);
  if (framing == Framing::kChunked) appendHeader(out, "Transfer-Encoding", "chunked");
  if (status == 101) {
    appendHeader(out, "Connection", "Upgrade");
    if (const std::string* u = http::findHeader(backend, "Upgrade")) appendHeader(out, "Upgrade", *u);
  } else {
    appendHeader(out, "Connection", keep_alive ? "keep-alive" : "close");
  }
  out.append("\r\n");
}

}  // namespace mcf::router
