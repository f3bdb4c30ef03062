// Proxy header rules.
#include "router/forwarding.h"

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
  return id && !id->empty() ? *id : base::newGuid();
}

std::string forwardedFor(const http::Request& req, const std::string& client_ip) {
  const std::string* xff = req.header("X-Forwarded-For");
  return xff && !xff->empty() ? *xff + ", " + client_ip : client_ip;
}

std::string forwardedProto(const http::Request& req) {
  const std::string* proto = req.header("X-Forwarded-Proto");
  return proto && !proto->empty() ? *proto : "http";
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

}  // namespace mcf::router
