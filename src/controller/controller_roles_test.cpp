// Tests of the role table of CF-CONTRACT §8 through Controller::handle: each role against each
// kind of request (404 for what the caller cannot see, 403 for what it sees but may not do),
// what lists show, env redaction, jobs, and role changes applying at once.
#include <functional>

#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;
using model::RoleType;

namespace {

json errorOf(const http::Response& r) { return json::parse(r.body)["errors"][0]; }

// The callers of the matrix, one column each.
struct Who {
  const char* name;
  const char* global_scope;          // "" or a cloud_controller.* scope
  std::vector<RoleType> org_roles;   // in the seeded org
  std::vector<RoleType> space_roles; // in the seeded space (with organization_user in its org)
};

const std::vector<Who>& everyone() {
  static const std::vector<Who> w = {
      {"admin", "", {}, {}},
      {"admin_read_only", "cloud_controller.admin_read_only", {}, {}},
      {"global_auditor", "cloud_controller.global_auditor", {}, {}},
      {"org_manager", "", {RoleType::kOrganizationManager}, {}},
      {"org_auditor", "", {RoleType::kOrganizationAuditor}, {}},
      {"org_user", "", {RoleType::kOrganizationUser}, {}},
      {"space_manager", "", {}, {RoleType::kSpaceManager}},
      {"space_developer", "", {}, {RoleType::kSpaceDeveloper}},
      {"space_auditor", "", {}, {RoleType::kSpaceAuditor}},
      {"space_supporter", "", {}, {RoleType::kSpaceSupporter}},
      {"no_role", "", {}, {}},
  };
  return w;
}

// The objects the requests work on, made by the admin.
struct World {
  std::string org, space, app, domain, route, si;
};

World makeWorld(Harness& h) {
  World w;
  w.org = h.orgGuid();
  w.space = h.spaceGuid();
  w.app = h.stagedApp("app");
  w.domain = h.call("GET", "/v3/domains?names=localhost")["resources"][0]["guid"]
                 .get<std::string>();
  w.route = h.call("POST", "/v3/routes",
                   {{"host", "app"},
                    {"relationships", {{"space", {{"data", {{"guid", w.space}}}}},
                                       {"domain", {{"data", {{"guid", w.domain}}}}}}}})["guid"]
                .get<std::string>();
  w.si = h.call("POST", "/v3/service_instances",
                {{"type", "user-provided"},
                 {"name", "db"},
                 {"credentials", {{"password", "s3cret"}}},
                 {"relationships", {{"space", {{"data", {{"guid", w.space}}}}}}}})["guid"]
             .get<std::string>();
  return w;
}

// Makes the caller of a column; "" for the admin, who uses the seeded admin.
std::string makeCaller(Harness& h, const World& w, const Who& who) {
  if (std::string(who.name) == "admin") return "";
  std::string user = h.makeUser(who.name, who.global_scope);
  for (RoleType t : who.org_roles) h.grant(user, t, w.org);
  if (!who.space_roles.empty()) h.grant(user, RoleType::kOrganizationUser, w.org);
  for (RoleType t : who.space_roles) h.grant(user, t, w.space);
  return user;
}

http::Response send(Harness& h, const Who& who, const std::string& method,
                    const std::string& target, const std::string& body = "") {
  if (std::string(who.name) == "admin") return h.as_admin(method, target, body);
  return h.as(who.name, method, target, body);
}

std::string rel(const char* name, const std::string& guid) {
  return json({{name, {{"data", {{"guid", guid}}}}}}).dump();
}

}  // namespace

