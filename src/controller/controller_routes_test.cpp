// Routes and domains through the API: private domains, route options, filters, destinations.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

namespace mcf::controller {

namespace {

json rel(const std::string& guid) { return {{"data", {{"guid", guid}}}}; }

std::string orgGuid(Harness& h) {
  return h.call("GET", "/v3/organizations")["resources"][0]["guid"].get<std::string>();
}

std::string sharedDomain(Harness& h) {
  return h.call("GET", "/v3/domains?names=localhost")["resources"][0]["guid"].get<std::string>();
}

http::Response createRoute(Harness& h, const std::string& domain, const json& extra) {
  json body = {{"relationships", {{"space", rel(h.spaceGuid())}, {"domain", rel(domain)}}}};
  body.update(extra);
  return h.as_admin("POST", "/v3/routes", body.dump());
}

std::string detail(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["detail"].get<std::string>();
}
std::string title(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["title"].get<std::string>();
}

}  // namespace

TEST_CASE("Routes API: private domains belong to an org, are listed for it and validated") {
  Harness h;
  std::string org = orgGuid(h);
  http::Response r = h.as_admin("POST", "/v3/domains",
                                json({{"name", "Example.Test"},
                                      {"relationships", {{"organization", rel(org)}}}}).dump());
  REQUIRE(r.status == 201);
  json d = json::parse(r.body);
  CHECK(d["name"] == "example.test");
  CHECK(d["internal"] == false);
  CHECK(d["relationships"]["organization"]["data"]["guid"] == org);
  CHECK(d["supported_protocols"] == json::array({"http"}));

  json listed = h.call("GET", "/v3/organizations/" + org + "/domains");
  REQUIRE(listed["resources"].size() == 2);
  CHECK(listed["resources"][1]["name"] == "example.test");
  json shared = h.call("GET", "/v3/domains?names=localhost")["resources"][0];
  CHECK(shared["relationships"]["organization"]["data"].is_null());
  CHECK(h.call("GET", "/v3/domains?organization_guids=" + org)["resources"].size() == 1);

  r = h.as_admin("POST", "/v3/domains",
                 json({{"name", "example.test"}, {"relationships", {{"organization", rel(org)}}}}).dump());
  CHECK(r.status == 422);
  CHECK(title(r) == "CF-UnprocessableEntity");
  CHECK(detail(r) == "The domain name \"example.test\" is already in use");

  r = h.as_admin("POST", "/v3/domains", json({{"name", "nodots"}}).dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Name must contain at least one \".\"");
  r = h.as_admin("POST", "/v3/domains", json({{"name", "bad_name.test"}}).dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Name does not comply with RFC 1035 standards");
  r = h.as_admin("POST", "/v3/domains",
                 json({{"name", "x.test"}, {"relationships", {{"organization", rel("nope")}}}}).dump());
  CHECK(r.status == 422);
  CHECK(detail(r).find("Organization with guid 'nope' does not exist") == 0);

  // Without an organization the domain is shared.
  r = h.as_admin("POST", "/v3/domains", json({{"name", "shared.test"}}).dump());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["relationships"]["organization"]["data"].is_null());
}

TEST_CASE("Routes API: a private domain of another org is refused for a route") {
  Harness h;
  model::Org other;
  other.name = "other";
  auto stored = h.store().createOrg(other);
  REQUIRE(stored.ok());
  json d = h.call("POST", "/v3/domains",
                  {{"name", "theirs.test"}, {"relationships", {{"organization", rel(stored->guid)}}}});
  http::Response r = createRoute(h, d["guid"].get<std::string>(), {{"host", "x"}});
  CHECK(r.status == 422);
  CHECK(detail(r) == "Invalid domain. Domain 'theirs.test' is not available in organization "
                     "'microcf'.");
  // Not listed for the org either.
  json listed = h.call("GET", "/v3/organizations/" + orgGuid(h) + "/domains");
  CHECK(listed["resources"].size() == 1);
}

TEST_CASE("Routes API: creating routes validates host, path and uniqueness in CC's words") {
  Harness h;
  std::string dom = sharedDomain(h);
  http::Response r = createRoute(h, dom, {{"host", "app"}, {"path", "/api"}});
  REQUIRE(r.status == 201);
  json route = json::parse(r.body);
  CHECK(route["url"] == "app.localhost/api");
  CHECK(route["options"] == json::object());

  r = createRoute(h, dom, {{"host", "app"}, {"path", "/api"}});
  CHECK(r.status == 422);
  CHECK(title(r) == "CF-UnprocessableEntity");
  CHECK(detail(r) == "Route already exists with host 'app' and path '/api' for domain "
                     "'localhost'.");
  // The same host without the path is another route.
  CHECK(createRoute(h, dom, {{"host", "app"}}).status == 201);

  r = createRoute(h, dom, {{"host", "Bad_Host"}});
  CHECK(r.status == 422);
  CHECK(detail(r).find("Host 'Bad_Host' is not valid") == 0);
  r = createRoute(h, dom, {{"host", "p"}, {"path", "api"}});
  CHECK(r.status == 422);
  CHECK(detail(r).find("Path 'api' is not valid") == 0);
  r = createRoute(h, dom, {{"host", "p"}, {"path", "/a?b"}});
  CHECK(r.status == 422);
  r = createRoute(h, dom, json::object());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Missing host. Routes in shared domains must have a host defined.");

  // A private domain may have a route without a host.
  json d = h.call("POST", "/v3/domains",
                  {{"name", "mine.test"}, {"relationships", {{"organization", rel(orgGuid(h))}}}});
  r = createRoute(h, d["guid"].get<std::string>(), json::object());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["url"] == "mine.test");
}

