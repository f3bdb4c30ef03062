// Tests of organization and space quotas: the endpoints and their JSON, and each limit refusing
// a start, scale, manifest, deployment, task or route with 422 CF-UnprocessableEntity whose
// detail begins with Cloud Controller's words.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

json rel(const std::string& guid) { return {{"data", {{"guid", guid}}}}; }

std::string orgGuid(Harness& h) {
  return h.call("GET", "/v3/organizations?names=microcf")["resources"][0]["guid"];
}

// Creates an org quota with these apps limits and applies it to the seeded org.
std::string orgQuota(Harness& h, const json& apps, const json& extra = json::object()) {
  json body = {{"name", "small"}, {"apps", apps},
               {"relationships", {{"organizations", {{"data", {{{"guid", orgGuid(h)}}}}}}}}};
  body.update(extra);
  http::Response r = h.as_admin("POST", "/v3/organization_quotas", body.dump());
  REQUIRE(r.status == 201);
  return json::parse(r.body)["guid"];
}

std::string spaceQuota(Harness& h, const std::string& name, const json& apps,
                       const std::string& space) {
  json body = {{"name", name},
               {"apps", apps},
               {"relationships", {{"organization", rel(orgGuid(h))},
                                  {"spaces", {{"data", {{{"guid", space}}}}}}}}};
  http::Response r = h.as_admin("POST", "/v3/space_quotas", body.dump());
  REQUIRE(r.status == 201);
  return json::parse(r.body)["guid"];
}

void checkRefused(const http::Response& r, const std::string& prefix,
                  const std::string& also = "") {
  CHECK(r.status == 422);
  json e = json::parse(r.body)["errors"][0];
  CHECK(e["code"] == 10008);
  CHECK(e["title"] == "CF-UnprocessableEntity");
  std::string detail = e["detail"];
  INFO(detail);
  CHECK(detail.rfind(prefix, 0) == 0);
  if (!also.empty()) CHECK(detail.find(also) != std::string::npos);
}

http::Response scale(Harness& h, const std::string& app, const json& body) {
  return h.as_admin("POST", "/v3/apps/" + app + "/processes/web/actions/scale", body.dump());
}

// A staged app with web at memory_mb x 1 instance; stopped.
std::string app(Harness& h, const std::string& name, int memory_mb) {
  std::string guid = h.stagedApp(name);
  REQUIRE(scale(h, guid, {{"memory_in_mb", memory_mb}}).status == 202);
  return guid;
}

std::string start(Harness& h, const std::string& app_guid, int want = 200) {
  http::Response r = h.as_admin("POST", "/v3/apps/" + app_guid + "/actions/start");
  CHECK(r.status == want);
  return r.body;
}

}  // namespace

TEST_CASE("quotas: the default org quota is unlimited and the seeded org shows it") {
  Harness h;
  json list = h.call("GET", "/v3/organization_quotas");
  REQUIRE(list["resources"].size() == 1);
  json d = list["resources"][0];
  CHECK(d["name"] == "default");
  CHECK(d["apps"] == json({{"total_memory_in_mb", nullptr},
                           {"per_process_memory_in_mb", nullptr},
                           {"total_instances", nullptr},
                           {"per_app_tasks", nullptr},
                           {"log_rate_limit_in_bytes_per_second", nullptr}}));
  CHECK(d["services"] == json({{"paid_services_allowed", true},
                               {"total_service_instances", nullptr},
                               {"total_service_keys", nullptr}}));
  CHECK(d["routes"] == json({{"total_routes", nullptr}, {"total_reserved_ports", nullptr}}));
  CHECK(d["domains"] == json({{"total_domains", nullptr}}));
  CHECK(d["relationships"]["organizations"]["data"] == json::array({{{"guid", orgGuid(h)}}}));
  CHECK(d["links"]["self"]["href"].get<std::string>().ends_with("/v3/organization_quotas/" +
                                                                 d["guid"].get<std::string>()));
  json org = h.call("GET", "/v3/organizations/" + orgGuid(h));
  CHECK(org["relationships"]["quota"]["data"]["guid"] == d["guid"]);
  json space = h.call("GET", "/v3/spaces/" + h.spaceGuid());
  CHECK(space["relationships"]["quota"]["data"] == nullptr);
}

