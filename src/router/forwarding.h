// Header rules of a reverse proxy: hop-by-hop removal (RFC 9110 §7.6), Gorouter's X- headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace mcf::router {

// Connection-specific headers that must not be forwarded (and any the Connection header names).
bool isHopByHop(std::string_view name);

// "127.0.0.1:5555" → "127.0.0.1"; "[::1]:5555" → "::1".
std::string clientIp(const std::string& remote_addr);

struct ForwardInfo {
  std::string client_ip;
  std::string request_id;  // X-Vcap-Request-Id to send
  int64_t start_ms = 0;    // X-Request-Start
};

// The client's request id if it sent one, else a new GUID.
std::string requestId(const http::Request& req);
// X-Forwarded-For with the client appended.
std::string forwardedFor(const http::Request& req, const std::string& client_ip);
// The client's X-Forwarded-Proto (a TLS terminator in front of us) or "http".
std::string forwardedProto(const http::Request& req);

// The request headers for the backend: the client's minus hop-by-hop ones (and Expect,
// which this proxy already answered), plus X-Forwarded-For/-Proto, X-Vcap-Request-Id and
// X-Request-Start. Host passes through unchanged.
http::Headers backendRequestHeaders(const http::Request& req, const ForwardInfo& info);
// The backend's response headers minus hop-by-hop ones.
http::Headers clientResponseHeaders(const http::Headers& backend);

}  // namespace mcf::router
