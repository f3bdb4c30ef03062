// Tests of the proxy's header rewriting.
#include "router/forwarding.h"

#include <doctest/doctest.h>

#include "base/ids.h"

using namespace mcf;
using namespace mcf::router;

namespace {

http::Request request(http::Headers headers) {
  http::Request r;
  r.method = "POST";
  r.target = "/p?q=1";
  r.headers = std::move(headers);
  return r;
}

ForwardInfo info() {
  ForwardInfo i;
  i.client_ip = "10.0.0.9";
  i.request_id = "rid";
  i.start_ms = 1700000000123;
  i.forwarded_for = "1.2.3.4, 10.0.0.9";
  i.forwarded_proto = "https";
  return i;
}

}  // namespace

TEST_CASE("the backend head drops hop-by-hop headers and sets the X- headers") {
  http::Request r = request({{"Host", "app.example.com"},
                             {"Connection", "keep-alive, X-Private"},
                             {"X-Private", "secret"},
                             {"Keep-Alive", "timeout=5"},
                             {"Transfer-Encoding", "chunked"},
                             {"Expect", "100-continue"},
                             {"X-Forwarded-For", "1.2.3.4"},
                             {"X-Vcap-Request-Id", "spoofed"},
                             {"Accept", "*/*"}});
  std::string out;
  appendBackendHead(out, r, info(), Framing::kChunked, 0, false);
  CHECK(out ==
        "POST /p?q=1 HTTP/1.1\r\n"
        "Host: app.example.com\r\n"
        "Accept: */*\r\n"
        "X-Forwarded-For: 1.2.3.4, 10.0.0.9\r\n"
        "X-Forwarded-Proto: https\r\n"
        "X-Vcap-Request-Id: rid\r\n"
        "X-Request-Start: 1700000000123\r\n"
        "Transfer-Encoding: chunked\r\n"
        "\r\n");
}

TEST_CASE("the backend head states the length and keeps an upgrade") {
  http::Request r = request({{"Host", "h"}, {"Content-Length", "5"}});
  std::string out;
  appendBackendHead(out, r, info(), Framing::kLength, 5, false);
  CHECK(out.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(out.find("Connection") == std::string::npos);

  http::Request ws = request({{"Host", "h"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"},
                              {"Sec-WebSocket-Key", "k"}});
  out.clear();
  appendBackendHead(out, ws, info(), Framing::kNone, 0, true);
  CHECK(out.find("Sec-WebSocket-Key: k\r\n") != std::string::npos);
  CHECK(out.find("Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n") != std::string::npos);
  CHECK(out.find("Content-Length") == std::string::npos);
}

TEST_CASE("the client head relays the backend's headers with the proxy's framing") {
  http::Headers backend = {{"Content-Type", "text/plain"},
                           {"Content-Length", "12"},
                           {"Connection", "close"},
                           {"Transfer-Encoding", "chunked"}};
  std::string out;
  appendClientHead(out, 200, "OK", backend, Framing::kLength, true, {});
  CHECK(out ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
        "Connection: keep-alive\r\n\r\n");
  out.clear();
  appendClientHead(out, 404, "", {{"Content-Length", "3"}}, Framing::kChunked, false,
                   {{"Set-Cookie", "__VCAP_ID__=i"}});
  CHECK(out ==
        "HTTP/1.1 404 Not Found\r\nSet-Cookie: __VCAP_ID__=i\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n");
  out.clear();
  appendClientHead(out, 101, "Switching Protocols", {{"Upgrade", "websocket"}}, Framing::kNone,
                   true, {});
  CHECK(out == "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
}

TEST_CASE("request ids are distinct version-4 GUIDs") {
  std::string a = fastGuid(), b = fastGuid();
  CHECK(base::isGuid(a));
  CHECK(base::isGuid(b));
  CHECK(a != b);
  CHECK(a[14] == '4');
}