TEST_CASE("the role matrix: every role against every kind of request") {
  struct Row {
    const char* what;
    const char* method;
    std::function<std::string(const World&)> target;
    std::function<std::string(const World&)> body;
    // One status per caller, in the order of everyone():
    //   admin, admin_read_only, global_auditor, org_manager, org_auditor, org_user,
    //   space_manager, space_developer, space_auditor, space_supporter, no_role
    std::vector<int> want;
  };
  auto none = [](const World&) { return std::string(); };
  auto app = [](const char* rest) {
    return [rest](const World& w) { return "/v3/apps/" + w.app + rest; };
  };
  // Requests that change things come after the reads, and deleting the app comes last.
  // clang-format off
  const std::vector<Row> rows = {
    {"get app", "GET", app(""), none,
        {200, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404}},
    {"get process", "GET", [](const World& w) { return "/v3/processes/" + w.app; }, none,
        {200, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404}},
    {"get env", "GET", app("/env"), none,
        {200, 200, 403, 403, 404, 404, 403, 200, 403, 200, 404}},
    {"get environment_variables", "GET", app("/environment_variables"), none,
        {200, 200, 403, 403, 404, 404, 403, 200, 403, 200, 404}},
    {"get service credentials", "GET",
        [](const World& w) { return "/v3/service_instances/" + w.si + "/credentials"; }, none,
        {200, 200, 403, 403, 404, 404, 403, 200, 403, 403, 404}},
    {"read logs", "GET", [](const World& w) { return "/api/v1/read/" + w.app; }, none,
        {200, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404}},
    {"get route", "GET", [](const World& w) { return "/v3/routes/" + w.route; }, none,
        {200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 404}},
    {"get space", "GET", [](const World& w) { return "/v3/spaces/" + w.space; }, none,
        {200, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404}},
    {"get org", "GET", [](const World& w) { return "/v3/organizations/" + w.org; }, none,
        {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404}},
    {"create app", "POST", [](const World&) { return "/v3/apps"; },
        [](const World& w) { return json({{"name", "new"}, {"relationships", json::parse(rel("space", w.space))}}).dump(); },
        {201, 403, 403, 403, 422, 422, 403, 201, 403, 403, 422}},
    {"create package", "POST", [](const World&) { return "/v3/packages"; },
        [](const World& w) { return json({{"type", "bits"}, {"relationships", json::parse(rel("app", w.app))}}).dump(); },
        {201, 403, 403, 403, 422, 422, 403, 201, 403, 403, 422}},
    {"stop app", "POST", app("/actions/stop"), none,
        {200, 403, 403, 403, 404, 404, 403, 200, 403, 200, 404}},
    {"start app", "POST", app("/actions/start"), none,
        {200, 403, 403, 403, 404, 404, 403, 200, 403, 200, 404}},
    {"scale", "POST", app("/processes/web/actions/scale"),
        [](const World&) { return json({{"instances", 1}}).dump(); },
        {202, 403, 403, 403, 404, 404, 403, 202, 403, 202, 404}},
    {"set env", "PATCH", app("/environment_variables"),
        [](const World&) { return json({{"var", {{"A", "1"}}}}).dump(); },
        {200, 403, 403, 403, 404, 404, 403, 200, 403, 200, 404}},
    {"run task", "POST", app("/tasks"),
        [](const World&) { return json({{"command", "true"}}).dump(); },
        {202, 403, 403, 403, 404, 404, 403, 202, 403, 202, 404}},
    {"rename app", "PATCH", app(""),
        [](const World&) { return json({{"name", "app"}}).dump(); },
        {200, 403, 403, 403, 404, 404, 403, 200, 403, 403, 404}},
    {"create route", "POST", [](const World&) { return "/v3/routes"; },
        [](const World& w) { return json({{"host", "new"}, {"relationships", {{"space", {{"data", {{"guid", w.space}}}}}, {"domain", {{"data", {{"guid", w.domain}}}}}}}}).dump(); },
        {201, 403, 403, 403, 422, 422, 403, 201, 403, 403, 422}},
    {"map route", "POST", [](const World& w) { return "/v3/routes/" + w.route + "/destinations"; },
        [](const World& w) { return json({{"destinations", {{{"app", {{"guid", w.app}}}}}}}).dump(); },
        {200, 403, 403, 403, 403, 404, 403, 200, 403, 200, 404}},
    {"create service instance", "POST", [](const World&) { return "/v3/service_instances"; },
        [](const World& w) { return json({{"type", "user-provided"}, {"name", "new"}, {"relationships", json::parse(rel("space", w.space))}}).dump(); },
        {201, 403, 403, 403, 422, 422, 403, 201, 403, 403, 422}},
    {"bind service", "POST", [](const World&) { return "/v3/service_credential_bindings"; },
        [](const World& w) { return json({{"type", "app"}, {"relationships", {{"service_instance", {{"data", {{"guid", w.si}}}}}, {"app", {{"data", {{"guid", w.app}}}}}}}}).dump(); },
        {201, 403, 403, 403, 422, 422, 403, 201, 403, 201, 422}},
    {"create private domain", "POST", [](const World&) { return "/v3/domains"; },
        [](const World& w) { return json({{"name", "private.example.com"}, {"relationships", json::parse(rel("organization", w.org))}}).dump(); },
        {201, 403, 403, 201, 403, 403, 403, 403, 403, 403, 422}},
    {"create shared domain", "POST", [](const World&) { return "/v3/domains"; },
        [](const World&) { return json({{"name", "shared.example.com"}}).dump(); },
        {201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403}},
    {"create buildpack", "POST", [](const World&) { return "/v3/buildpacks"; },
        [](const World&) { return json({{"name", "new_buildpack"}}).dump(); },
        {201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403}},
    {"delete app", "DELETE", app(""), none,
        {202, 403, 403, 403, 404, 404, 403, 202, 403, 403, 404}},
  };
  // clang-format on
  for (size_t c = 0; c < everyone().size(); ++c) {
    const Who& who = everyone()[c];
    Harness h;
    World w = makeWorld(h);
    makeCaller(h, w, who);
    for (const Row& row : rows) {
      REQUIRE(row.want.size() == everyone().size());
      CAPTURE(who.name);
      CAPTURE(row.what);
      http::Response r = send(h, who, row.method, row.target(w), row.body(w));
      CAPTURE(r.body);
      CHECK(r.status == row.want[c]);
      if (r.status == 403) {
        CHECK(errorOf(r)["title"] == "CF-NotAuthorized");
        CHECK(errorOf(r)["code"] == 10003);
      }
      if (r.status == 404) CHECK(errorOf(r)["title"] == "CF-ResourceNotFound");
    }
  }
}