TEST_CASE("quotas: org quota create, read, filter, update, apply and delete") {
  Harness h;
  json body = {{"name", "gold"},
               {"apps", {{"total_memory_in_mb", 2048}, {"per_process_memory_in_mb", 512}}},
               {"services", {{"paid_services_allowed", false}, {"total_service_instances", 3}}},
               {"routes", {{"total_routes", 4}}},
               {"domains", {{"total_domains", 1}}}};
  http::Response r = h.as_admin("POST", "/v3/organization_quotas", body.dump());
  REQUIRE(r.status == 201);
  json q = json::parse(r.body);
  std::string guid = q["guid"];
  CHECK(q["apps"]["total_memory_in_mb"] == 2048);
  CHECK(q["apps"]["total_instances"] == nullptr);
  CHECK(q["services"]["paid_services_allowed"] == false);
  CHECK(q["routes"]["total_routes"] == 4);
  CHECK(q["domains"]["total_domains"] == 1);
  CHECK(q["relationships"]["organizations"]["data"] == json::array());
  CHECK(q.contains("created_at"));

  http::Response dup = h.as_admin("POST", "/v3/organization_quotas", body.dump());
  checkRefused(dup, "Organization Quota 'gold' already exists.");
  checkRefused(h.as_admin("POST", "/v3/organization_quotas",
                          R"({"name":"x","apps":{"total_memory_in_mb":-1}})"),
               "apps total_memory_in_mb must be null (unlimited) or a whole number");
  checkRefused(h.as_admin("POST", "/v3/organization_quotas", R"({"apps":{}})"),
               "Name can't be blank");

  CHECK(h.call("GET", "/v3/organization_quotas/" + guid)["name"] == "gold");
  CHECK(h.as_admin("GET", "/v3/organization_quotas/nope").status == 404);
  CHECK(h.call("GET", "/v3/organization_quotas?names=gold")["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/organization_quotas?guids=" + guid)["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/organization_quotas?organization_guids=" + orgGuid(h))["resources"]
            [0]["name"] == "default");

  json patched = h.call("PATCH", "/v3/organization_quotas/" + guid,
                        {{"name", "silver"}, {"apps", {{"total_memory_in_mb", nullptr}}}});
  CHECK(patched["name"] == "silver");
  CHECK(patched["apps"]["total_memory_in_mb"] == nullptr);
  CHECK(patched["apps"]["per_process_memory_in_mb"] == 512);  // untouched

  http::Response applied = h.as_admin(
      "POST", "/v3/organization_quotas/" + guid + "/relationships/organizations",
      json({{"data", {{{"guid", orgGuid(h)}}}}}).dump());
  REQUIRE(applied.status == 200);
  CHECK(json::parse(applied.body)["data"] == json::array({{{"guid", orgGuid(h)}}}));
  CHECK(h.call("GET", "/v3/organizations/" + orgGuid(h))["relationships"]["quota"]["data"]
            ["guid"] == guid);
  checkRefused(h.as_admin("POST", "/v3/organization_quotas/" + guid +
                                      "/relationships/organizations",
                          R"({"data":[{"guid":"no-such-org"}]})"),
               "Organizations with guids [\"no-such-org\"] do not exist");

  checkRefused(h.as_admin("DELETE", "/v3/organization_quotas/" + guid),
               "This quota is applied to one or more organizations.");
  std::string def = h.call("GET", "/v3/organization_quotas?names=default")["resources"][0]["guid"];
  REQUIRE(h.as_admin("POST", "/v3/organization_quotas/" + def + "/relationships/organizations",
                     json({{"data", {{{"guid", orgGuid(h)}}}}}).dump()).status == 200);
  CHECK(h.as_admin("DELETE", "/v3/organization_quotas/" + guid).status == 202);
  CHECK(h.as_admin("GET", "/v3/organization_quotas/" + guid).status == 404);
}

