// Tests of discovery, login, tokens and authentication through Controller::handle.
#include <doctest/doctest.h>

#include "base/strutil.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

TEST_CASE("GET / advertises the v3 API and the login, uaa and log-cache links without a token") {
  Harness h;
  http::Response r = h.request("GET", "/");
  CHECK(r.status == 200);
  json links = json::parse(r.body).at("links");
  CHECK(links["cloud_controller_v3"]["href"] == "http://api.localhost:8080/v3");
  CHECK(links["cloud_controller_v3"]["meta"]["version"] == "3.180.0");
  CHECK(links["login"]["href"] == "http://api.localhost:8080");
  CHECK(links["uaa"]["href"] == "http://api.localhost:8080");
  CHECK(links["log_cache"]["href"] == "http://api.localhost:8080");
  CHECK(links["app_ssh"].is_null());
  CHECK(links["credhub"].is_null());

  json login = json::parse(h.request("GET", "/login").body);
  CHECK(login["prompts"]["username"] == json({"text", "Email"}));
  CHECK(login["prompts"]["password"] == json({"password", "Password"}));
  CHECK(login["prompts"].size() == 2);
  CHECK(json::parse(h.request("GET", "/v3").body)["links"]["apps"]["href"] ==
        "http://api.localhost:8080/v3/apps");
  CHECK(json::parse(h.request("GET", "/v3/info").body)["name"] == "microcf");
}

TEST_CASE("seeding twice keeps the first admin password") {
  Harness h;
  CHECK(h.admin_password.size() >= 16);
  auto again = h.controller->seed();
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(h.call("GET", "/v3/organizations")["pagination"]["total_results"] == 1);
}

TEST_CASE("the password grant answers a UAA token response, and bad credentials a 401") {
  Harness h;
  http::Response good = h.request(
      "POST", "/oauth/token", "grant_type=password&username=admin&password=" + h.admin_password,
      {{"Authorization", "Basic Y2Y6"}});
  REQUIRE(good.status == 200);
  json t = json::parse(good.body);
  CHECK(t["token_type"] == "bearer");
  CHECK(t["expires_in"] == 43199);
  CHECK(t["scope"].get<std::string>().find("cloud_controller.admin") != std::string::npos);
  CHECK(t["jti"].is_string());
  CHECK(base::split(t["access_token"].get<std::string>(), '.').size() == 3);

  const http::Headers cf = {{"Authorization", "Basic Y2Y6"}};
  http::Response bad = h.request("POST", "/oauth/token",
                                 "grant_type=password&username=admin&password=wrong", cf);
  CHECK(bad.status == 401);
  CHECK(json::parse(bad.body) ==
        json({{"error", "unauthorized"}, {"error_description", "Bad credentials"}}));
  CHECK(h.request("POST", "/oauth/token", "grant_type=password&username=nobody&password=x", cf)
            .status == 401);

  http::Response unsupported = h.request("POST", "/oauth/token", "grant_type=magic", cf);
  CHECK(unsupported.status == 400);
  CHECK(json::parse(unsupported.body)["error"] == "unsupported_grant_type");

  // The refresh token gives a new access token, and is itself refused as a bearer token.
  std::string refresh = t["refresh_token"];
  http::Response refreshed =
      h.request("POST", "/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh, cf);
  REQUIRE(refreshed.status == 200);
  std::string access = json::parse(refreshed.body)["access_token"];
  CHECK(h.request("GET", "/v3/apps", "", {{"Authorization", "bearer " + access}}).status == 200);
  CHECK(h.request("GET", "/v3/apps", "", {{"Authorization", "bearer " + refresh}}).status == 401);
}

TEST_CASE("the API needs a valid bearer token") {
  Harness h;
  http::Response none = h.request("GET", "/v3/apps");
  CHECK(none.status == 401);
  json e = json::parse(none.body)["errors"][0];
  CHECK(e["title"] == "CF-NotAuthenticated");
  CHECK(e["code"] == 10002);
  CHECK(e["detail"] == "Authentication error");

  std::string token = h.login("admin", h.admin_password);
  std::string forged = token.substr(0, token.rfind('.') + 1) + "c2lnbmF0dXJl";
  http::Response bad = h.request("GET", "/v3/apps", "", {{"Authorization", "bearer " + forged}});
  CHECK(bad.status == 401);
  CHECK(json::parse(bad.body)["errors"][0]["title"] == "CF-InvalidAuthToken");
  CHECK(json::parse(bad.body)["errors"][0]["code"] == 1000);

  CHECK(h.request("GET", "/v3/apps", "", {{"Authorization", "BEARER " + token}}).status == 200);
}

TEST_CASE("every response carries X-Vcap-Request-Id, echoed when the client sent one") {
  Harness h;
  http::Response mine = h.request("GET", "/", "", {{"X-Vcap-Request-Id", "abc-123"}});
  REQUIRE(mine.header("X-Vcap-Request-Id"));
  CHECK(*mine.header("X-Vcap-Request-Id") == "abc-123");
  http::Response fresh = h.request("GET", "/v3/nothing-here");
  REQUIRE(fresh.header("X-Vcap-Request-Id"));
  CHECK(fresh.header("X-Vcap-Request-Id")->size() == 36);
  CHECK(fresh.status == 404);
  CHECK(json::parse(fresh.body)["errors"][0]["title"] == "CF-NotFound");
}

TEST_CASE("a user without a role sees no objects: 404, not 403; a role makes them visible") {
  Harness h;
  std::string app = h.createApp("secret");
  // A second, non-admin user with no role anywhere.
  std::string user = h.makeUser("dev");
  http::Response r = h.as("dev", "GET", "/v3/apps/" + app);
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["errors"][0]["detail"] == "App not found");
  json list = json::parse(h.as("dev", "GET", "/v3/apps").body);
  CHECK(list["pagination"]["total_results"] == 0);
  CHECK(json::parse(h.as("dev", "GET", "/v3/organizations").body)["pagination"]
            ["total_results"] == 0);
  // As a space auditor the app is readable, and changing it is forbidden: 403.
  h.grant(user, model::RoleType::kOrganizationUser, h.orgGuid());
  h.grant(user, model::RoleType::kSpaceAuditor, h.spaceGuid());
  CHECK(h.as("dev", "GET", "/v3/apps/" + app).status == 200);
  http::Response stop = h.as("dev", "POST", "/v3/apps/" + app + "/actions/stop");
  CHECK(stop.status == 403);
  json error = json::parse(stop.body)["errors"][0];
  CHECK(error["title"] == "CF-NotAuthorized");
  CHECK(error["detail"] == "You are not authorized to perform the requested action");
}