TEST_CASE("Routes API: options.loadbalancing is validated, stored, presented and routed") {
  Harness h;
  std::string dom = sharedDomain(h);
  http::Response r = createRoute(h, dom, {{"host", "lb"}, {"options", {{"loadbalancing", "fastest"}}}});
  CHECK(r.status == 422);
  CHECK(detail(r) == "Options Loadbalancing must be one of 'round-robin, least-connection' if "
                     "present");
  r = createRoute(h, dom, {{"host", "lb"}, {"options", {{"colour", "red"}}}});
  CHECK(r.status == 422);
  CHECK(detail(r) == "Options Unknown field(s): 'colour'");

  r = createRoute(h, dom, {{"host", "lb"}, {"options", {{"loadbalancing", "least-connection"}}}});
  REQUIRE(r.status == 201);
  json route = json::parse(r.body);
  CHECK(route["options"] == json({{"loadbalancing", "least-connection"}}));
  std::string guid = route["guid"].get<std::string>();

  std::string app = h.createApp("lbapp");
  h.call("POST", "/v3/routes/" + guid + "/destinations",
         {{"destinations", {{{"app", {{"guid", app}}}}}}});
  REQUIRE(h.routing.mapped.size() == 1);
  CHECK(h.routing.mapped_loadbalancing.back() == "least-connection");

  // A change reaches the router at once (the route is mapped again with the new options).
  r = h.as_admin("PATCH", "/v3/routes/" + guid,
                 json({{"options", {{"loadbalancing", "round-robin"}}}}).dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["options"]["loadbalancing"] == "round-robin");
  REQUIRE(h.routing.mapped.size() == 2);
  CHECK(h.routing.mapped.back() == FakeRouting::Call{"lb.localhost", "", app});
  CHECK(h.routing.mapped_loadbalancing.back() == "round-robin");
  CHECK(h.call("GET", "/v3/routes/" + guid)["options"]["loadbalancing"] == "round-robin");

  r = h.as_admin("PATCH", "/v3/routes/" + guid, json({{"options", {{"loadbalancing", nullptr}}}}).dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["options"] == json::object());
  CHECK(h.routing.mapped_loadbalancing.back() == "");

  r = h.as_admin("PATCH", "/v3/routes/" + guid,
                 json({{"options", {{"loadbalancing", "random"}}}}).dump());
  CHECK(r.status == 422);
  r = h.as_admin("PATCH", "/v3/routes/" + guid, json({{"host", "other"}}).dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Unknown field(s): 'host'");
  CHECK(h.as_admin("PATCH", "/v3/routes/nope", "{}").status == 404);
}

TEST_CASE("Routes API: list filters and an app's routes") {
  Harness h;
  std::string dom = sharedDomain(h);
  std::string a = json::parse(createRoute(h, dom, {{"host", "a"}}).body)["guid"].get<std::string>();
  std::string b = json::parse(createRoute(h, dom, {{"host", "b"}, {"path", "/x"}}).body)["guid"]
                      .get<std::string>();
  std::string app = h.createApp("filtered");
  h.call("POST", "/v3/routes/" + b + "/destinations", {{"destinations", {{{"app", {{"guid", app}}}}}}});

  auto hosts = [&](const std::string& q) {
    std::vector<std::string> out;
    json list = h.call("GET", "/v3/routes" + q);
    for (const auto& r : list["resources"]) out.push_back(r["host"]);
    return out;
  };
  CHECK(hosts("") == std::vector<std::string>{"a", "b"});
  CHECK(hosts("?hosts=a") == std::vector<std::string>{"a"});
  CHECK(hosts("?paths=/x") == std::vector<std::string>{"b"});
  CHECK(hosts("?app_guids=" + app) == std::vector<std::string>{"b"});
  CHECK(hosts("?domain_guids=" + dom) == std::vector<std::string>{"a", "b"});
  CHECK(hosts("?space_guids=" + h.spaceGuid()) == std::vector<std::string>{"a", "b"});
  CHECK(hosts("?organization_guids=" + orgGuid(h)) == std::vector<std::string>{"a", "b"});
  CHECK(hosts("?organization_guids=nope").empty());
  CHECK(hosts("?hosts=a,b&paths=/x") == std::vector<std::string>{"b"});
  json mine = h.call("GET", "/v3/apps/" + app + "/routes");
  REQUIRE(mine["resources"].size() == 1);
  CHECK(mine["resources"][0]["guid"] == b);
  (void)a;
}

TEST_CASE("Routes API: PATCH destinations replaces them") {
  Harness h;
  std::string dom = sharedDomain(h);
  std::string route =
      json::parse(createRoute(h, dom, {{"host", "swap"}}).body)["guid"].get<std::string>();
  std::string one = h.createApp("one");
  std::string two = h.createApp("two");
  h.call("POST", "/v3/routes/" + route + "/destinations",
         {{"destinations", {{{"app", {{"guid", one}}}}}}});
  http::Response r = h.as_admin("PATCH", "/v3/routes/" + route + "/destinations",
                                json({{"destinations", {{{"app", {{"guid", two}}}}}}}).dump());
  REQUIRE(r.status == 200);
  json dests = json::parse(r.body)["destinations"];
  REQUIRE(dests.size() == 1);
  CHECK(dests[0]["app"]["guid"] == two);
  CHECK(h.routing.unmapped == std::vector<FakeRouting::Call>{{"swap.localhost", "", one}});
  CHECK(h.routing.mapped.back() == FakeRouting::Call{"swap.localhost", "", two});

  r = h.as_admin("PATCH", "/v3/routes/" + route + "/destinations",
                 json({{"destinations", json::array()}}).dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["destinations"].empty());
  CHECK(h.routing.unmapped.back() == FakeRouting::Call{"swap.localhost", "", two});

  r = h.as_admin("PATCH", "/v3/routes/" + route + "/destinations",
                 json({{"destinations", {{{"app", {{"guid", "missing"}}}}}}}).dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "App 'missing' must exist and be in the route's space");
}

TEST_CASE("Routes API: deleting a domain deletes its routes and unmaps their apps") {
  Harness h;
  json d = h.call("POST", "/v3/domains",
                  {{"name", "gone.test"}, {"relationships", {{"organization", rel(orgGuid(h))}}}});
  std::string dom = d["guid"].get<std::string>();
  std::string route =
      json::parse(createRoute(h, dom, {{"host", "h"}, {"path", "/p"}}).body)["guid"].get<std::string>();
  std::string app = h.createApp("victim");
  h.call("POST", "/v3/routes/" + route + "/destinations",
         {{"destinations", {{{"app", {{"guid", app}}}}}}});

  http::Response r = h.as_admin("DELETE", "/v3/domains/" + dom);
  REQUIRE(r.status == 202);
  REQUIRE(r.header("Location"));
  std::string job_url = *r.header("Location");
  json job = h.call("GET", job_url.substr(job_url.find("/v3/")));
  CHECK(job["operation"] == "domain.delete");
  CHECK(job["state"] == "COMPLETE");
  CHECK(h.routing.unmapped == std::vector<FakeRouting::Call>{{"h.gone.test", "/p", app}});
  CHECK(h.as_admin("GET", "/v3/domains/" + dom).status == 404);
  CHECK(h.as_admin("GET", "/v3/routes/" + route).status == 404);
  CHECK(h.call("GET", "/v3/apps/" + app + "/routes")["resources"].empty());
  CHECK(h.as_admin("DELETE", "/v3/domains/" + dom).status == 404);

  r = h.as_admin("DELETE", "/v3/domains/" + sharedDomain(h));
  CHECK(r.status == 422);
  CHECK(detail(r).find("microcf's default domain") != std::string::npos);
}

TEST_CASE("Routes API: apply_manifest gives manifest routes their options, in a private domain") {
  Harness h;
  h.call("POST", "/v3/domains",
         {{"name", "example.test"}, {"relationships", {{"organization", rel(orgGuid(h))}}}});
  std::string yaml = "applications:\n"
                     "- name: front\n"
                     "  routes:\n"
                     "  - route: front.example.test/api\n"
                     "    options:\n"
                     "      loadbalancing: least-connection\n";
  http::Response r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest",
                                yaml, {{"Content-Type", "application/x-yaml"}});
  REQUIRE(r.status == 202);
  json routes = h.call("GET", "/v3/routes?hosts=front");
  REQUIRE(routes["resources"].size() == 1);
  CHECK(routes["resources"][0]["url"] == "front.example.test/api");
  CHECK(routes["resources"][0]["options"] == json({{"loadbalancing", "least-connection"}}));
  REQUIRE(!h.routing.mapped.empty());
  CHECK(h.routing.mapped.back().host == "front.example.test");
  CHECK(h.routing.mapped_loadbalancing.back() == "least-connection");

  std::string bad = "applications:\n"
                    "- name: front\n"
                    "  routes:\n"
                    "  - route: front.example.test\n"
                    "    options: {loadbalancing: fastest}\n";
  r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest", bad,
                 {{"Content-Type", "application/x-yaml"}});
  CHECK(r.status == 422);
  CHECK(detail(r).find("line 5: route option 'loadbalancing' must be round-robin or "
                       "least-connection, got 'fastest'") != std::string::npos);
}

}  // namespace mcf::controller
