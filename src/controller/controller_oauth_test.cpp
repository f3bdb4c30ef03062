// Tests of per-request links, the client registry and client_credentials grant, tokens of
// deleted users, and login throttling, through Controller::handle.
#include <doctest/doctest.h>

#include "auth/password.h"
#include "base/strutil.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

TEST_CASE("links follow the Host and scheme the client used, for the API's own names only") {
  Harness h;
  auto links = [&](http::Headers headers, const std::string& target = "/") {
    return json::parse(h.request("GET", target, "", std::move(headers)).body).at("links");
  };
  json local = links({{"Host", "localhost:8080"}});
  CHECK(local["self"]["href"] == "http://localhost:8080");
  CHECK(local["cloud_controller_v3"]["href"] == "http://localhost:8080/v3");
  CHECK(local["login"]["href"] == "http://localhost:8080");
  CHECK(local["uaa"]["href"] == "http://localhost:8080");
  CHECK(local["log_cache"]["href"] == "http://localhost:8080");
  CHECK(links({{"Host", "127.0.0.1:8080"}}, "/v3")["apps"]["href"] ==
        "http://127.0.0.1:8080/v3/apps");
  json login = json::parse(h.request("GET", "/login", "", {{"Host", "localhost:8080"}}).body);
  CHECK(login["links"]["login"] == "http://localhost:8080");
  CHECK(login["links"]["uaa"] == "http://localhost:8080");

  // Over the HTTPS listener (the router says so): https links on the TLS port.
  json tls = links({{"Host", "api.localhost:8443"}, {"X-Forwarded-Proto", "https"}});
  CHECK(tls["login"]["href"] == "https://api.localhost:8443");
  CHECK(tls["cloud_controller_v3"]["href"] == "https://api.localhost:8443/v3");

  // A foreign name, a wrong port, junk: the configured api_url.
  for (std::string host : {"evil.example:8080", "localhost:9999", "localhost:80x", "localhost",
                           "api.localhost:8080@evil"}) {
    CAPTURE(host);
    CHECK(links({{"Host", host}})["login"]["href"] == "http://api.localhost:8080");
  }
  CHECK(links({})["login"]["href"] == "http://api.localhost:8080");
  CHECK(links({{"Host", "localhost:8080"}, {"X-Forwarded-Proto", "https"}})["login"]["href"] ==
        "http://api.localhost:8080");

  // Links of lists and pagination, and a job's Location, follow too.
  std::string token = h.login("admin", h.admin_password);
  http::Headers as_local = {{"Host", "localhost:8080"}, {"Authorization", "bearer " + token}};
  json orgs = json::parse(h.request("GET", "/v3/organizations?per_page=1", "", as_local).body);
  CHECK(orgs["pagination"]["first"]["href"] ==
        "http://localhost:8080/v3/organizations?page=1&per_page=1");
  CHECK(orgs["resources"][0]["links"]["self"]["href"].get<std::string>().starts_with(
                         "http://localhost:8080/v3/organizations/"));
  std::string app = h.createApp("linked");
  http::Response deleted = h.request("DELETE", "/v3/apps/" + app, "", as_local);
  CHECK(deleted.status == 202);
  REQUIRE(deleted.header("Location") != nullptr);
  CHECK(deleted.header("Location")->starts_with("http://localhost:8080/v3/jobs/"));
}

namespace {

http::Response token(Harness& h, const std::string& form, http::Headers headers = {}) {
  headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  return h.request("POST", "/oauth/token", form, std::move(headers));
}

const http::Header kCfClient = {"Authorization", "Basic Y2Y6"};  // "cf:"

std::string basic(const std::string& id, const std::string& secret) {
  return "Basic " + base::base64Encode(id + ":" + secret);
}

}  // namespace

TEST_CASE("admins register OAuth clients; client_credentials tokens act as the client") {
  Harness h;
  http::Response made = h.as_admin("POST", "/oauth/clients", json({
      {"client_id", "deployer"},
      {"client_secret", "s3cret"},
      {"scope", {"uaa.none"}},
      {"authorized_grant_types", {"client_credentials"}},
      {"authorities", {"cloud_controller.admin"}}}).dump());
  REQUIRE(made.status == 201);
  json client = json::parse(made.body);
  CHECK(client["client_id"] == "deployer");
  CHECK(client["authorities"] == json({"cloud_controller.admin"}));
  CHECK_FALSE(client.contains("client_secret"));
  CHECK(h.as_admin("POST", "/oauth/clients",
                   json({{"client_id", "deployer"}, {"client_secret", "x"}}).dump()).status == 409);
  json listed = json::parse(h.as_admin("GET", "/oauth/clients").body);
  REQUIRE(listed["resources"].size() == 1);
  CHECK(listed["resources"][0]["client_id"] == "deployer");

  // HTTP Basic or form fields.
  http::Response issued = token(h, "grant_type=client_credentials",
                                {{"Authorization", basic("deployer", "s3cret")}});
  REQUIRE(issued.status == 200);
  json body = json::parse(issued.body);
  CHECK(body["token_type"] == "bearer");
  CHECK(body["scope"] == "cloud_controller.admin");
  CHECK_FALSE(body.contains("refresh_token"));
  CHECK(token(h, "grant_type=client_credentials&client_id=deployer&client_secret=s3cret").status ==
        200);
  http::Response wrong = token(h, "grant_type=client_credentials",
                               {{"Authorization", basic("deployer", "nope")}});
  CHECK(wrong.status == 401);
  CHECK(json::parse(wrong.body)["error"] == "invalid_client");
  CHECK(token(h, "grant_type=client_credentials", {{"Authorization", basic("ghost", "x")}})
            .status == 401);
  CHECK(token(h, "grant_type=client_credentials", {kCfClient}).status == 401);

  // The token works on the API; the client is the actor of what it does.
  http::Headers bearer = {{"Authorization", "bearer " + body["access_token"].get<std::string>()}};
  json orgs = json::parse(h.request("GET", "/v3/organizations", "", bearer).body);
  CHECK(orgs["pagination"]["total_results"] == 1);
  json app = json::parse(h.request("POST", "/v3/apps", json({
      {"name", "by-client"},
      {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}}}}}).dump(), bearer).body);
  REQUIRE(app.contains("guid"));
  json events = h.call("GET", "/v3/audit_events?types=audit.app.create");
  REQUIRE(events["resources"].size() == 1);
  CHECK(events["resources"][0]["actor"]["guid"] == "deployer");

  // Deleting the client ends its tokens at once.
  CHECK(h.as_admin("DELETE", "/oauth/clients/deployer").status == 200);
  CHECK(h.as_admin("DELETE", "/oauth/clients/deployer").status == 404);
  http::Response gone = h.request("GET", "/v3/organizations", "", bearer);
  CHECK(gone.status == 401);
  CHECK(json::parse(gone.body)["errors"][0]["title"] == "CF-InvalidAuthToken");
}

