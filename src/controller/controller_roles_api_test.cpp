// Users, roles, the UAA's SCIM users, and writes of orgs and spaces.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

namespace mcf::controller {
namespace {

json rel(const char* name, const std::string& guid) {
  return {{name, {{"data", {{"guid", guid}}}}}};
}

std::string detail(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["detail"].get<std::string>();
}

// A user made through the UAA's POST /Users, as cf create-user does; returns its guid.
std::string makeUser(Harness& h, const std::string& name, const std::string& password = "pw1") {
  json body = {{"userName", name}, {"password", password}, {"emails", {{{"value", name}}}},
               {"origin", "uaa"}};
  http::Response r = h.as_admin("POST", "/Users", body.dump());
  REQUIRE(r.status == 201);
  std::string guid = json::parse(r.body)["id"];
  REQUIRE(h.as_admin("POST", "/v3/users", json{{"guid", guid}}.dump()).status == 201);
  return guid;
}

std::string orgGuid(Harness& h) {
  return h.call("GET", "/v3/organizations?names=microcf")["resources"][0]["guid"];
}

http::Response postRole(Harness& h, const std::string& type, const json& user, const char* scope,
                        const std::string& guid) {
  json body = {{"type", type}, {"relationships", {{"user", {{"data", user}}}}}};
  body["relationships"][scope] = {{"data", {{"guid", guid}}}};
  return h.as_admin("POST", "/v3/roles", body.dump());
}

TEST_CASE("SCIM users: create, conflict, filter, delete; login works for the new user") {
  Harness h;
  json body = {{"userName", "alice"}, {"password", "s3cret"}, {"emails", {{{"value", "a@x"}}}}};
  http::Response r = h.as_admin("POST", "/Users", body.dump());
  REQUIRE(r.status == 201);
  json u = json::parse(r.body);
  CHECK(u["userName"] == "alice");
  CHECK(u["origin"] == "uaa");
  CHECK(u["emails"][0]["value"] == "a@x");
  CHECK(u["active"] == true);
  CHECK(u["schemas"][0] == "urn:scim:schemas:core:1.0");
  CHECK(!h.login("alice", "s3cret").empty());

  r = h.as_admin("POST", "/Users", json{{"userName", "ALICE"}, {"password", "x"}}.dump());
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"] == "scim_resource_already_exists");
  CHECK(json::parse(r.body)["message"] == "Username already in use: alice");

  json list = json::parse(
      h.as_admin("GET", "/Users?filter=userName%20eq%20%22Alice%22%20and%20origin%20eq%20%22uaa%22")
          .body);
  REQUIRE(list["resources"].size() == 1);
  CHECK(list["totalResults"] == 1);
  CHECK(list["startIndex"] == 1);
  CHECK(list["resources"][0]["id"] == u["id"]);
  list = json::parse(h.as_admin("GET", "/Users?filter=userName%20eq%20%22nobody%22").body);
  CHECK(list["resources"].empty());
  CHECK(h.as_admin("GET", "/Users?filter=userName%20co%20%22a%22").status == 400);

  // Only admins (scim.write) manage users.
  std::string token = h.login("alice", "s3cret");
  r = h.request("POST", "/Users", json{{"userName", "bob"}, {"password", "x"}}.dump(),
                {{"Authorization", "bearer " + token}});
  CHECK(r.status == 403);
  CHECK(json::parse(r.body)["error"] == "insufficient_scope");

  std::string id = u["id"];
  CHECK(h.as_admin("DELETE", "/Users/" + id).status == 200);
  CHECK(h.as_admin("DELETE", "/Users/" + id).status == 404);
  CHECK(h.request("POST", "/oauth/token", "grant_type=password&username=alice&password=s3cret",
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Authorization", "Basic Y2Y6"}})
            .status == 401);
}

TEST_CASE("/v3/users: list with filters, show, POST an existing guid only, delete as a job") {
  Harness h;
  std::string guid = makeUser(h, "carol");
  json list = h.call("GET", "/v3/users?usernames=carol");
  REQUIRE(list["resources"].size() == 1);
  json u = list["resources"][0];
  CHECK(u["guid"] == guid);
  CHECK(u["username"] == "carol");
  CHECK(u["presentable_name"] == "carol");
  CHECK(u["origin"] == "uaa");
  CHECK(u["links"]["self"]["href"].get<std::string>().find("/v3/users/" + guid) !=
        std::string::npos);
  CHECK(h.call("GET", "/v3/users?partial_usernames=aro")["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/users?usernames=carol&origins=ldap")["resources"].empty());
  CHECK(h.call("GET", "/v3/users")["resources"].size() == 2);  // admin and carol
  CHECK(h.call("GET", "/v3/users/" + guid)["username"] == "carol");

  http::Response r = h.as_admin("POST", "/v3/users", json{{"guid", "no-such"}}.dump());
  CHECK(r.status == 422);

  // Deleting takes the roles along.
  REQUIRE(postRole(h, "organization_user", {{"guid", guid}}, "organization", orgGuid(h)).status ==
          201);
  r = h.as_admin("DELETE", "/v3/users/" + guid);
  CHECK(r.status == 202);
  CHECK(h.as_admin("GET", "/v3/users/" + guid).status == 404);
  CHECK(h.call("GET", "/v3/roles?user_guids=" + guid)["resources"].empty());
}

TEST_CASE("roles: shape, include, filters, and Cloud Controller's invariants") {
  Harness h;
  std::string dave = makeUser(h, "dave");
  std::string org = orgGuid(h);
  std::string space = h.spaceGuid();

  // A space role needs a role in the space's org first.
  http::Response r = postRole(h, "space_developer", {{"username", "dave"}}, "space", space);
  CHECK(r.status == 422);
  CHECK(detail(r) == "Users cannot be assigned roles in a space if they do not have a role in "
                     "that space's organization.");

  r = postRole(h, "organization_user", {{"username", "dave"}, {"origin", "uaa"}}, "organization",
               org);
  REQUIRE(r.status == 201);
  json org_role = json::parse(r.body);
  CHECK(org_role["type"] == "organization_user");
  CHECK(org_role["relationships"]["user"]["data"]["guid"] == dave);
  CHECK(org_role["relationships"]["organization"]["data"]["guid"] == org);
  CHECK(org_role["relationships"]["space"]["data"].is_null());
  CHECK(org_role["links"].contains("organization"));

  r = postRole(h, "organization_user", {{"guid", dave}}, "organization", org);
  CHECK(r.status == 422);
  CHECK(detail(r) == "User 'dave' already has 'organization_user' role in organization 'microcf'.");

  r = postRole(h, "space_developer", {{"username", "dave"}}, "space", space);
  REQUIRE(r.status == 201);
  json space_role = json::parse(r.body);
  CHECK(space_role["relationships"]["space"]["data"]["guid"] == space);
  CHECK(space_role["relationships"]["organization"]["data"].is_null());
  r = postRole(h, "space_developer", {{"guid", dave}}, "space", space);
  CHECK(r.status == 422);
  CHECK(json::parse(r.body)["errors"][0]["title"] == "CF-UnprocessableEntity");
  CHECK(detail(r) == "User 'dave' already has 'space_developer' role in space 'dev'.");

  r = postRole(h, "organization_manager", {{"username", "nobody"}, {"origin", "uaa"}},
               "organization", org);
  CHECK(r.status == 422);
  CHECK(detail(r) == "No user exists with the username 'nobody' and origin 'uaa'.");
  CHECK(postRole(h, "space_wizard", {{"guid", dave}}, "space", space).status == 422);
  CHECK(postRole(h, "space_developer", {{"guid", dave}}, "space", "no-such").status == 422);

  json list = h.call("GET", "/v3/roles?include=user,space&user_guids=" + dave);
  CHECK(list["resources"].size() == 2);
  REQUIRE(list["included"]["users"].size() == 1);
  CHECK(list["included"]["users"][0]["username"] == "dave");
  CHECK(list["included"]["spaces"][0]["guid"] == space);
  CHECK(h.call("GET", "/v3/roles?types=space_developer&space_guids=" + space)["resources"].size() ==
        1);
  CHECK(h.call("GET", "/v3/roles?organization_guids=" + org + "&user_guids=" + dave)["resources"]
            .size() == 1);
  CHECK(h.call("GET", "/v3/roles/" + space_role["guid"].get<std::string>())["type"] ==
        "space_developer");

  // The org_user role stays while the user has space roles in the org.
  r = h.as_admin("DELETE", "/v3/roles/" + org_role["guid"].get<std::string>());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Cannot delete organization_user role while user has roles in spaces in "
                     "that organization.");
  CHECK(h.as_admin("DELETE", "/v3/roles/" + space_role["guid"].get<std::string>()).status == 202);
  CHECK(h.as_admin("DELETE", "/v3/roles/" + org_role["guid"].get<std::string>()).status == 202);
  CHECK(h.as_admin("GET", "/v3/roles/" + org_role["guid"].get<std::string>()).status == 404);

  json events = h.call("GET", "/v3/audit_events?types=audit.user.space_developer_add,"
                              "audit.user.organization_user_remove");
  CHECK(events["resources"].size() == 2);
}

TEST_CASE("orgs and spaces: create, rename, names, delete cascades") {
  Harness h;
  http::Response r = h.as_admin("POST", "/v3/organizations", json{{"name", "acme"}}.dump());
  REQUIRE(r.status == 201);
  std::string org = json::parse(r.body)["guid"];
  r = h.as_admin("POST", "/v3/organizations", json{{"name", "acme"}}.dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Organization 'acme' already exists.");
  CHECK(h.as_admin("POST", "/v3/organizations", json{{"name", std::string(256, 'a')}}.dump())
            .status == 422);
  CHECK(h.as_admin("POST", "/v3/organizations", json{{"name", "a\nb"}}.dump()).status == 422);
  CHECK(h.as_admin("PATCH", "/v3/organizations/" + org, json{{"name", "acme2"}}.dump()).status ==
        200);
  CHECK(h.call("GET", "/v3/organizations/" + org)["name"] == "acme2");

  json body = {{"name", "prod"}, {"relationships", rel("organization", org)}};
  r = h.as_admin("POST", "/v3/spaces", body.dump());
  REQUIRE(r.status == 201);
  std::string space = json::parse(r.body)["guid"];
  r = h.as_admin("POST", "/v3/spaces", body.dump());
  CHECK(r.status == 422);
  CHECK(detail(r) == "Name must be unique per organization: the space 'prod' exists already.");
  CHECK(h.as_admin("PATCH", "/v3/spaces/" + space, json{{"name", "live"}}.dump()).status == 200);
  CHECK(h.call("GET", "/v3/spaces/" + space)["name"] == "live");

  // An app, a route and a service instance in the space; a role in it.
  json app = h.call("POST", "/v3/apps", {{"name", "a1"}, {"relationships", rel("space", space)}});
  std::string app_guid = app["guid"];
  std::string domain = h.call("GET", "/v3/domains")["resources"][0]["guid"];
  json route = h.call("POST", "/v3/routes",
                      {{"host", "a1"},
                       {"relationships", {{"space", {{"data", {{"guid", space}}}}},
                                          {"domain", {{"data", {{"guid", domain}}}}}}}});
  REQUIRE(route.contains("guid"));
  json si = h.call("POST", "/v3/service_instances",
                   {{"type", "user-provided"}, {"name", "db"}, {"relationships", rel("space", space)}});
  REQUIRE(si.contains("guid"));
  std::string erin = makeUser(h, "erin");
  REQUIRE(postRole(h, "organization_user", {{"guid", erin}}, "organization", org).status == 201);
  REQUIRE(postRole(h, "space_auditor", {{"guid", erin}}, "space", space).status == 201);

  r = h.as_admin("DELETE", "/v3/spaces/" + space);
  CHECK(r.status == 202);
  CHECK(h.as_admin("GET", "/v3/spaces/" + space).status == 404);
  CHECK(h.as_admin("GET", "/v3/apps/" + app_guid).status == 404);
  CHECK(h.as_admin("GET", "/v3/routes/" + route["guid"].get<std::string>()).status == 404);
  CHECK(h.as_admin("GET", "/v3/service_instances/" + si["guid"].get<std::string>()).status == 404);
  CHECK(h.call("GET", "/v3/roles?user_guids=" + erin)["resources"].size() == 1);  // org role only

  // Deleting the org takes its spaces and roles.
  r = h.as_admin("POST", "/v3/spaces", body.dump());
  REQUIRE(r.status == 201);
  std::string space2 = json::parse(r.body)["guid"];
  CHECK(h.as_admin("DELETE", "/v3/organizations/" + org).status == 202);
  CHECK(h.as_admin("GET", "/v3/organizations/" + org).status == 404);
  CHECK(h.as_admin("GET", "/v3/spaces/" + space2).status == 404);
  CHECK(h.call("GET", "/v3/roles?user_guids=" + erin)["resources"].empty());

  json events = h.call("GET", "/v3/audit_events?types=audit.space.delete-request,"
                              "audit.organization.create,audit.space.create");
  CHECK(events["resources"].size() == 4);
}

TEST_CASE("writes of orgs, spaces and roles are refused to a user without a role") {
  Harness h;
  makeUser(h, "frank", "pw");
  std::string token = h.login("frank", "pw");
  http::Headers bearer = {{"Authorization", "bearer " + token}};
  CHECK(h.request("POST", "/v3/organizations", json{{"name", "x"}}.dump(), bearer).status == 403);
  CHECK(h.request("DELETE", "/v3/spaces/" + h.spaceGuid(), "", bearer).status == 404);
  CHECK(h.request("DELETE", "/v3/users/" + h.call("GET", "/v3/users?usernames=admin")["resources"][0]
                                                 ["guid"].get<std::string>(),
                  "", bearer)
            .status == 404);
}

}  // namespace
}  // namespace mcf::controller
