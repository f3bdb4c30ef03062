// Tests of user-provided service instances and app bindings through Controller::handle
// (/v3/service_instances, /v3/service_credential_bindings), VCAP_SERVICES, and /metrics.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

json errorOf(const http::Response& r) { return json::parse(r.body)["errors"][0]; }

json upsiBody(Harness& h, const std::string& name) {
  return {{"type", "user-provided"},
          {"name", name},
          {"credentials", {{"uri", "postgres://u:p@db:5432/x"}}},
          {"syslog_drain_url", "syslog://127.0.0.1:5140"},
          {"tags", {"sql"}},
          {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}}}}};
}

json bindBody(const std::string& si, const std::string& app, const std::string& name = "") {
  json b = {{"type", "app"},
            {"relationships", {{"service_instance", {{"data", {{"guid", si}}}}},
                               {"app", {{"data", {{"guid", app}}}}}}}};
  if (!name.empty()) b["name"] = name;
  return b;
}

}  // namespace

TEST_CASE("user-provided service instances: create, show, credentials, list, update, delete") {
  Harness h;
  http::Response r = h.as_admin("POST", "/v3/service_instances", upsiBody(h, "db").dump());
  REQUIRE(r.status == 201);
  json si = json::parse(r.body);
  std::string guid = si["guid"];
  CHECK(si["name"] == "db");
  CHECK(si["type"] == "user-provided");
  CHECK(si["syslog_drain_url"] == "syslog://127.0.0.1:5140");
  CHECK(si["route_service_url"].is_null());
  CHECK(si["tags"] == json({"sql"}));
  CHECK(si["last_operation"]["state"] == "succeeded");
  CHECK(si["relationships"]["space"]["data"]["guid"] == h.spaceGuid());
  CHECK(!si.contains("credentials"));  // only through /credentials
  CHECK(si["links"]["credentials"]["href"] ==
        "http://api.localhost:8080/v3/service_instances/" + guid + "/credentials");

  CHECK(h.call("GET", "/v3/service_instances/" + guid + "/credentials") ==
        json({{"uri", "postgres://u:p@db:5432/x"}}));
  json list = h.call("GET", "/v3/service_instances?names=db");
  CHECK(list["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/service_instances?names=other")["resources"].empty());

  // Name unique per space, as CC words it.
  r = h.as_admin("POST", "/v3/service_instances", upsiBody(h, "db").dump());
  CHECK(r.status == 422);
  CHECK(errorOf(r)["title"] == "CF-UnprocessableEntity");
  CHECK(errorOf(r)["detail"] == "The service instance name is taken: db.");

  r = h.as_admin("PATCH", "/v3/service_instances/" + guid,
                 json({{"credentials", {{"k", "v"}}}, {"syslog_drain_url", nullptr}}).dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["syslog_drain_url"].is_null());
  CHECK(h.call("GET", "/v3/service_instances/" + guid + "/credentials") == json({{"k", "v"}}));

  CHECK(h.as_admin("DELETE", "/v3/service_instances/" + guid).status == 204);
  r = h.as_admin("GET", "/v3/service_instances/" + guid);
  CHECK(r.status == 404);
  CHECK(errorOf(r)["title"] == "CF-ResourceNotFound");
}

TEST_CASE("service instances: bad input is refused CF-style") {
  Harness h;
  json body = upsiBody(h, "x");
  body["type"] = "managed";
  http::Response r = h.as_admin("POST", "/v3/service_instances", body.dump());
  CHECK(r.status == 422);  // a managed instance needs a plan
  CHECK(errorOf(r)["detail"] == "Relationships Service plan can't be blank");
  body = upsiBody(h, "x");
  body["credentials"] = "nope";
  body["syslog_drain_url"] = "not a url";
  r = h.as_admin("POST", "/v3/service_instances", body.dump());
  CHECK(r.status == 422);
  CHECK(errorOf(r)["detail"] == "Credentials must be an object, Syslog drain url must be a valid "
                                "URL, such as syslog://logs.example.com:514 (got 'not a url')");
  r = h.as_admin("POST", "/v3/service_instances", "{bad");
  CHECK(r.status == 400);
  CHECK(errorOf(r)["title"] == "CF-MessageParseError");
  CHECK(h.request("GET", "/v3/service_instances").status == 401);
}