TEST_CASE("only admins manage clients; the token endpoint needs client authentication") {
  Harness h;
  model::User dev;
  dev.username = "dev";
  dev.password_hash = auth::hashPassword("devpass");
  dev = h.store().createUser(dev).value();
  http::Headers bearer = {{"Authorization", "bearer " + h.login("dev", "devpass")}};
  http::Response denied = h.request("POST", "/oauth/clients",
                                    json({{"client_id", "x"}, {"client_secret", "y"}}).dump(),
                                    bearer);
  CHECK(denied.status == 403);
  CHECK(json::parse(denied.body)["error"] == "insufficient_scope");
  CHECK(h.request("GET", "/oauth/clients", "", bearer).status == 403);
  CHECK(h.request("GET", "/oauth/clients").status == 401);

  http::Response anonymous = token(h, "grant_type=password&username=dev&password=devpass");
  CHECK(anonymous.status == 401);
  CHECK(json::parse(anonymous.body)["error"] == "unauthorized");
  CHECK(token(h, "grant_type=password&username=dev&password=devpass",
              {{"Authorization", basic("cf", "secret")}}).status == 401);
  http::Response missing = token(h, "grant_type=password&username=dev", {kCfClient});
  CHECK(missing.status == 400);
  CHECK(json::parse(missing.body)["error"] == "invalid_request");
  CHECK(token(h, "username=dev&password=devpass", {kCfClient}).status == 400);
  http::Response odd = token(h, "grant_type=magic", {kCfClient});
  CHECK(odd.status == 400);
  CHECK(json::parse(odd.body)["error"] == "unsupported_grant_type");
}

TEST_CASE("a deleted user's tokens stop working; a demoted admin loses the admin scope") {
  Harness h;
  model::User dev;
  dev.username = "dev";
  dev.admin = true;
  dev.password_hash = auth::hashPassword("devpass");
  dev = h.store().createUser(dev).value();
  json grant = json::parse(
      token(h, "grant_type=password&username=dev&password=devpass", {kCfClient}).body);
  http::Headers bearer = {{"Authorization", "bearer " + grant["access_token"].get<std::string>()}};
  std::string app = h.createApp("admins-only");
  CHECK(h.request("GET", "/v3/apps/" + app, "", bearer).status == 200);

  dev.admin = false;
  REQUIRE(h.store().updateUser(dev).ok());
  CHECK(h.request("GET", "/v3/apps/" + app, "", bearer).status == 404);

  // A token for a user that is not (any more) in the store.
  model::User ghost = dev;
  ghost.guid = "00000000-0000-0000-0000-00000000dead";
  http::Response gone = h.request(
      "GET", "/v3/organizations", "",
      {{"Authorization", "bearer " + h.tokens.issueAccess(ghost, "password")}});
  CHECK(gone.status == 401);
  CHECK(json::parse(gone.body)["errors"][0]["title"] == "CF-InvalidAuthToken");
  http::Response refreshed =
      token(h, "grant_type=refresh_token&refresh_token=" + h.tokens.issueRefresh(ghost),
            {kCfClient});
  CHECK(refreshed.status == 401);
  CHECK(json::parse(refreshed.body)["error"] == "invalid_token");
}

TEST_CASE("five wrong passwords lock the username; the right one is refused while locked") {
  Harness h;
  auto attempt = [&](const std::string& password) {
    return token(h, "grant_type=password&username=admin&password=" + password, {kCfClient});
  };
  for (int i = 0; i < 5; ++i) {
    http::Response r = attempt("wrong");
    CHECK(r.status == 401);
    CHECK(json::parse(r.body)["error_description"] == "Bad credentials");
  }
  http::Response locked = attempt(h.admin_password);
  CHECK(locked.status == 401);
  CHECK(json::parse(locked.body)["error_description"] ==
        "Your account has been locked because of too many failed attempts to login. Try again "
        "in 5 minutes.");
  h.clock.advanceMs(301 * 1000);
  CHECK(attempt(h.admin_password).status == 200);
  // A success clears the count: four more failures do not lock.
  for (int i = 0; i < 4; ++i) CHECK(attempt("wrong").status == 401);
  CHECK(attempt(h.admin_password).status == 200);
}
