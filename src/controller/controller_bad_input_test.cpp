// Bad input through the API: strict bodies (unknown fields, wrong types, relationships), names,
// strict list queries (unknown parameters, timestamp filters, SQL metacharacters).
#include <doctest/doctest.h>

#include "base/strutil.h"
#include "controller/testing/harness.h"

namespace mcf::controller {

namespace {

json rel(const std::string& guid) { return {{"data", {{"guid", guid}}}}; }

json error(const http::Response& r) { return json::parse(r.body)["errors"][0]; }

http::Response createApp(Harness& h, const json& extra) {
  json body = {{"relationships", {{"space", rel(h.spaceGuid())}}}};
  body.update(extra);
  return h.as_admin("POST", "/v3/apps", body.dump());
}

}  // namespace

TEST_CASE("Bad input: unknown body fields are refused with 422 naming them") {
  Harness h;
  http::Response r = createApp(h, {{"name", "a1"}, {"colour", "red"}, {"size", 3}});
  CHECK(r.status == 422);
  json e = error(r);
  CHECK(e["code"] == 10008);
  CHECK(e["title"] == "CF-UnprocessableEntity");
  CHECK(e["detail"] == "Unknown field(s): 'colour', 'size'");
  // Nothing was created.
  CHECK(h.call("GET", "/v3/apps?names=a1")["pagination"]["total_results"] == 0);

  std::string app = h.createApp("a2");
  // metadata is accepted where Cloud Controller accepts it.
  r = h.as_admin("PATCH", "/v3/apps/" + app,
                 json({{"metadata", {{"labels", json::object()}}}}).dump());
  CHECK(r.status == 200);
  r = h.as_admin("PATCH", "/v3/apps/" + app, json({{"nmae", "typo"}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Unknown field(s): 'nmae'");
  r = h.as_admin("PATCH", "/v3/apps/" + app, json({{"metadata", "x"}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Metadata must be an object");

  // One per handler family: processes scale/update, env vars, tasks, packages, builds,
  // routes, service instances, deployments, droplets.
  std::string web = h.call("GET", "/v3/apps/" + app + "/processes")["resources"][0]["guid"];
  struct Case {
    const char* method;
    std::string target;
    json body;
  };
  std::string space = h.spaceGuid();
  for (const Case& c : std::vector<Case>{
           {"POST", "/v3/processes/" + web + "/actions/scale", {{"instances", 1}, {"cpu", 2}}},
           {"PATCH", "/v3/processes/" + web, {{"cpu", 2}}},
           {"PATCH", "/v3/apps/" + app + "/environment_variables", {{"var", json::object()},
                                                                    {"cpu", 2}}},
           {"POST", "/v3/apps/" + app + "/tasks", {{"command", "true"}, {"cpu", 2}}},
           {"POST", "/v3/packages", {{"type", "bits"}, {"relationships", {{"app", rel(app)}}},
                                     {"cpu", 2}}},
           {"POST", "/v3/builds", {{"package", {{"guid", "x"}}}, {"cpu", 2}}},
           {"POST", "/v3/service_instances", {{"type", "user-provided"}, {"name", "s"},
                                              {"relationships", {{"space", rel(space)}}},
                                              {"cpu", 2}}},
           {"POST", "/v3/deployments", {{"relationships", {{"app", rel(app)}}}, {"cpu", 2}}},
           {"PATCH", "/v3/apps/" + app + "/relationships/current_droplet",
            {{"data", {{"guid", "x"}}}, {"cpu", 2}}},
       }) {
    CAPTURE(c.target);
    r = h.as_admin(c.method, c.target, c.body.dump());
    CHECK(r.status == 422);
    CHECK(error(r)["detail"] == "Unknown field(s): 'cpu'");
  }
}

TEST_CASE("Bad input: wrong types and relationships answer 422 naming the field, never library "
          "text") {
  Harness h;
  http::Response r = createApp(h, {{"name", 42}});
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Name must be a string");

  r = h.as_admin("POST", "/v3/apps", json({{"name", "a"}, {"relationships", "space"}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"].get<std::string>().starts_with("Relationships must be an object"));
  r = h.as_admin("POST", "/v3/apps",
                 json({{"name", "a"}, {"relationships", {{"space", "guid"}}}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"].get<std::string>().starts_with("Relationships space must be"));
  r = h.as_admin("POST", "/v3/apps",
                 json({{"name", "a"}, {"relationships", {{"space", {{"data", {{"guid", 7}}}}}}}})
                     .dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"].get<std::string>().starts_with("Relationships space must be"));
  r = h.as_admin("POST", "/v3/apps",
                 json({{"name", "a"}, {"relationships", {{"spaec", rel(h.spaceGuid())}}}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Relationships has unknown field(s): 'spaec'");

  // A type the handler does not check itself still answers a clean 422.
  std::string app = h.createApp("t1");
  std::string route_domain =
      h.call("GET", "/v3/domains")["resources"][0]["guid"].get<std::string>();
  json route = h.call("POST", "/v3/routes",
                      {{"host", "t1"},
                       {"relationships", {{"space", rel(h.spaceGuid())},
                                          {"domain", rel(route_domain)}}}});
  r = h.as_admin("POST", "/v3/routes/" + route["guid"].get<std::string>() + "/destinations",
                 json({{"destinations", {{{"app", {{"guid", 12}}}}}}}).dump());
  CHECK(r.status == 422);
  CHECK(error(r)["title"] == "CF-UnprocessableEntity");
  CHECK(r.body.find("json.exception") == std::string::npos);
  CHECK(r.body.find("type_error") == std::string::npos);

  // Not JSON at all: 400 CF-MessageParseError.
  r = h.as_admin("POST", "/v3/apps", "{\"name\": ");
  CHECK(r.status == 400);
  CHECK(error(r)["title"] == "CF-MessageParseError");
}

TEST_CASE("Bad input: names are at most 255 characters, without control characters; unicode "
          "is fine") {
  Harness h;
  http::Response r = createApp(h, {{"name", std::string(256, 'a')}});
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Name is too long (maximum is 255 characters)");
  r = createApp(h, {{"name", std::string(255, 'a')}});
  CHECK(r.status == 201);
  std::vector<std::string> bads = {"new\nline", "tab\there", std::string("nul\0x", 5),
                                   "del\x7f", "c1\xc2\x85"};
  for (const std::string& bad : bads) {
    CAPTURE(bad);
    r = createApp(h, {{"name", bad}});
    CHECK(r.status == 422);
    CHECK(error(r)["detail"].get<std::string>().find("control characters") != std::string::npos);
  }
  // 255 characters of two bytes each: counted as characters, not bytes.
  std::string accents;
  for (int i = 0; i < 255; ++i) accents += "\xc3\xa9";  // é
  r = createApp(h, {{"name", accents}});
  CHECK(r.status == 201);
  std::string unicode = "\xe6\x97\xa5\xe6\x9c\xac-app-\xf0\x9f\x9a\x80";  // 日本-app-🚀
  r = createApp(h, {{"name", unicode}});
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["name"] == unicode);
  json list = h.call("GET", "/v3/apps?names=" + base::urlEncode(unicode));
  CHECK(list["pagination"]["total_results"] == 1);

  std::string app = json::parse(r.body)["guid"];
  r = h.as_admin("PATCH", "/v3/apps/" + app, json({{"name", "a\rb"}}).dump());
  CHECK(r.status == 422);
  r = h.as_admin("POST", "/v3/service_instances",
                 json({{"type", "user-provided"}, {"name", std::string(300, 's')},
                       {"relationships", {{"space", rel(h.spaceGuid())}}}})
                     .dump());
  CHECK(r.status == 422);
  CHECK(error(r)["detail"] == "Name is too long (maximum is 255 characters)");
}

TEST_CASE("Bad input: unknown query parameters answer 400 CF-BadQueryParameter listing the valid "
          "ones") {
  Harness h;
  h.createApp("q1");
  http::Response r = h.as_admin("GET", "/v3/apps?nmes=q1");
  CHECK(r.status == 400);
  json e = error(r);
  CHECK(e["code"] == 10005);
  CHECK(e["title"] == "CF-BadQueryParameter");
  std::string detail = e["detail"];
  CHECK(detail.starts_with("Unknown query parameter(s): 'nmes'. Valid parameters are: 'page', "
                           "'per_page', 'order_by', 'label_selector'"));
  CHECK(detail.find("'names'") != std::string::npos);
  for (std::string target : {"/v3/spaces?foo=1", "/v3/organizations?foo=1", "/v3/routes?foo=1",
                             "/v3/processes?foo=1", "/v3/packages?foo=1", "/v3/droplets?foo=1",
                             "/v3/builds?foo=1", "/v3/tasks?foo=1", "/v3/deployments?foo=1",
                             "/v3/service_instances?foo=1", "/v3/domains?foo=1",
                             "/v3/audit_events?foo=1", "/v3/stacks?foo=1",
                             "/v3/buildpacks?foo=1", "/v3/service_credential_bindings?foo=1"}) {
    CAPTURE(target);
    r = h.as_admin("GET", target);
    CHECK(r.status == 400);
    CHECK(error(r)["detail"].get<std::string>().starts_with("Unknown query parameter(s): 'foo'"));
  }
  // Always allowed: page, per_page, order_by, label_selector; include where honoured; the
  // cf CLI's fields[...] on service instances.
  CHECK(h.as_admin("GET", "/v3/apps?page=1&per_page=2&order_by=name&label_selector=env%3Dprod"
                          "&include=space").status == 200);
  CHECK(h.as_admin("GET", "/v3/spaces?include=organization").status == 200);
  CHECK(h.as_admin("GET", "/v3/service_instances?fields%5Bspace%5D=guid,name").status == 200);
  CHECK(h.as_admin("GET", "/v3/processes?include=space").status == 400);

  // New simple filters.
  std::string space = h.spaceGuid();
  CHECK(h.call("GET", "/v3/processes?space_guids=" + space)["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/processes?space_guids=nope")["pagination"]["total_results"] == 0);
  CHECK(h.call("GET", "/v3/apps?lifecycle_type=buildpack")["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/apps?lifecycle_type=docker")["pagination"]["total_results"] == 0);
  CHECK(h.call("GET", "/v3/routes?ports=1024")["pagination"]["total_results"] == 0);
  CHECK(h.as_admin("GET", "/v3/packages?types=bits&space_guids=" + space).status == 200);
  CHECK(h.as_admin("GET", "/v3/tasks?organization_guids=x").status == 200);
}

TEST_CASE("Bad input: created_ats and updated_ats filter with [lt] [lte] [gt] [gte]") {
  Harness h;
  h.createApp("c1");
  json app = h.call("GET", "/v3/apps?names=c1")["resources"][0];
  std::string at = app["created_at"];
  CHECK(h.call("GET", "/v3/apps?created_ats=" + at)["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/apps?created_ats%5Blte%5D=" + at)["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/apps?created_ats%5Blt%5D=" + at)["pagination"]["total_results"] == 0);
  CHECK(h.call("GET", "/v3/apps?created_ats[gt]=2000-01-01T00:00:00Z")["pagination"]
              ["total_results"] == 1);
  CHECK(h.call("GET", "/v3/apps?updated_ats[gte]=2999-01-01T00:00:00Z")["pagination"]
              ["total_results"] == 0);
  http::Response r = h.as_admin("GET", "/v3/apps?created_ats[lt]=yesterday");
  CHECK(r.status == 400);
  CHECK(error(r)["title"] == "CF-BadQueryParameter");
  r = h.as_admin("GET", "/v3/apps?created_ats[near]=2000-01-01T00:00:00Z");
  CHECK(r.status == 400);
  r = h.as_admin("GET", "/v3/apps?names[gt]=a");
  CHECK(r.status == 400);
}

TEST_CASE("Bad input: SQL metacharacters in filters are plain values") {
  Harness h;
  h.createApp("s1");
  for (std::string evil : {"' OR '1'='1", "x\"; DROP TABLE apps; --", "%", "_", "\\",
                           "') OR 1=1 --", "*"}) {
    CAPTURE(evil);
    std::string v = base::urlEncode(evil);
    for (std::string filter : {"names", "guids", "space_guids", "organization_guids", "states"}) {
      http::Response r = h.as_admin("GET", "/v3/apps?" + filter + "=" + v);
      CHECK(r.status == 200);
      CHECK(json::parse(r.body)["pagination"]["total_results"] == 0);
    }
    CHECK(h.call("GET", "/v3/audit_events?types=" + v)["pagination"]["total_results"] == 0);
    CHECK(h.call("GET", "/v3/routes?hosts=" + v)["pagination"]["total_results"] == 0);
    CHECK(h.call("GET", "/v3/deployments?states=" + v)["pagination"]["total_results"] == 0);
  }
  // Still there, and still alone.
  CHECK(h.call("GET", "/v3/apps")["pagination"]["total_results"] == 1);
}

}  // namespace mcf::controller
