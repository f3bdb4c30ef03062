// Tests of the RTR line layout and the proxy header rules.
#include "router/access_log.h"

#include <doctest/doctest.h>

#include "base/ids.h"
#include "router/forwarding.h"

using namespace mcf;
using namespace mcf::router;

TEST_CASE("the RTR line has Gorouter's layout") {
  AccessRecord r;
  r.host = "myapp.localhost";
  r.start_ns = int64_t{1714557600} * 1000000000 + 123456789;  // 2024-05-01 10:00:00.123 UTC
  r.method = "GET";
  r.target = "/p?x=1";
  r.status = 200;
  r.request_bytes = 0;
  r.response_bytes = 5;
  r.user_agent = "curl/8.5.0";
  r.client_addr = "127.0.0.1:5555";
  r.backend_addr = "127.0.0.1:61001";
  r.x_forwarded_for = "127.0.0.1";
  r.request_id = "8a8ae2f0-34fc-4d3e-6a0e-3d6a9bd6a5e6";
  r.response_seconds = 0.0031;
  r.app_guid = "app-guid";
  r.app_index = 1;
  CHECK(formatAccessLine(r) ==
        "myapp.localhost - [01/05/2024:10:00:00.123 +0000] \"GET /p?x=1 HTTP/1.1\" 200 0 5 \"-\" "
        "\"curl/8.5.0\" 127.0.0.1:5555 127.0.0.1:61001 x_forwarded_for:\"127.0.0.1\" "
        "x_forwarded_proto:\"http\" vcap_request_id:8a8ae2f0-34fc-4d3e-6a0e-3d6a9bd6a5e6 "
        "response_time:0.003100 app_id:app-guid app_index:1");
}

TEST_CASE("the RTR time has the second of each request and zero-padded milliseconds") {
  int64_t base_ns = int64_t{1714557600} * 1000000000;  // 2024-05-01 10:00:00 UTC
  CHECK(formatAccessTime(base_ns + 7000000) == "01/05/2024:10:00:00.007 +0000");
  CHECK(formatAccessTime(base_ns + 999999999) == "01/05/2024:10:00:00.999 +0000");
  CHECK(formatAccessTime(base_ns + 1000000000) == "01/05/2024:10:00:01.000 +0000");
  CHECK(formatAccessTime(base_ns + int64_t{86400} * 1000000000 + 42000000) ==
        "02/05/2024:10:00:00.042 +0000");
  CHECK(formatAccessTime(base_ns) == "01/05/2024:10:00:00.000 +0000");
}

TEST_CASE("forwarded requests lose hop-by-hop headers and gain the X- headers") {
  http::Request req;
  req.headers = {{"Host", "a.localhost:8080"},
                 {"Connection", "keep-alive, X-Private"},
                 {"X-Private", "secret"},
                 {"Keep-Alive", "timeout=5"},
                 {"Expect", "100-continue"},
                 {"X-Forwarded-For", "10.0.0.1"},
                 {"X-Vcap-Request-Id", "given-id"},
                 {"Content-Length", "3"},
                 {"Accept", "*/*"}};
  req.remote_addr = "[::1]:4000";
  ForwardInfo info{clientIp(req.remote_addr), requestId(req), 1714557600123};
  CHECK(info.client_ip == "::1");
  CHECK(info.request_id == "given-id");
  http::Headers out = backendRequestHeaders(req, info);
  CHECK(*http::findHeader(out, "Host") == "a.localhost:8080");
  CHECK(*http::findHeader(out, "Accept") == "*/*");
  for (const char* gone : {"Connection", "X-Private", "Keep-Alive", "Expect", "Content-Length"})
    CHECK_MESSAGE(http::findHeader(out, gone) == nullptr, gone);
  CHECK(*http::findHeader(out, "X-Forwarded-For") == "10.0.0.1, ::1");
  CHECK(*http::findHeader(out, "X-Forwarded-Proto") == "http");
  CHECK(*http::findHeader(out, "X-Vcap-Request-Id") == "given-id");
  CHECK(*http::findHeader(out, "X-Request-Start") == "1714557600123");

  http::Request bare;
  CHECK(base::isGuid(requestId(bare)));
  CHECK(clientIp("127.0.0.1:5555") == "127.0.0.1");
}

TEST_CASE("backend responses lose hop-by-hop headers") {
  http::Headers out = clientResponseHeaders({{"Content-Type", "text/html"},
                                             {"Transfer-Encoding", "chunked"},
                                             {"Connection", "close"},
                                             {"Set-Cookie", "a=b"}});
  CHECK(out.size() == 2);
  CHECK(*http::findHeader(out, "Set-Cookie") == "a=b");
}
