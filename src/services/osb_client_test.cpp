#include "services/osb_client.h"

#include <doctest/doctest.h>

#include <optional>

#include "base/strutil.h"
#include "http/server.h"

using namespace mcf;

namespace {

base::Result<services::OsbResponse> call(loop::Loop& loop, services::OsbClient& client,
                                         const model::ServiceBroker& broker,
                                         services::OsbRequest req) {
  std::optional<base::Result<services::OsbResponse>> out;
  client.send(broker, std::move(req), [&](base::Result<services::OsbResponse> r) {
    out.emplace(std::move(r));
  });
  loop.runUntil([&] { return out.has_value(); });
  return std::move(*out);
}

model::ServiceBroker broker(const std::string& url) {
  model::ServiceBroker b;
  b.url = url;
  b.username = "admin";
  b.password = "s3cret";
  return b;
}

// An in-process broker that answers with what it was asked.
class EchoBroker : public services::OsbHandler {
 public:
  void handle(const http::Request& request, std::function<void(http::Response)> done) override {
    seen = request;
    auto r = http::Response::json(202, R"({"operation":"op-1"})");
    r.set("Retry-After", "7");
    done(std::move(r));
  }
  http::Request seen;
};

}  // namespace

TEST_CASE("OSB calls carry the version, basic auth, identities and the query") {
  loop::Loop loop;
  http::Request seen;
  http::Server server(loop, [&](http::Request&& req, http::Responder r) {
    seen = req;
    r.send(http::Response::json(201, R"({"dashboard_url":"http://d"})"));
  });
  REQUIRE(server.listen("127.0.0.1", 0).ok());
  services::OsbClient client(loop, "http://api.localhost:8080/v3/info", 5000);
  services::OsbRequest req;
  req.method = "PUT";
  req.path = "/v2/service_instances/i-1";
  req.query = {{"accepts_incomplete", "true"}, {"plan id", "a&b"}};
  req.body = {{"service_id", "s"}};
  req.user_guid = "user-1";
  auto r = call(loop, client, broker("http://127.0.0.1:" + std::to_string(server.port()) + "/base/"),
                req);
  REQUIRE(r.ok());
  CHECK(r->status == 201);
  CHECK(r->body_is_json);
  CHECK(r->body["dashboard_url"] == "http://d");
  CHECK(seen.method == "PUT");
  CHECK(seen.path == "/base/v2/service_instances/i-1");
  CHECK(seen.query == "accepts_incomplete=true&plan%20id=a%26b");
  CHECK(*seen.header("X-Broker-API-Version") == "2.15");
  CHECK(*seen.header("Authorization") == "Basic " + base::base64Encode("admin:s3cret"));
  CHECK(seen.header("X-Broker-API-Request-Identity")->size() == 36);
  CHECK(*seen.header("X-Broker-API-Originating-Identity") ==
        "cloudfoundry " + base::base64Encode(R"({"user_id":"user-1"})"));
  CHECK(*seen.header("X-Api-Info-Location") == "http://api.localhost:8080/v3/info");
  CHECK(*seen.header("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(seen.body)["service_id"] == "s");
}

TEST_CASE("a body that is not JSON is kept raw for the caller to judge") {
  loop::Loop loop;
  http::Server server(loop, [&](http::Request&&, http::Responder r) {
    r.send(http::Response::text(201, "not json"));
  });
  REQUIRE(server.listen("127.0.0.1", 0).ok());
  services::OsbClient client(loop, "", 5000);
  auto r = call(loop, client, broker("http://127.0.0.1:" + std::to_string(server.port())),
                {.path = "/v2/catalog"});
  REQUIRE(r.ok());
  CHECK(r->status == 201);
  CHECK_FALSE(r->body_is_json);
  CHECK(r->raw == "not json");
}

TEST_CASE("a broker that is down is kUnavailable; one that does not answer in time is kIo") {
  loop::Loop loop;
  services::OsbClient client(loop, "", 300);
  {
    http::Server server(loop, [](http::Request&&, http::Responder) {});
    REQUIRE(server.listen("127.0.0.1", 0).ok());
    int port = server.port();
    std::vector<http::Responder> held;
    http::Server slow(loop, [&](http::Request&&, http::Responder r) { held.push_back(r); });
    REQUIRE(slow.listen("127.0.0.1", 0).ok());
    auto late = call(loop, client, broker("http://127.0.0.1:" + std::to_string(slow.port())),
                     {.path = "/v2/catalog"});
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().code == base::Errc::kIo);
    CHECK(late.error().message.find("did not answer within 1 seconds") != std::string::npos);
    server.close();
    auto down = call(loop, client, broker("http://127.0.0.1:" + std::to_string(port)),
                     {.path = "/v2/catalog"});
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == base::Errc::kUnavailable);
    CHECK(down.error().message.find("could not be reached") != std::string::npos);
    CHECK(down.error().message.find("Check that it is running") != std::string::npos);
  }
}

TEST_CASE("builtin:// brokers are called in process with the same request") {
  loop::Loop loop;
  services::OsbClient client(loop, "http://api/v3/info", 5000);
  EchoBroker echo;
  client.addBuiltin("echo", &echo);
  CHECK(client.checkUrl("builtin://echo").ok());
  CHECK_FALSE(client.checkUrl("builtin://nope").ok());
  services::OsbRequest req;
  req.method = "DELETE";
  req.path = "/v2/service_instances/i-9";
  req.query = {{"service_id", "s"}};
  auto r = call(loop, client, broker("builtin://echo"), req);
  REQUIRE(r.ok());
  CHECK(r->status == 202);
  CHECK(r->retry_after_s == 7);
  CHECK(r->body["operation"] == "op-1");
  CHECK(echo.seen.method == "DELETE");
  CHECK(echo.seen.path == "/v2/service_instances/i-9");
  CHECK(echo.seen.query == "service_id=s");
  CHECK(*echo.seen.header("X-Broker-API-Version") == "2.15");
}

TEST_CASE("broker URLs the client cannot call are refused with what to give instead") {
  loop::Loop loop;
  services::OsbClient client(loop, "", 5000);
  CHECK(client.checkUrl("http://127.0.0.1:9000").ok());
  CHECK(client.checkUrl("https://b.example.com").error().message.find("uses https") !=
        std::string::npos);
  CHECK(client.checkUrl("ftp://x").error().message.find("not a valid http URL") !=
        std::string::npos);
  CHECK(client.checkUrl("http://u:p@127.0.0.1/").error().message.find("must not contain "
                                                                       "credentials") !=
        std::string::npos);
}
