// Tests of GET /v3/stacks and of the stack an app asks for, through Controller::handle.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

TEST_CASE("GET /v3/stacks lists the stacks in Cloud Controller's shape, the default marked") {
  Harness h;
  h.stacks.stacks.push_back({"bookworm", "Debian 12 (bookworm) root filesystem", false});
  json list = h.call("GET", "/v3/stacks");
  REQUIRE(list["resources"].size() == 2);
  CHECK(list["pagination"]["total_results"] == 2);
  json host = list["resources"][0];
  CHECK(host["name"] == "host");
  CHECK(host["description"] == "the host's userland");
  CHECK(host["default"] == true);
  CHECK(host["build_rootfs_image"] == "host");
  CHECK(host["run_rootfs_image"] == "host");
  CHECK(host["metadata"] == json({{"labels", json::object()}, {"annotations", json::object()}}));
  std::string guid = host["guid"];
  CHECK(guid.size() == 36);
  CHECK(host["links"]["self"]["href"] == "http://api.localhost:8080/v3/stacks/" + guid);
  CHECK(host["created_at"].is_string());
  CHECK(host["updated_at"].is_string());
  CHECK(list["resources"][1]["default"] == false);

  // The guid is stable and reaches the stack.
  CHECK(h.call("GET", "/v3/stacks")["resources"][0]["guid"] == guid);
  json one = h.call("GET", "/v3/stacks/" + guid);
  CHECK(one["name"] == "host");
  CHECK(h.as_admin("GET", "/v3/stacks/no-such-guid").status == 404);

  json named = h.call("GET", "/v3/stacks?names=bookworm");
  REQUIRE(named["resources"].size() == 1);
  CHECK(named["resources"][0]["name"] == "bookworm");
  CHECK(h.request("GET", "/v3/stacks").status == 401);
}

TEST_CASE("an app's stack: Cloud Foundry's names mean the default, unknown ones are refused") {
  Harness h;
  h.stacks.stacks.push_back({"bookworm", "Debian 12", false});
  std::string space = h.spaceGuid();
  auto create = [&](const std::string& stack) {
    json body = {{"name", "app-" + stack},
                 {"relationships", {{"space", {{"data", {{"guid", space}}}}}}},
                 {"lifecycle", {{"type", "buildpack"}, {"data", {{"stack", stack}}}}}};
    return h.as_admin("POST", "/v3/apps", body.dump());
  };
  http::Response fs4 = create("cflinuxfs4");
  REQUIRE(fs4.status == 201);
  CHECK(json::parse(fs4.body)["lifecycle"]["data"]["stack"] == "host");
  http::Response bookworm = create("bookworm");
  REQUIRE(bookworm.status == 201);
  CHECK(json::parse(bookworm.body)["lifecycle"]["data"]["stack"] == "bookworm");
  // Without a lifecycle the app gets the default stack.
  CHECK(h.call("GET", "/v3/apps/" + h.createApp("plain"))["lifecycle"]["data"]["stack"] == "host");

  http::Response nope = create("nope");
  CHECK(nope.status == 422);
  json e = json::parse(nope.body)["errors"][0];
  CHECK(e["title"] == "CF-UnprocessableEntity");
  CHECK(e["detail"] == "Stack 'nope' not found. Available stacks: host, bookworm.");
  CHECK(h.call("GET", "/v3/apps?names=app-nope")["resources"].empty());
}

TEST_CASE("a manifest naming an unknown stack is refused before any app is created") {
  Harness h;
  std::string space = h.spaceGuid();
  std::string yaml = "applications:\n- name: first\n- name: second\n  stack: nope\n";
  for (const char* action : {"/manifest_diff", "/actions/apply_manifest"}) {
    http::Response r = h.as_admin("POST", "/v3/spaces/" + space + action, yaml,
                                  {{"Content-Type", "application/x-yaml"}});
    CHECK(r.status == 422);
    json e = json::parse(r.body)["errors"][0];
    CHECK(e["title"] == "CF-UnprocessableEntity");
    CHECK(e["detail"] ==
          "For application 'second': Stack 'nope' not found. Available stacks: host.");
  }
  CHECK(h.call("GET", "/v3/apps")["resources"].empty());
}