TEST_CASE("lists show only what the caller's roles reach") {
  Harness h;
  std::string org = h.orgGuid();
  std::string space = h.spaceGuid();
  std::string mine = h.createApp("mine");
  // A second org with a space, an app and a private domain the user has no role in.
  model::Org other_org;
  other_org.name = "other";
  auto o = h.store().createOrg(other_org);
  REQUIRE(o.ok());
  model::Space other_space;
  other_space.name = "elsewhere";
  other_space.org_guid = o->guid;
  auto s = h.store().createSpace(other_space);
  REQUIRE(s.ok());
  http::Response theirs = h.as_admin(
      "POST", "/v3/apps",
      json({{"name", "theirs"}, {"relationships", json::parse(rel("space", s->guid))}}).dump());
  REQUIRE(theirs.status == 201);
  REQUIRE(h.as_admin("POST", "/v3/domains",
                     json({{"name", "other.example.com"},
                           {"relationships", json::parse(rel("organization", o->guid))}})
                         .dump())
              .status == 201);

  std::string dev = h.makeUser("dev");
  h.grant(dev, RoleType::kOrganizationUser, org);
  h.grant(dev, RoleType::kSpaceDeveloper, space);
  auto names = [&](const std::string& user, const std::string& target) {
    std::vector<std::string> out;
    http::Response r = h.as(user, "GET", target);
    REQUIRE(r.status == 200);
    json page = json::parse(r.body);
    for (const auto& res : page["resources"]) out.push_back(res["name"].get<std::string>());
    return out;
  };
  CHECK(names("dev", "/v3/apps") == std::vector<std::string>{"mine"});
  CHECK(names("dev", "/v3/organizations") == std::vector<std::string>{"microcf"});
  CHECK(names("dev", "/v3/spaces") == std::vector<std::string>{"dev"});
  CHECK(names("dev", "/v3/domains") == std::vector<std::string>{"localhost"});
  CHECK(json::parse(h.as("dev", "GET", "/v3/processes").body)["pagination"]["total_results"] ==
        1);
  http::Response other = h.as("dev", "GET", "/v3/organizations/" + o->guid);
  CHECK(other.status == 404);
  CHECK(errorOf(other)["detail"] == "Organization not found");
  CHECK(h.as("dev", "GET", "/v3/spaces/" + s->guid).status == 404);

  // An org manager sees every space of the org, and no app outside it.
  std::string boss = h.makeUser("boss");
  h.grant(boss, RoleType::kOrganizationManager, o->guid);
  CHECK(names("boss", "/v3/spaces") == std::vector<std::string>{"elsewhere"});
  CHECK(names("boss", "/v3/apps") == std::vector<std::string>{"theirs"});
  CHECK(names("boss", "/v3/domains") ==
        std::vector<std::string>{"localhost", "other.example.com"});
  // An org user without a space role sees the org, and none of its spaces.
  std::string member = h.makeUser("member");
  h.grant(member, RoleType::kOrganizationUser, o->guid);
  CHECK(names("member", "/v3/organizations") == std::vector<std::string>{"other"});
  CHECK(names("member", "/v3/spaces").empty());
  CHECK(names("member", "/v3/apps").empty());
  // The global auditor sees everything.
  h.makeUser("auditor", "cloud_controller.global_auditor");
  CHECK(names("auditor", "/v3/apps") == std::vector<std::string>{"mine", "theirs"});
  CHECK(names("auditor", "/v3/organizations").size() == 2);
  (void)mine;
}