TEST_CASE("bindings: bind once, VCAP_SERVICES, details, unbind; bound instances are not "
          "deleted") {
  Harness h;
  std::string app = h.createApp("web");
  std::string si = h.call("POST", "/v3/service_instances", upsiBody(h, "db"))["guid"];
  http::Response r = h.as_admin("POST", "/v3/service_credential_bindings",
                                bindBody(si, app, "main").dump());
  REQUIRE(r.status == 201);
  json b = json::parse(r.body);
  std::string bguid = b["guid"];
  CHECK(b["type"] == "app");
  CHECK(b["name"] == "main");
  CHECK(b["relationships"]["app"]["data"]["guid"] == app);
  CHECK(b["relationships"]["service_instance"]["data"]["guid"] == si);
  CHECK(h.bindings_changed == std::vector<std::string>{app});

  r = h.as_admin("POST", "/v3/service_credential_bindings", bindBody(si, app).dump());
  CHECK(r.status == 422);
  CHECK(errorOf(r)["detail"] == "The app is already bound to the service instance.");

  json env = h.call("GET", "/v3/apps/" + app + "/env");
  json entry = env["system_env_json"]["VCAP_SERVICES"]["user-provided"][0];
  CHECK(entry["name"] == "main");
  CHECK(entry["binding_name"] == "main");
  CHECK(entry["instance_name"] == "db");
  CHECK(entry["instance_guid"] == si);
  CHECK(entry["binding_guid"] == bguid);
  CHECK(entry["label"] == "user-provided");
  CHECK(entry["credentials"]["uri"] == "postgres://u:p@db:5432/x");
  CHECK(entry["syslog_drain_url"] == "syslog://127.0.0.1:5140");
  CHECK(entry["volume_mounts"] == json::array());

  json details = h.call("GET", "/v3/service_credential_bindings/" + bguid + "/details");
  CHECK(details["credentials"]["uri"] == "postgres://u:p@db:5432/x");
  CHECK(h.call("GET", "/v3/service_credential_bindings?app_guids=" + app)["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/service_credential_bindings?service_instance_names=db&app_names=web")
            ["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/service_credential_bindings?app_names=other")["resources"].empty());

  r = h.as_admin("DELETE", "/v3/service_instances/" + si);
  CHECK(r.status == 422);
  CHECK(std::string(errorOf(r)["detail"]).find("it is bound to app web") != std::string::npos);

  CHECK(h.as_admin("DELETE", "/v3/service_credential_bindings/" + bguid).status == 204);
  CHECK(h.bindings_changed.size() == 2);
  CHECK(h.call("GET", "/v3/apps/" + app + "/env")["system_env_json"]["VCAP_SERVICES"] ==
        json::object());
  CHECK(h.as_admin("DELETE", "/v3/service_instances/" + si).status == 204);
}

TEST_CASE("bindings: unknown instance or app, parameters, deleting the app") {
  Harness h;
  std::string app = h.createApp("web");
  std::string si = h.call("POST", "/v3/service_instances", upsiBody(h, "db"))["guid"];
  http::Response r = h.as_admin("POST", "/v3/service_credential_bindings",
                                bindBody("nope", app).dump());
  CHECK(r.status == 422);
  CHECK(errorOf(r)["detail"] == "The service instance could not be found: 'nope'.");
  r = h.as_admin("POST", "/v3/service_credential_bindings", bindBody(si, "nope").dump());
  CHECK(r.status == 422);
  json with_params = bindBody(si, app);
  with_params["parameters"] = {{"a", 1}};
  r = h.as_admin("POST", "/v3/service_credential_bindings", with_params.dump());
  CHECK(r.status == 422);
  CHECK(errorOf(r)["detail"] == "Binding parameters are not supported for user-provided service "
                                "instances");
  REQUIRE(h.as_admin("POST", "/v3/service_credential_bindings", bindBody(si, app).dump()).status ==
          201);
  REQUIRE(h.as_admin("DELETE", "/v3/apps/" + app).status == 202);
  CHECK(h.call("GET", "/v3/service_credential_bindings")["resources"].empty());
  CHECK(h.as_admin("DELETE", "/v3/service_instances/" + si).status == 204);
}

TEST_CASE("GET /metrics answers the exposition without a token") {
  Harness h;
  http::Response r = h.request("GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(*r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(r.body == "# TYPE up gauge\nup 1\n");
}

TEST_CASE("apply_manifest binds the manifest's services, and refuses unknown ones first") {
  Harness h;
  std::string space = h.spaceGuid();
  auto apply = [&](const std::string& yaml) {
    return h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest", yaml,
                      {{"Content-Type", "application/x-yaml"}});
  };
  http::Response r = apply("applications:\n- name: web\n  services: [nope]\n");
  REQUIRE(r.status == 202);  // the job fails, as Cloud Controller's does
  const std::string& location = *r.header("Location");
  json job = h.call("GET", location.substr(location.find("/v3/")));
  CHECK(job["state"] == "FAILED");
  CHECK(std::string(job["errors"][0]["detail"]).find("Service instance 'nope' not found") !=
        std::string::npos);
  CHECK(h.call("GET", "/v3/apps")["pagination"]["total_results"] == 0);

  std::string si = h.call("POST", "/v3/service_instances", upsiBody(h, "db"))["guid"];
  r = apply("applications:\n- name: web\n  services: [db]\n");
  REQUIRE(r.status == 202);
  r = apply("applications:\n- name: web\n  services: [db]\n");  // again: still one binding
  REQUIRE(r.status == 202);
  json bindings = h.call("GET", "/v3/service_credential_bindings?service_instance_guids=" + si);
  CHECK(bindings["resources"].size() == 1);
  CHECK(h.bindings_changed.size() == 1);
}
