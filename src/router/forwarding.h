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
  std::string forwarded_for;    // X-Forwarded-For to send (appendBackendHead)
  std::string forwarded_proto;  // X-Forwarded-Proto to send (appendBackendHead)
};

// The client's request id if it sent one, else a new GUID.
std::string requestId(const http::Request& req);
// A random version-4 GUID from a generator seeded once from the kernel (no syscall per
// request): for request ids, which must be unique, not secret.
std::string fastGuid();
// X-Forwarded-For with the client appended.
std::string forwardedFor(const http::Request& req, const std::string& client_ip);
// The client's X-Forwarded-Proto (a TLS terminator in front of us) or the scheme it came in
// with ("http", or "https" on the HTTPS port).
std::string forwardedProto(const http::Request& req, const char* scheme = "http");

// The request headers for the backend: the client's minus hop-by-hop ones (and Expect,
// which this proxy already answered), plus X-Forwarded-For/-Proto, X-Vcap-Request-Id and
// X-Request-Start. Host passes through unchanged.
http::Headers backendRequestHeaders(const http::Request& req, const ForwardInfo& info);
// The backend's response headers minus hop-by-hop ones.
http::Headers clientResponseHeaders(const http::Headers& backend);

// How a message's body is delimited on the wire.
enum class Framing { kNone, kLength, kChunked, kClose };

// Appends the request head the proxy sends to a backend: "METHOD target HTTP/1.1", the
// client's headers minus hop-by-hop ones, Expect (this proxy answers 100-continue itself)
// and the X- headers it sets, then X-Forwarded-For/-Proto, X-Vcap-Request-Id,
// X-Request-Start from info, the body framing (Content-Length: content_length for kLength,
// Transfer-Encoding: chunked for kChunked; the body is re-framed in chunks), and for an
// upgrade "Connection: Upgrade" with the client's Upgrade header. Host passes unchanged.
void appendBackendHead(std::string& out, const http::Request& req, const ForwardInfo& info,
                       Framing framing, uint64_t content_length, bool upgrade);

// Appends the response head the proxy sends to its client: "HTTP/1.1 status reason", the
// backend's headers minus hop-by-hop ones (but Content-Length kept for kLength and for a
// body-less answer such as HEAD's), "Transfer-Encoding: chunked" for kChunked, extra
// headers, and Connection: keep-alive|close (Connection: Upgrade and Upgrade for a 101).
void appendClientHead(std::string& out, int status, std::string_view reason,
                      const http::Headers& backend, Framing framing, bool keep_alive,
                      const http::Headers& extra);

}  // namespace mcf::router
