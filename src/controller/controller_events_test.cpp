// Tests of audit events, health and readiness checks and single-instance restarts through
// Controller::handle.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

TEST_CASE("user actions write audit events, listed with filters, order and pagination") {
  Harness h;
  std::string guid = h.createApp("crashy");
  std::string other = h.createApp("other");
  REQUIRE(h.as_admin("POST", "/v3/apps/" + guid + "/processes/web/actions/scale",
                     R"({"instances":2})").status == 202);
  REQUIRE(h.as_admin("POST", "/v3/apps/" + guid + "/actions/stop").status == 200);

  json all = h.call("GET", "/v3/audit_events?target_guids=" + guid);
  REQUIRE(all["resources"].size() == 3);
  json created = all["resources"][0];
  CHECK(created["type"] == "audit.app.create");
  CHECK(created["actor"]["type"] == "user");
  CHECK(created["actor"]["name"] == "admin");
  CHECK(created["target"] == json({{"guid", guid}, {"type", "app"}, {"name", "crashy"}}));
  CHECK(created["space"]["guid"] == h.spaceGuid());
  CHECK(created["organization"]["guid"].is_string());
  CHECK(created["links"]["self"]["href"] ==
        "http://api.localhost:8080/v3/audit_events/" + created["guid"].get<std::string>());
  CHECK(all["resources"][1]["type"] == "audit.app.process.scale");
  CHECK(all["resources"][1]["data"]["request"]["instances"] == 2);
  CHECK(all["resources"][2]["type"] == "audit.app.stop");

  json newest = h.call("GET", "/v3/audit_events?target_guids=" + guid +
                                  "&order_by=-created_at&per_page=1");
  CHECK(newest["pagination"]["total_results"] == 3);
  CHECK(newest["pagination"]["total_pages"] == 3);
  CHECK(newest["resources"][0]["type"] == "audit.app.stop");

  json scales = h.call("GET", "/v3/audit_events?types=audit.app.process.scale,audit.app.create");
  CHECK(scales["pagination"]["total_results"] == 3);  // two creates and one scale
  json of_other = h.call("GET", "/v3/audit_events?target_guids=" + other);
  CHECK(of_other["resources"].size() == 1);

  json one = h.call("GET", "/v3/audit_events/" + created["guid"].get<std::string>());
  CHECK(one["type"] == "audit.app.create");
  http::Response missing = h.as_admin("GET", "/v3/audit_events/nope");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["errors"][0]["title"] == "CF-ResourceNotFound");
  CHECK(json::parse(missing.body)["errors"][0]["detail"] == "Event not found");
  CHECK(h.as_admin("GET", "/v3/audit_events?order_by=name").status == 400);

  // Someone without access to the space sees none of them.
  model::User user;
  user.username = "dev";
  user.password_hash = "unused";
  user = h.store().createUser(user).value();  // tokens of users not in the store are refused
  std::string token = h.tokens.issueAccess(user, "password");
  http::Response theirs = h.request("GET", "/v3/audit_events", "",
                                    {{"Authorization", "bearer " + token}});
  CHECK(theirs.status == 200);
  CHECK(json::parse(theirs.body)["resources"].empty());
}

TEST_CASE("health and readiness checks are set with PATCH /v3/processes/:guid") {
  Harness h;
  std::string guid = h.createApp("crashy");
  json p = h.call("PATCH", "/v3/processes/" + guid,
                  {{"health_check", {{"type", "http"},
                                     {"data", {{"endpoint", "/health"},
                                               {"invocation_timeout", 2},
                                               {"timeout", 180}}}}},
                   {"readiness_health_check",
                    {{"type", "http"}, {"data", {{"endpoint", "/ready"}, {"interval", 4}}}}}});
  CHECK(p["health_check"]["type"] == "http");
  CHECK(p["health_check"]["data"]["endpoint"] == "/health");
  CHECK(p["health_check"]["data"]["invocation_timeout"] == 2);
  CHECK(p["health_check"]["data"]["timeout"] == 180);
  CHECK(p["readiness_health_check"]["type"] == "http");
  CHECK(p["readiness_health_check"]["data"]["endpoint"] == "/ready");
  CHECK(p["readiness_health_check"]["data"]["interval"] == 4);
  CHECK(h.call("GET", "/v3/processes/" + guid)["readiness_health_check"]["type"] == "http");

  http::Response too_long = h.as_admin("PATCH", "/v3/processes/" + guid,
                                       R"({"health_check":{"type":"port","data":{"timeout":181}}})");
  CHECK(too_long.status == 422);
  CHECK(json::parse(too_long.body)["errors"][0]["detail"] ==
        "Health check timeout must be between 1 and 180 seconds");
  http::Response bad_type = h.as_admin("PATCH", "/v3/processes/" + guid,
                                       R"({"readiness_health_check":{"type":"tcp"}})");
  CHECK(bad_type.status == 422);
  CHECK(json::parse(bad_type.body)["errors"][0]["detail"] ==
        "Readiness health check type must be port, process or http");

  json events = h.call("GET", "/v3/audit_events?types=audit.app.process.update");
  CHECK(events["resources"].size() == 1);
}