TEST_CASE("quotas: space quota create, apply, filter, remove, delete") {
  Harness h;
  std::string space = h.spaceGuid();
  json body = {{"name", "sq"},
               {"apps", {{"total_memory_in_mb", 512}}},
               {"relationships", {{"organization", rel(orgGuid(h))}}}};
  http::Response r = h.as_admin("POST", "/v3/space_quotas", body.dump());
  REQUIRE(r.status == 201);
  json q = json::parse(r.body);
  std::string guid = q["guid"];
  CHECK(q["relationships"]["organization"]["data"]["guid"] == orgGuid(h));
  CHECK(q["relationships"]["spaces"]["data"] == json::array());
  CHECK(!q.contains("domains"));
  CHECK(q["links"]["organization"]["href"].get<std::string>().ends_with("/v3/organizations/" +
                                                                         orgGuid(h)));
  checkRefused(h.as_admin("POST", "/v3/space_quotas", body.dump()),
               "Space Quota 'sq' already exists.");
  checkRefused(h.as_admin("POST", "/v3/space_quotas", R"({"name":"x"})"),
               "Relationships Organization can't be blank");

  http::Response applied = h.as_admin("POST", "/v3/space_quotas/" + guid + "/relationships/spaces",
                                      json({{"data", {{{"guid", space}}}}}).dump());
  REQUIRE(applied.status == 200);
  CHECK(json::parse(applied.body)["data"] == json::array({{{"guid", space}}}));
  CHECK(h.call("GET", "/v3/spaces/" + space)["relationships"]["quota"]["data"]["guid"] == guid);
  CHECK(h.call("GET", "/v3/space_quotas?space_guids=" + space)["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/space_quotas?space_guids=other")["resources"].size() == 0);
  CHECK(h.call("GET", "/v3/space_quotas?organization_guids=" + orgGuid(h))["resources"].size() ==
        1);

  // Only spaces of the quota's own org.
  model::Org other;
  other.name = "other";
  auto o = h.store().createOrg(other);
  REQUIRE(o.ok());
  model::Space elsewhere;
  elsewhere.name = "elsewhere";
  elsewhere.org_guid = o->guid;
  auto s = h.store().createSpace(elsewhere);
  REQUIRE(s.ok());
  checkRefused(h.as_admin("POST", "/v3/space_quotas/" + guid + "/relationships/spaces",
                          json({{"data", {{{"guid", s->guid}}}}}).dump()),
               "Space 'elsewhere' is not in the organization of this space quota");

  checkRefused(h.as_admin("DELETE", "/v3/space_quotas/" + guid),
               "This quota is applied to one or more spaces.");
  CHECK(h.as_admin("DELETE", "/v3/space_quotas/" + guid + "/relationships/spaces/" + space)
            .status == 204);
  CHECK(h.call("GET", "/v3/spaces/" + space)["relationships"]["quota"]["data"] == nullptr);
  CHECK(h.as_admin("DELETE", "/v3/space_quotas/" + guid).status == 202);
  CHECK(h.as_admin("GET", "/v3/space_quotas/" + guid).status == 404);
}

TEST_CASE("quotas: org memory counts started apps across the org; scaling past it is refused") {
  Harness h;
  orgQuota(h, {{"total_memory_in_mb", 256}});
  std::string a = app(h, "a", 128);
  start(h, a);
  h.runtime.changed.clear();
  checkRefused(scale(h, a, {{"instances", 3}}), "memory quota_exceeded. ",
               "App 'a' needs 384 MB (3 web instances of 128 MB) but the organization 'microcf' "
               "has a memory limit of 256 MB (quota 'small')");
  CHECK(h.call("GET", "/v3/apps/" + a + "/processes/web")["instances"] == 1);
  CHECK(h.runtime.changed.empty());

  std::string b = app(h, "b", 256);
  checkRefused(h.as_admin("POST", "/v3/apps/" + b + "/actions/start"), "memory quota_exceeded. ",
               "its other apps and tasks use 128 MB");
  CHECK(h.call("GET", "/v3/apps/" + b)["state"] == "STOPPED");
  // A stopped app can be scaled freely; scaling down a started one always passes.
  CHECK(scale(h, b, {{"memory_in_mb", 128}}).status == 202);
  start(h, b);
  CHECK(scale(h, a, {{"memory_in_mb", 64}}).status == 202);
  // Restarting a started app asks for nothing more.
  CHECK(h.as_admin("POST", "/v3/apps/" + a + "/actions/restart").status == 200);
}

TEST_CASE("quotas: memory per instance and total instances") {
  Harness h;
  orgQuota(h, {{"per_process_memory_in_mb", 256}, {"total_instances", 2}});
  std::string a = app(h, "a", 512);
  checkRefused(h.as_admin("POST", "/v3/apps/" + a + "/actions/start"),
               "memory instance_memory_limit_exceeded. ",
               "allows at most 256 MB per instance (quota 'small')");
  REQUIRE(scale(h, a, {{"memory_in_mb", 256}}).status == 202);
  start(h, a);
  checkRefused(scale(h, a, {{"memory_in_mb", 300}}), "memory instance_memory_limit_exceeded. ");
  CHECK(scale(h, a, {{"instances", 2}}).status == 202);
  checkRefused(scale(h, a, {{"instances", 3}}), "instances app_instance_limit_exceeded. ",
               "allows 2 app instances in total");
}

TEST_CASE("quotas: a space quota applies inside the org quota") {
  Harness h;
  orgQuota(h, {{"total_memory_in_mb", 1024}});
  spaceQuota(h, "tiny", {{"total_memory_in_mb", 128}, {"per_process_memory_in_mb", 100}},
             h.spaceGuid());
  std::string a = app(h, "a", 256);
  checkRefused(h.as_admin("POST", "/v3/apps/" + a + "/actions/start"),
               "memory space_quota_exceeded. ", "the space 'dev' has a memory limit of 128 MB");
  REQUIRE(scale(h, a, {{"memory_in_mb", 128}}).status == 202);
  checkRefused(h.as_admin("POST", "/v3/apps/" + a + "/actions/start"),
               "memory space_instance_memory_limit_exceeded. ");
}

