// Tests of /v3/buildpacks: shapes, position shifting, uniqueness, admin-only writes, uploads.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include "base/fs.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

std::string order(Harness& h) {
  json list = h.call("GET", "/v3/buildpacks");
  std::string out;
  for (const auto& b : list["resources"])
    out += std::to_string(b["position"].get<int>()) + ":" + b["name"].get<std::string>() + " ";
  return out;
}

http::Response uploadBits(Harness& h, const std::string& guid, const std::string& zip,
                          const std::string& filename = "my_bp.zip") {
  std::string boundary = "mcf-test-boundary-0123456789abcdef";
  return h.as_admin("POST", "/v3/buildpacks/" + guid + "/upload",
                    http::buildMultipart({{"bits", filename, "application/zip", zip}}, boundary),
                    {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
}

std::string detail(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["detail"].get<std::string>();
}

}  // namespace

TEST_CASE("buildpacks: create answers CC's shape and positions shift like CF") {
  Harness h;
  http::Response r = h.as_admin("POST", "/v3/buildpacks",
                                json({{"name", "a_bp"}, {"position", 1}}).dump());
  REQUIRE(r.status == 201);
  json a = json::parse(r.body);
  CHECK(a["name"] == "a_bp");
  CHECK(a["state"] == "AWAITING_UPLOAD");
  CHECK(a["stack"].is_null());
  CHECK(a["filename"].is_null());
  CHECK(a["position"] == 1);
  CHECK(a["enabled"] == true);
  CHECK(a["locked"] == false);
  CHECK(a["lifecycle"] == "buildpack");
  CHECK(a["links"]["upload"]["method"] == "POST");
  CHECK(a["links"]["upload"]["href"].get<std::string>().ends_with(
      "/v3/buildpacks/" + a["guid"].get<std::string>() + "/upload"));

  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"name", "b_bp"}}).dump()).status == 201);
  CHECK(h.as_admin("POST", "/v3/buildpacks",
                   json({{"name", "c_bp"}, {"position", 1}, {"enabled", false}}).dump())
            .status == 201);
  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"name", "d_bp"}, {"position", 42}}).dump())
            .status == 201);
  CHECK(order(h) == "1:c_bp 2:a_bp 3:b_bp 4:d_bp ");

  json filtered = h.call("GET", "/v3/buildpacks?names=b_bp,d_bp");
  CHECK(filtered["pagination"]["total_results"] == 2);
  json paged = h.call("GET", "/v3/buildpacks?per_page=1&page=2");
  CHECK(paged["pagination"]["total_pages"] == 4);
  CHECK(paged["resources"][0]["name"] == "a_bp");
  json got = h.call("GET", "/v3/buildpacks/" + a["guid"].get<std::string>());
  CHECK(got["position"] == 2);
  CHECK(h.as_admin("GET", "/v3/buildpacks/nope").status == 404);
}

TEST_CASE("buildpacks: names unique per stack, validated fields") {
  Harness h;
  REQUIRE(h.as_admin("POST", "/v3/buildpacks", json({{"name", "x"}}).dump()).status == 201);
  http::Response dup = h.as_admin("POST", "/v3/buildpacks", json({{"name", "x"}}).dump());
  CHECK(dup.status == 422);
  CHECK(json::parse(dup.body)["errors"][0]["title"] == "CF-UnprocessableEntity");
  CHECK(detail(dup) == "Buildpack with name 'x' and an unassigned stack already exists");
  http::Response stacked = h.as_admin("POST", "/v3/buildpacks",
                                      json({{"name", "x"}, {"stack", "host"}}).dump());
  CHECK(stacked.status == 201);
  CHECK(json::parse(stacked.body)["stack"] == "host");
  http::Response dup2 = h.as_admin("POST", "/v3/buildpacks",
                                   json({{"name", "x"}, {"stack", "host"}}).dump());
  CHECK(detail(dup2) == "Buildpack with name 'x' and stack 'host' already exists");
  http::Response bad_stack = h.as_admin("POST", "/v3/buildpacks",
                                        json({{"name", "y"}, {"stack", "nostack"}}).dump());
  CHECK(bad_stack.status == 422);
  CHECK(detail(bad_stack) == "Stack 'nostack' does not exist");
  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"name", "a b"}}).dump()).status == 422);
  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"position", 1}}).dump()).status == 422);
  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"name", "z"}, {"position", 0}}).dump())
            .status == 422);
  CHECK(h.as_admin("POST", "/v3/buildpacks", json({{"name", "z"}, {"enabled", "yes"}}).dump())
            .status == 422);
}

