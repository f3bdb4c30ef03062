// Tests of apps, lists, errors, environment variables and processes through Controller::handle.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

TEST_CASE("apps are created with a web process and listed with filters and pagination") {
  Harness h;
  std::string space = h.spaceGuid();
  for (const char* name : {"alpha", "beta", "gamma"}) {
    http::Response r = h.as_admin(
        "POST", "/v3/apps",
        json({{"name", name}, {"relationships", {{"space", {{"data", {{"guid", space}}}}}}}})
            .dump());
    REQUIRE(r.status == 201);
    json app = json::parse(r.body);
    CHECK(app["state"] == "STOPPED");
    CHECK(app["lifecycle"]["type"] == "buildpack");
    CHECK(app["relationships"]["space"]["data"]["guid"] == space);
    CHECK(app["metadata"] == json({{"labels", json::object()}, {"annotations", json::object()}}));
    CHECK(app["links"]["start"]["method"] == "POST");
    CHECK(app["created_at"].get<std::string>().back() == 'Z');
  }
  json beta = h.call("GET", "/v3/apps?names=beta&space_guids=" + space);
  REQUIRE(beta["resources"].size() == 1);
  CHECK(beta["resources"][0]["name"] == "beta");
  CHECK(beta["pagination"]["total_results"] == 1);

  json page = h.call("GET", "/v3/apps?per_page=2&order_by=-name");
  CHECK(page["pagination"]["total_results"] == 3);
  CHECK(page["pagination"]["total_pages"] == 2);
  CHECK(page["resources"][0]["name"] == "gamma");
  CHECK(page["pagination"]["first"]["href"] ==
        "http://api.localhost:8080/v3/apps?page=1&per_page=2&order_by=-name");
  CHECK(page["pagination"]["next"]["href"] ==
        "http://api.localhost:8080/v3/apps?page=2&per_page=2&order_by=-name");
  CHECK(page["pagination"]["previous"].is_null());
  json last = h.call("GET", "/v3/apps?per_page=2&order_by=-name&page=2");
  CHECK(last["resources"].size() == 1);
  CHECK(last["resources"][0]["name"] == "alpha");
  CHECK(last["pagination"]["next"].is_null());

  // The web process shares the app's guid.
  std::string guid = beta["resources"][0]["guid"];
  json processes = h.call("GET", "/v3/apps/" + guid + "/processes");
  REQUIRE(processes["resources"].size() == 1);
  CHECK(processes["resources"][0]["guid"] == guid);
  CHECK(processes["resources"][0]["type"] == "web");
  CHECK(processes["resources"][0]["instances"] == 1);

  json included = h.call("GET", "/v3/apps?names=beta&include=space");
  CHECK(included["included"]["spaces"][0]["name"] == "dev");
}

TEST_CASE("errors use Cloud Foundry's titles, codes and statuses") {
  Harness h;
  http::Response missing = h.as_admin("GET", "/v3/apps/0a1b2c3d-0000-4000-8000-000000000000");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body) ==
        json({{"errors", {{{"code", 10010}, {"title", "CF-ResourceNotFound"},
                           {"detail", "App not found"}}}}}));

  h.createApp("twin");
  http::Response dup = h.as_admin(
      "POST", "/v3/apps",
      json({{"name", "TWIN"},
            {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}}}}}).dump());
  CHECK(dup.status == 422);
  CHECK(json::parse(dup.body)["errors"][0]["title"] == "CF-UniquenessError");
  CHECK(json::parse(dup.body)["errors"][0]["code"] == 10016);

  http::Response parse = h.as_admin("POST", "/v3/apps", "{not json");
  CHECK(parse.status == 400);
  CHECK(json::parse(parse.body)["errors"][0]["title"] == "CF-MessageParseError");

  http::Response blank = h.as_admin("POST", "/v3/apps", R"({"name": ""})");
  CHECK(blank.status == 422);
  CHECK(json::parse(blank.body)["errors"][0]["detail"] == "Name can't be blank");

  http::Response query = h.as_admin("GET", "/v3/apps?per_page=0");
  CHECK(query.status == 400);
  CHECK(json::parse(query.body)["errors"][0]["title"] == "CF-BadQueryParameter");
  CHECK(h.as_admin("GET", "/v3/apps?per_page=5001").status == 400);
  CHECK(h.as_admin("GET", "/v3/apps?order_by=color").status == 400);
  CHECK(h.as_admin("GET", "/v3/apps?per_page=5000").status == 200);
}

