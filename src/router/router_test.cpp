// End-to-end router tests on loopback: a real public port, real backends, real retries.
#include "router/router.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <tuple>

#include "base/ids.h"
#include "base/strutil.h"
#include "http/client.h"

using namespace mcf;
using namespace mcf::router;

namespace {

// A port nobody listens on: bound, never listened, closed.
int deadPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Backend {
  Backend(loop::Loop& loop, std::string n)
      : name(std::move(n)), server(loop, [this](http::Request&& r, http::Responder resp) {
          last = std::move(r);
          ++hits;
          http::Response out = http::Response::text(last.method == "POST" ? 201 : 200, name);
          out.set("X-Backend", name);
          if (last.method == "POST") out.body = name + ":" + last.body;
          resp.send(std::move(out));
        }) {
    REQUIRE(server.listen("127.0.0.1", 0).ok());
  }
  int port() const { return server.port(); }

  std::string name;
  http::Server server;
  http::Request last;
  int hits = 0;
};

struct Fixture {
  Fixture()
      : router(
            loop, table, RouterConfig{},
            [this](http::Request&& r, http::Responder resp) {
              api_request = std::move(r);
              resp.send(http::Response::json(200, "{\"api\":true}"));
            },
            [this](const AccessRecord& rec) {
              logs.emplace_back(rec.app_guid, rec.app_index, formatAccessLine(rec));
            }) {
    REQUIRE(router.listen("127.0.0.1", 0).ok());
  }

  base::Result<http::Response> call(const std::string& host, const std::string& target = "/",
                                    http::Headers headers = {}, std::string method = "GET",
                                    std::string body = "") {
    http::ClientRequest req;
    req.method = std::move(method);
    req.host = "127.0.0.1";
    req.port = router.port();
    req.target = target;
    req.headers = std::move(headers);
    req.headers.push_back({"Host", host});
    req.body = std::move(body);
    http::Client client(loop);
    std::optional<base::Result<http::Response>> out;
    client.request(req, [&](base::Result<http::Response> r) { out.emplace(std::move(r)); });
    loop.runUntil([&] { return out.has_value(); });
    REQUIRE(out.has_value());
    return std::move(*out);
  }

  void addInstance(const std::string& app, int index, int port) {
    table.addEndpoint(Endpoint{app, app + "-i" + std::to_string(index), index, "127.0.0.1", port});
  }

  loop::Loop loop;
  RouteTable table;
  std::optional<http::Request> api_request;
  std::vector<std::tuple<std::string, int, std::string>> logs;
  Router router;
};

}  // namespace

TEST_CASE("round robin alternates between instances and the backend sees the X- headers") {
  Fixture f;
  Backend a(f.loop, "backend-a"), b(f.loop, "backend-b");
  f.table.mapRoute("myapp.localhost", "", "app1");
  f.addInstance("app1", 0, a.port());
  f.addInstance("app1", 1, b.port());

  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto r = f.call("MyApp.localhost:8080", "/x?y=1", {{"User-Agent", "test-agent"}});
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    bodies.push_back(r->body);
  }
  CHECK(bodies[0] != bodies[1]);
  CHECK(bodies[0] == bodies[2]);
  CHECK(bodies[1] == bodies[3]);
  CHECK(a.hits == 2);
  CHECK(b.hits == 2);

  const http::Request& seen = a.last;
  CHECK(seen.target == "/x?y=1");
  CHECK(*seen.header("Host") == "MyApp.localhost:8080");
  CHECK(*seen.header("X-Forwarded-For") == "127.0.0.1");
  CHECK(*seen.header("X-Forwarded-Proto") == "http");
  CHECK(base::isGuid(*seen.header("X-Vcap-Request-Id")));
  CHECK(seen.header("X-Request-Start")->size() == 13);

  REQUIRE(f.logs.size() == 4);
  const auto& [app, index, line] = f.logs[0];
  CHECK(app == "app1");
  CHECK(line.starts_with("myapp.localhost - ["));
  CHECK(line.find("] \"GET /x?y=1 HTTP/1.1\" 200 0 9 \"-\" \"test-agent\" 127.0.0.1:") !=
        std::string::npos);
  CHECK(
      line.find(fmt::format(
          " 127.0.0.1:{} x_forwarded_for:\"127.0.0.1\" x_forwarded_proto:\"http\" vcap_request_id:",
          index == 0 ? a.port() : b.port())) != std::string::npos);
  CHECK(line.ends_with(fmt::format(" app_id:app1 app_index:{}", index)));
  CHECK(std::get<1>(f.logs[0]) != std::get<1>(f.logs[1]));
}

TEST_CASE("unknown hosts get Gorouter's 404; routes without instances get 503") {
  Fixture f;
  auto r = f.call("nope.localhost");
  REQUIRE(r.ok());
  CHECK(r->status == 404);
  CHECK(*r->header("X-Cf-RouterError") == "unknown_route");
  CHECK(r->header("Content-Type")->starts_with("text/plain"));
  CHECK(r->body == "Requested route ('nope.localhost') does not exist.\n");

  f.table.mapRoute("idle.localhost", "", "stopped-app");
  auto idle = f.call("idle.localhost");
  REQUIRE(idle.ok());
  CHECK(idle->status == 503);
  CHECK(*idle->header("X-Cf-RouterError") == "no_endpoints");
  CHECK(idle->body == "Requested route ('idle.localhost') has no available endpoints.\n");
  CHECK(f.logs.empty());
}

TEST_CASE("the API host goes to the API handler in-process") {
  Fixture f;
  for (std::string host : {"api.localhost:8080", "API.LOCALHOST", "localhost"}) {
    f.api_request.reset();
    auto r = f.call(host, "/v3/info");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "{\"api\":true}");
    REQUIRE(f.api_request.has_value());
    CHECK(f.api_request->path == "/v3/info");
    CHECK(f.api_request->header("X-Vcap-Request-Id") != nullptr);
  }
}