TEST_CASE("quotas: apply_manifest and deployments check the target state") {
  Harness h;
  orgQuota(h, {{"total_memory_in_mb", 256}});
  std::string a = app(h, "a", 128);
  start(h, a);
  std::string yaml = "applications:\n- name: a\n  instances: 4\n";
  http::Response r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest",
                                yaml, {{"Content-Type", "application/x-yaml"}});
  REQUIRE(r.status == 202);
  REQUIRE(r.header("Location"));
  const std::string& url = *r.header("Location");
  json job = h.call("GET", url.substr(url.find("/v3/")));
  CHECK(job["state"] == "FAILED");
  CHECK(job["errors"][0]["detail"].get<std::string>().rfind(
            "For application 'a': memory quota_exceeded. ", 0) == 0);
  CHECK(h.call("GET", "/v3/apps/" + a + "/processes/web")["instances"] == 1);

  // A rolling deployment of a started app asks for what it has: allowed.
  json d = {{"relationships", {{"app", rel(a)}}}};
  CHECK(h.as_admin("POST", "/v3/deployments", d.dump()).status == 201);
  // A stopped app that would not fit is refused.
  std::string b = app(h, "b", 256);
  checkRefused(h.as_admin("POST", "/v3/deployments",
                          json({{"relationships", {{"app", rel(b)}}}}).dump()),
               "memory quota_exceeded. ");
}

TEST_CASE("quotas: task memory counts against total memory; tasks per app") {
  Harness h;
  orgQuota(h, {{"total_memory_in_mb", 640}, {"per_app_tasks", 1}});
  std::string a = app(h, "a", 256);
  start(h, a);
  checkRefused(h.as_admin("POST", "/v3/apps/" + a + "/tasks",
                          R"({"command":"x","memory_in_mb":512})"),
               "memory quota_exceeded. ", "The task of app 'a' needs 512 MB");
  CHECK(h.as_admin("POST", "/v3/apps/" + a + "/tasks", R"({"command":"x","memory_in_mb":256})")
            .status == 202);
  checkRefused(h.as_admin("POST", "/v3/apps/" + a + "/tasks",
                          R"({"command":"x","memory_in_mb":1})"),
               "app_task_limit app_task_limit_exceeded. ");
  // The task's 256 MB count against starting another app.
  std::string b = app(h, "b", 192);
  checkRefused(h.as_admin("POST", "/v3/apps/" + b + "/actions/start"), "memory quota_exceeded. ",
               "other apps and tasks use 512 MB");
}

TEST_CASE("quotas: total routes of the org and the space") {
  Harness h;
  orgQuota(h, {}, {{"routes", {{"total_routes", 1}}}});
  std::string dom = h.call("GET", "/v3/domains")["resources"][0]["guid"];
  auto route = [&](const std::string& host) {
    json body = {{"host", host},
                 {"relationships", {{"space", rel(h.spaceGuid())}, {"domain", rel(dom)}}}};
    return h.as_admin("POST", "/v3/routes", body.dump());
  };
  CHECK(route("one").status == 201);
  checkRefused(route("two"), "Routes quota exceeded for organization 'microcf'. ",
               "It has 1 route and its quota 'small' allows 1.");
}

TEST_CASE("quotas: user-provided service instances don't count, as in Cloud Foundry") {
  Harness h;
  orgQuota(h, {}, {{"services", {{"total_service_instances", 0}}}});
  json body = {{"type", "user-provided"},
               {"name", "db"},
               {"relationships", {{"space", rel(h.spaceGuid())}}}};
  CHECK(h.as_admin("POST", "/v3/service_instances", body.dump()).status == 201);
}

TEST_CASE("quotas: a reader sees only the orgs of a quota that they can see") {
  Harness h;
  std::string other = h.call("POST", "/v3/organizations", {{"name", "other"}})["guid"];
  std::string user = h.makeUser("reader");
  h.grant(user, model::RoleType::kOrganizationUser, h.orgGuid());
  http::Response r = h.as("reader", "GET", "/v3/organization_quotas?names=default");
  REQUIRE(r.status == 200);
  json orgs = json::parse(r.body)["resources"][0]["relationships"]["organizations"]["data"];
  REQUIRE(orgs.size() == 1);
  CHECK(orgs[0]["guid"] == h.orgGuid());
  json all = h.call("GET", "/v3/organization_quotas?names=default")["resources"][0];
  CHECK(all["relationships"]["organizations"]["data"].size() == 2);
  CHECK(r.body.find(other) == std::string::npos);
}