TEST_CASE("buildpacks: PATCH moves, renames, toggles; DELETE closes the gap with a job") {
  Harness h;
  std::vector<std::string> guids;
  for (const char* n : {"a", "b", "c"}) {
    http::Response r = h.as_admin("POST", "/v3/buildpacks", json({{"name", n}}).dump());
    REQUIRE(r.status == 201);
    guids.push_back(json::parse(r.body)["guid"].get<std::string>());
  }
  http::Response moved = h.as_admin("PATCH", "/v3/buildpacks/" + guids[2],
                                    json({{"position", 1}, {"enabled", false}}).dump());
  REQUIRE(moved.status == 200);
  CHECK(json::parse(moved.body)["position"] == 1);
  CHECK(json::parse(moved.body)["enabled"] == false);
  CHECK(order(h) == "1:c 2:a 3:b ");
  CHECK(h.as_admin("PATCH", "/v3/buildpacks/" + guids[2], json({{"position", 9}}).dump())
            .status == 200);
  CHECK(order(h) == "1:a 2:b 3:c ");
  http::Response clash = h.as_admin("PATCH", "/v3/buildpacks/" + guids[0],
                                    json({{"name", "b"}}).dump());
  CHECK(clash.status == 422);
  CHECK(detail(clash) == "Buildpack with name 'b' and an unassigned stack already exists");
  CHECK(h.as_admin("PATCH", "/v3/buildpacks/" + guids[0], json({{"name", "a2"}}).dump())
            .status == 200);

  http::Response del = h.as_admin("DELETE", "/v3/buildpacks/" + guids[1]);
  CHECK(del.status == 202);
  REQUIRE(del.header("Location"));
  CHECK(del.header("Location")->find("/v3/jobs/") != std::string::npos);
  CHECK(order(h) == "1:a2 2:c ");
  CHECK(h.as_admin("DELETE", "/v3/buildpacks/" + guids[1]).status == 404);
}

TEST_CASE("buildpacks: upload makes it READY; bad zips and locked buildpacks are refused") {
  Harness h;
  http::Response r = h.as_admin("POST", "/v3/buildpacks", json({{"name", "mine"}}).dump());
  REQUIRE(r.status == 201);
  std::string guid = json::parse(r.body)["guid"].get<std::string>();

  http::Response not_bp = uploadBits(h, guid, zipWithEntry("README.md", "hello\n"));
  CHECK(not_bp.status == 422);
  CHECK(detail(not_bp) ==
        "my_bp.zip is not a buildpack: it has no bin/detect, bin/compile or bin/finalize at its "
        "top");
  http::Response not_zip = uploadBits(h, guid, "just some text");
  CHECK(not_zip.status == 422);
  CHECK(detail(not_zip).find("is not a zip") != std::string::npos);
  http::Response escape = uploadBits(h, guid, zipWithEntry("../bin/detect", "#!/bin/sh\n"));
  CHECK(escape.status == 422);
  CHECK(h.call("GET", "/v3/buildpacks/" + guid)["state"] == "AWAITING_UPLOAD");

  http::Response ok = uploadBits(h, guid, zipWithEntry("bin/detect", "#!/bin/sh\nexit 0\n"));
  REQUIRE(ok.status == 200);
  json up = json::parse(ok.body);
  CHECK(up["state"] == "READY");
  CHECK(up["filename"] == "my_bp.zip");
  CHECK(base::readFile(h.dir() + "/buildpacks/" + guid + "/bin/detect").value() ==
        "#!/bin/sh\nexit 0\n");

  // A second upload replaces the bits; a staging that has the old ones (here: a descriptor
  // of the folder, as a bind mount holds it) still finds them whole.
  int held = ::open((h.dir() + "/buildpacks/" + guid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(held >= 0);
  REQUIRE(uploadBits(h, guid, zipWithEntry("bin/compile", "#!/bin/sh\n"), "v2.zip").status == 200);
  CHECK(::faccessat(held, "bin/detect", F_OK, 0) == 0);
  ::close(held);
  CHECK(!base::pathExists(h.dir() + "/buildpacks/" + guid + "/bin/detect"));
  CHECK(base::pathExists(h.dir() + "/buildpacks/" + guid + "/bin/compile"));
  CHECK(h.call("GET", "/v3/buildpacks/" + guid)["filename"] == "v2.zip");

  REQUIRE(h.as_admin("PATCH", "/v3/buildpacks/" + guid, json({{"locked", true}}).dump()).status ==
          200);
  http::Response locked = uploadBits(h, guid, zipWithEntry("bin/detect", "#!/bin/sh\n"));
  CHECK(locked.status == 422);
  CHECK(detail(locked).starts_with("Buildpack is locked"));

  held = ::open((h.dir() + "/buildpacks/" + guid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(held >= 0);
  CHECK(h.as_admin("DELETE", "/v3/buildpacks/" + guid).status == 202);
  CHECK(!base::pathExists(h.dir() + "/buildpacks/" + guid));
  CHECK(::faccessat(held, "bin/compile", F_OK, 0) == 0);
  ::close(held);
}

TEST_CASE("buildpacks: everyone reads them, only admins write") {
  Harness h;
  REQUIRE(h.as_admin("POST", "/v3/buildpacks", json({{"name", "a"}}).dump()).status == 201);
  model::User user;
  user.username = "dev";
  user.password_hash = "unused";
  user = h.store().createUser(user).value();  // tokens of users not in the store are refused
  http::Headers bearer = {{"Authorization", "bearer " + h.tokens.issueAccess(user, "password")}};
  json list = json::parse(h.request("GET", "/v3/buildpacks", "", bearer).body);
  CHECK(list["pagination"]["total_results"] == 1);
  http::Response denied =
      h.request("POST", "/v3/buildpacks", json({{"name", "b"}}).dump(), bearer);
  CHECK(denied.status == 403);
  CHECK(json::parse(denied.body)["errors"][0]["title"] == "CF-NotAuthorized");
  std::string guid = list["resources"][0]["guid"].get<std::string>();
  CHECK(h.request("DELETE", "/v3/buildpacks/" + guid, "", bearer).status == 403);
  CHECK(h.request("GET", "/v3/buildpacks").status == 401);
}