TEST_CASE("environment variables merge on PATCH; null deletes; /env shows VCAP_APPLICATION") {
  Harness h;
  std::string app = h.createApp("envy");
  json set = h.call("PATCH", "/v3/apps/" + app + "/environment_variables",
                    {{"var", {{"A", "1"}, {"B", "two"}}}});
  CHECK(set["var"] == json({{"A", "1"}, {"B", "two"}}));
  json merged = h.call("PATCH", "/v3/apps/" + app + "/environment_variables",
                       {{"var", {{"A", nullptr}, {"C", 3}}}});
  CHECK(merged["var"] == json({{"B", "two"}, {"C", "3"}}));
  CHECK(h.call("GET", "/v3/apps/" + app + "/environment_variables")["var"] == merged["var"]);
  CHECK(merged["links"]["app"]["href"] == "http://api.localhost:8080/v3/apps/" + app);

  http::Response reserved = h.as_admin("PATCH", "/v3/apps/" + app + "/environment_variables",
                                       R"({"var":{"VCAP_X":"no"}})");
  CHECK(reserved.status == 422);

  json env = h.call("GET", "/v3/apps/" + app + "/env");
  CHECK(env["environment_variables"] == merged["var"]);
  CHECK(env["system_env_json"] == json({{"VCAP_SERVICES", json::object()}}));
  json vcap = env["application_env_json"]["VCAP_APPLICATION"];
  CHECK(vcap["application_name"] == "envy");
  CHECK(vcap["space_name"] == "dev");
  CHECK(vcap["organization_name"] == "microcf");
  CHECK(vcap["cf_api"] == "http://api.localhost:8080");
}

TEST_CASE("starting needs a droplet; scaling validates and tells the runtime") {
  Harness h;
  std::string app = h.createApp("lazy");
  http::Response start = h.as_admin("POST", "/v3/apps/" + app + "/actions/start");
  CHECK(start.status == 422);
  CHECK(json::parse(start.body)["errors"][0]["detail"] ==
        "Assign a droplet before starting this app.");

  http::Response bad = h.as_admin("POST", "/v3/apps/" + app + "/processes/web/actions/scale",
                                  R"({"instances": -1})");
  CHECK(bad.status == 422);
  h.runtime.changed.clear();
  http::Response scaled = h.as_admin("POST", "/v3/processes/" + app + "/actions/scale",
                                     R"({"instances": 3, "memory_in_mb": 256})");
  CHECK(scaled.status == 202);
  json p = json::parse(scaled.body);
  CHECK(p["instances"] == 3);
  CHECK(p["memory_in_mb"] == 256);
  CHECK(h.runtime.changed == std::vector<std::string>{app});

  json patched = h.call("PATCH", "/v3/processes/" + app,
                        {{"command", "./run"},
                         {"health_check", {{"type", "http"}, {"data", {{"endpoint", "/up"}}}}}});
  CHECK(patched["command"] == "./run");
  CHECK(patched["health_check"]["type"] == "http");
  CHECK(patched["health_check"]["data"]["endpoint"] == "/up");
  CHECK(h.call("GET", "/v3/processes/" + app + "/sidecars")["resources"].empty());
}

TEST_CASE("deleting an app answers a job, unmaps its routes and tells the runtime") {
  Harness h;
  std::string app = h.createApp("doomed");
  json domain = h.call("GET", "/v3/domains")["resources"][0];
  json route = h.call("POST", "/v3/routes",
                      {{"host", "doomed"},
                       {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}},
                                          {"domain", {{"data", {{"guid", domain["guid"]}}}}}}}});
  CHECK(route["url"] == "doomed.localhost");
  json dests = h.call("POST", "/v3/routes/" + route["guid"].get<std::string>() + "/destinations",
                      {{"destinations", {{{"app", {{"guid", app}}}}}}});
  CHECK(dests["destinations"][0]["app"]["process"]["type"] == "web");
  CHECK(h.routing.mapped == std::vector<FakeRouting::Call>{{"doomed.localhost", "", app}});

  http::Response del = h.as_admin("DELETE", "/v3/apps/" + app);
  CHECK(del.status == 202);
  REQUIRE(del.header("Location"));
  std::string job_url = *del.header("Location");
  json job = h.call("GET", job_url.substr(job_url.find("/v3/")));
  CHECK(job["state"] == "COMPLETE");
  CHECK(job["operation"] == "app.delete");
  CHECK(h.routing.unmapped == std::vector<FakeRouting::Call>{{"doomed.localhost", "", app}});
  CHECK(h.runtime.changed.back() == app);
  CHECK(h.stager.cleared == std::vector<std::string>{app});  // its build cache goes too
  CHECK(h.stager.canceled == std::vector<std::string>{app});  // and its stagings
  CHECK(h.as_admin("GET", "/v3/apps/" + app).status == 404);
}

TEST_CASE("clear_buildpack_cache clears the app's build cache and answers a COMPLETE job") {
  Harness h;
  std::string app = h.createApp("cached");
  http::Response cleared = h.as_admin("POST", "/v3/apps/" + app + "/actions/clear_buildpack_cache");
  CHECK(cleared.status == 202);
  CHECK(h.stager.cleared == std::vector<std::string>{app});
  REQUIRE(cleared.header("Location"));
  std::string job_url = *cleared.header("Location");
  json job = h.call("GET", job_url.substr(job_url.find("/v3/")));
  CHECK(job["state"] == "COMPLETE");
  CHECK(job["operation"] == "app.clear_buildpack_cache");
  CHECK(h.as_admin("POST", "/v3/apps/no-such-app/actions/clear_buildpack_cache").status == 404);
  CHECK(h.stager.cleared == std::vector<std::string>{app});
  CHECK(h.stager.canceled.empty());  // a restage after it may be queued already
}