TEST_CASE("API bodies: 1 MiB for JSON, the large limit only for uploads; 413 is a CF error") {
  Fixture f;
  std::string big((size_t(1) << 20) + 1, 'x');
  auto r = f.call("api.localhost", "/v3/apps", {{"Content-Type", "application/json"}}, "POST",
                  big);
  REQUIRE(r.ok());
  CHECK(r->status == 413);
  CHECK(r->header("Content-Type") != nullptr);
  CHECK(r->header("Content-Type")->starts_with("application/json"));
  auto e = nlohmann::json::parse(r->body)["errors"][0];
  CHECK(e["code"] == 10008);
  CHECK(e["title"] == "CF-UnprocessableEntity");
  CHECK(e["detail"] == fmt::format("Request body is {} bytes; the limit is 1 MiB for API "
                                   "requests (only package, buildpack and droplet uploads may "
                                   "be larger). Send a smaller request.", big.size()));
  // Exactly 1 MiB is fine.
  f.api_request.reset();
  r = f.call("api.localhost", "/v3/apps", {}, "POST", std::string(size_t(1) << 20, 'x'));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  // Uploads keep the large limit.
  for (std::string path : {"/v3/packages/p1/upload", "/v3/buildpacks/b1/upload",
                           "/v3/droplets/d1/upload"}) {
    CAPTURE(path);
    f.api_request.reset();
    r = f.call("api.localhost", path, {}, "POST", big);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    REQUIRE(f.api_request.has_value());
    CHECK(f.api_request->body.size() == big.size());
  }
  // Near misses are JSON requests.
  for (std::string path : {"/v3/packages/upload", "/v3/packages/p1/upload/x",
                           "/v3/apps/a1/upload"}) {
    CAPTURE(path);
    r = f.call("api.localhost", path, {}, "POST", big);
    REQUIRE(r.ok());
    CHECK(r->status == 413);
  }
}

TEST_CASE("the API handler gets X-Forwarded-Proto from the router, never the client's") {
  Fixture f;
  auto r = f.call("api.localhost", "/", {{"X-Forwarded-Proto", "https"}});
  REQUIRE(r.ok());
  REQUIRE(f.api_request.has_value());
  int seen = 0;
  for (const auto& [k, v] : f.api_request->headers) {
    if (base::iequals(k, "X-Forwarded-Proto")) {
      ++seen;
      CHECK(v == "http");
    }
  }
  CHECK(seen == 1);
}

TEST_CASE("a dead instance is retried on a live one; all dead is a 502") {
  Fixture f;
  Backend live(f.loop, "live");
  f.table.mapRoute("flaky.localhost", "", "app1");
  f.addInstance("app1", 0, deadPort());
  f.addInstance("app1", 1, live.port());
  for (int i = 0; i < 4; ++i) {
    auto r = f.call("flaky.localhost");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "live");
  }
  CHECK(live.hits == 4);
  REQUIRE(f.logs.size() == 4);
  for (const auto& [app, index, line] : f.logs) CHECK(index == 1);

  f.table.mapRoute("dead.localhost", "", "app2");
  f.addInstance("app2", 0, deadPort());
  f.addInstance("app2", 1, deadPort());
  auto r = f.call("dead.localhost");
  REQUIRE(r.ok());
  CHECK(r->status == 502);
  CHECK(*r->header("X-Cf-RouterError") == "endpoint_failure");
  CHECK(std::get<2>(f.logs.back()).find("\" 502 ") != std::string::npos);
}

TEST_CASE("X-Cf-App-Instance pins an instance; a bad or unknown one is a 400") {
  Fixture f;
  Backend a(f.loop, "a"), b(f.loop, "b");
  f.table.mapRoute("pin.localhost", "", "app1");
  f.addInstance("app1", 0, a.port());
  f.addInstance("app1", 1, b.port());
  for (int i = 0; i < 3; ++i) {
    auto r = f.call("pin.localhost", "/", {{"X-Cf-App-Instance", "app1:1"}});
    REQUIRE(r.ok());
    CHECK(r->body == "b");
  }
  for (std::string bad : {"app1:7", "app1", "app1:x", ":1", "other:0"}) {
    auto r = f.call("pin.localhost", "/", {{"X-Cf-App-Instance", bad}});
    REQUIRE(r.ok());
    CHECK_MESSAGE(r->status == 400, bad);
    CHECK(*r->header("X-Cf-RouterError") == "invalid_cf_app_instance_header");
  }
}

TEST_CASE("bodies, statuses and response headers pass through; paths pick routes") {
  Fixture f;
  Backend root(f.loop, "root"), api(f.loop, "api");
  f.table.mapRoute("paths.localhost", "", "root-app");
  f.table.mapRoute("paths.localhost", "/api", "api-app");
  f.addInstance("root-app", 0, root.port());
  f.addInstance("api-app", 0, api.port());

  auto posted = f.call("paths.localhost", "/api/things", {}, "POST", std::string("x\0y", 3));
  REQUIRE(posted.ok());
  CHECK(posted->status == 201);
  CHECK(posted->body == std::string("api:x\0y", 7));
  CHECK(*posted->header("X-Backend") == "api");
  CHECK(api.last.path == "/api/things");

  auto other = f.call("paths.localhost", "/apix");
  REQUIRE(other.ok());
  CHECK(other->body == "root");

  auto head = f.call("paths.localhost", "/", {}, "HEAD");
  REQUIRE(head.ok());
  CHECK(head->body.empty());
  CHECK(*head->header("Content-Length") == "4");  // what GET would send, relayed
}