TEST_CASE("DELETE an instance restarts only that index; a bad index is CF-ResourceNotFound") {
  Harness h;
  std::string guid = h.createApp("crashy");
  REQUIRE(h.as_admin("POST", "/v3/apps/" + guid + "/processes/web/actions/scale",
                     R"({"instances":2})").status == 202);
  h.runtime.statuses[guid] = {InstanceStatus{}, InstanceStatus{}};
  h.runtime.statuses[guid][1].index = 1;

  http::Response ok = h.as_admin("DELETE", "/v3/apps/" + guid + "/processes/web/instances/1");
  CHECK(ok.status == 204);
  REQUIRE(h.runtime.restarted.size() == 1);
  CHECK(h.runtime.restarted[0] == std::pair<std::string, int>{guid, 1});

  for (const char* index : {"2", "-1", "abc"}) {
    http::Response bad =
        h.as_admin("DELETE", "/v3/apps/" + guid + "/processes/web/instances/" + index);
    CHECK(bad.status == 404);
    json err = json::parse(bad.body)["errors"][0];
    CHECK(err["title"] == "CF-ResourceNotFound");
    CHECK(err["detail"] == "Instance not found");
  }
  CHECK(h.as_admin("DELETE", "/v3/apps/" + guid + "/processes/worker/instances/0").status == 404);
  CHECK(h.runtime.restarted.size() == 1);
  json events = h.call("GET", "/v3/audit_events?types=audit.app.process.terminate_instance");
  REQUIRE(events["resources"].size() == 1);
  CHECK(events["resources"][0]["data"]["process_index"] == 1);
}

TEST_CASE("env changes, routes and their mappings are audit events; created_ats filters") {
  Harness h;
  std::string app = h.createApp("web");
  REQUIRE(h.as_admin("PATCH", "/v3/apps/" + app + "/environment_variables",
                     R"({"var":{"SECRET":"hunter2"}})").status == 200);
  json domain = h.call("GET", "/v3/domains")["resources"][0];
  json route = h.call("POST", "/v3/routes",
                      {{"host", "shop"},
                       {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}},
                                          {"domain", {{"data", {{"guid", domain["guid"]}}}}}}}});
  std::string route_guid = route.at("guid").get<std::string>();
  REQUIRE(h.as_admin("POST", "/v3/routes/" + route_guid + "/destinations",
                     json{{"destinations", {{{"app", {{"guid", app}}}}}}}.dump()).status == 200);

  json events = h.call("GET", "/v3/audit_events?target_guids=" + app);
  REQUIRE(events["resources"].size() == 3);
  json env = events["resources"][1];
  CHECK(env["type"] == "audit.app.update");
  CHECK(env["data"]["request"]["environment_variables"] == "[PRIVATE DATA HIDDEN]");
  CHECK(env.dump().find("hunter2") == std::string::npos);
  CHECK(events["resources"][2]["type"] == "audit.app.map-route");
  CHECK(events["resources"][2]["data"]["route_guid"] == route_guid);
  json created = h.call("GET", "/v3/audit_events?types=audit.route.create");
  REQUIRE(created["resources"].size() == 1);
  CHECK(created["resources"][0]["target"]["guid"] == route_guid);
  CHECK(created["resources"][0]["target"]["type"] == "route");

  std::string at = events["resources"][0]["created_at"].get<std::string>();
  CHECK(h.call("GET", "/v3/audit_events?created_ats[lt]=" + at)["resources"].empty());
  CHECK(h.call("GET", "/v3/audit_events?target_guids=" + app + "&created_ats[gte]=" + at)
            ["resources"].size() == 3);
  CHECK(h.as_admin("GET", "/v3/audit_events?created_ats[lt]=yesterday").status == 400);
  CHECK(h.as_admin("GET", "/v3/audit_events?created_ats[before]=" + at).status == 400);
}