TEST_CASE("a space supporter reads an app's env with the system env hidden, as Cloud Controller") {
  Harness h;
  std::string app = h.createApp("web");
  std::string si = h.call("POST", "/v3/service_instances",
                          {{"type", "user-provided"},
                           {"name", "db"},
                           {"credentials", {{"password", "s3cret"}}},
                           {"relationships", json::parse(rel("space", h.spaceGuid()))}})["guid"]
                           .get<std::string>();
  REQUIRE(h.as_admin("POST", "/v3/service_credential_bindings",
                     json({{"type", "app"},
                           {"relationships", {{"service_instance", {{"data", {{"guid", si}}}}},
                                              {"app", {{"data", {{"guid", app}}}}}}}})
                         .dump())
              .status == 201);
  REQUIRE(h.as_admin("PATCH", "/v3/apps/" + app + "/environment_variables",
                     json({{"var", {{"GREETING", "hi"}}}}).dump())
              .status == 200);
  for (const char* name : {"supporter", "developer"}) {
    std::string user = h.makeUser(name);
    h.grant(user, RoleType::kOrganizationUser, h.orgGuid());
    h.grant(user, std::string(name) == "supporter" ? RoleType::kSpaceSupporter
                                                   : RoleType::kSpaceDeveloper,
            h.spaceGuid());
  }
  http::Response r = h.as("supporter", "GET", "/v3/apps/" + app + "/env");
  REQUIRE(r.status == 200);
  json env = json::parse(r.body);
  CHECK(env["environment_variables"]["GREETING"] == "hi");
  CHECK(env["system_env_json"] == json({{"redacted_message", "[PRIVATE DATA HIDDEN]"}}));
  CHECK(r.body.find("s3cret") == std::string::npos);
  CHECK(h.as("supporter", "GET", "/v3/service_credential_bindings?include=app").status == 200);

  json dev = json::parse(h.as("developer", "GET", "/v3/apps/" + app + "/env").body);
  CHECK(dev["system_env_json"]["VCAP_SERVICES"]["user-provided"][0]["credentials"]["password"] ==
        "s3cret");
}

TEST_CASE("a process's command is hidden from those who may not read secrets") {
  Harness h;
  std::string app = h.createApp("web");
  REQUIRE(h.as_admin("PATCH", "/v3/processes/" + app,
                     json({{"command", "./run --token=s3cret"}}).dump())
              .status == 200);
  for (const char* name : {"auditor", "developer"}) {
    std::string user = h.makeUser(name);
    h.grant(user, RoleType::kOrganizationUser, h.orgGuid());
    h.grant(user, std::string(name) == "auditor" ? RoleType::kSpaceAuditor
                                                 : RoleType::kSpaceDeveloper,
            h.spaceGuid());
  }
  http::Response r = h.as("auditor", "GET", "/v3/processes/" + app);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["command"] == "[PRIVATE DATA HIDDEN]");
  r = h.as("auditor", "GET", "/v3/apps/" + app + "/processes");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("s3cret") == std::string::npos);
  CHECK(json::parse(h.as("developer", "GET", "/v3/processes/" + app).body)["command"] ==
        "./run --token=s3cret");
}

TEST_CASE("a role given or taken applies to the next request") {
  Harness h;
  std::string app = h.createApp("web");
  std::string user = h.makeUser("dev");
  CHECK(h.as("dev", "GET", "/v3/apps/" + app).status == 404);
  std::string member = h.grant(user, RoleType::kOrganizationUser, h.orgGuid());
  std::string role = h.grant(user, RoleType::kSpaceAuditor, h.spaceGuid());
  CHECK(h.as("dev", "GET", "/v3/apps/" + app).status == 200);
  CHECK(h.as("dev", "POST", "/v3/apps/" + app + "/actions/stop").status == 403);
  REQUIRE(h.store().deleteRole(role).ok());
  CHECK(h.as("dev", "GET", "/v3/apps/" + app).status == 404);
  (void)member;
}

TEST_CASE("a job is seen by the user who started it, and by global readers") {
  Harness h;
  std::string app = h.createApp("doomed");
  for (const char* name : {"dev", "other"}) {
    std::string user = h.makeUser(name);
    h.grant(user, RoleType::kOrganizationUser, h.orgGuid());
    h.grant(user, RoleType::kSpaceDeveloper, h.spaceGuid());
  }
  h.makeUser("reader", "cloud_controller.admin_read_only");
  http::Response del = h.as("dev", "DELETE", "/v3/apps/" + app);
  REQUIRE(del.status == 202);
  REQUIRE(del.header("Location"));
  std::string job = del.header("Location")->substr(del.header("Location")->find("/v3/jobs/"));
  CHECK(h.as("dev", "GET", job).status == 200);
  http::Response other = h.as("other", "GET", job);
  CHECK(other.status == 404);
  CHECK(errorOf(other)["detail"] == "Job not found");
  CHECK(h.as("reader", "GET", job).status == 200);
  CHECK(h.as_admin("GET", job).status == 200);
}
