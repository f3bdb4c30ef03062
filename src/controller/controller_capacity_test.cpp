// Tests of the memory check: starting, scaling and applying a manifest past the memory the
// runtime offers is refused with Cloud Controller's InsufficientRunningResourcesAvailable and
// changes nothing; negative instance counts are refused.
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

json firstError(const http::Response& r) { return json::parse(r.body)["errors"][0]; }

void checkInsufficient(const http::Response& r, const std::string& needs) {
  CHECK(r.status == 503);
  json e = firstError(r);
  CHECK(e["code"] == 150003);
  CHECK(e["title"] == "CF-InsufficientRunningResourcesAvailable");
  std::string detail = e["detail"];
  CHECK(detail.rfind("One or more instances could not be started because of insufficient "
                     "running resources.", 0) == 0);
  CHECK(detail.find(needs) != std::string::npos);
  CHECK(detail.find("microcf up --memory") != std::string::npos);
}

}  // namespace

TEST_CASE("starting an app past the memory available is refused and nothing starts") {
  Harness h;
  h.runtime.memory_capacity_mb = 2048;
  std::string first = h.stagedApp("first");
  std::string second = h.stagedApp("second");
  CHECK(h.as_admin("POST", "/v3/apps/" + first + "/actions/start").status == 200);
  // A stopped app may be scaled past it: nothing runs yet.
  CHECK(h.as_admin("POST", "/v3/processes/" + second + "/actions/scale",
                   R"({"instances": 2})").status == 202);
  h.runtime.changed.clear();

  http::Response refused = h.as_admin("POST", "/v3/apps/" + second + "/actions/start");
  checkInsufficient(refused, "App 'second' needs 2048 MB (2 web instances of 1024 MB); 1024 MB "
                             "of the 2048 MB for apps are free");
  CHECK(h.call("GET", "/v3/apps/" + second)["state"] == "STOPPED");
  CHECK(h.runtime.changed.empty());

  // Room made by stopping the other app: it starts.
  CHECK(h.as_admin("POST", "/v3/apps/" + first + "/actions/stop").status == 200);
  CHECK(h.as_admin("POST", "/v3/apps/" + second + "/actions/start").status == 200);
}

TEST_CASE("scaling a started app past the memory available changes nothing; less always passes") {
  Harness h;
  h.runtime.memory_capacity_mb = 3000;
  std::string app = h.stagedApp("big");
  CHECK(h.as_admin("POST", "/v3/apps/" + app + "/actions/start").status == 200);
  h.runtime.changed.clear();

  checkInsufficient(h.as_admin("POST", "/v3/apps/" + app + "/processes/web/actions/scale",
                               R"({"instances": 3})"),
                    "needs 3072 MB (3 web instances of 1024 MB); 3000 MB of the 3000 MB");
  checkInsufficient(h.as_admin("POST", "/v3/processes/" + app + "/actions/scale",
                               R"({"memory_in_mb": 4096})"),
                    "needs 4096 MB (1 web instance of 4096 MB)");
  json web = h.call("GET", "/v3/processes/" + app);
  CHECK(web["instances"] == 1);
  CHECK(web["memory_in_mb"] == 1024);
  CHECK(h.runtime.changed.empty());

  CHECK(h.as_admin("POST", "/v3/processes/" + app + "/actions/scale",
                   R"({"instances": 2})").status == 202);
  // Less memory than before (or a restart) is never refused, even when the platform is over.
  h.runtime.memory_capacity_mb = 1000;
  CHECK(h.as_admin("POST", "/v3/apps/" + app + "/actions/restart").status == 200);
  CHECK(h.as_admin("POST", "/v3/processes/" + app + "/actions/scale",
                   R"({"instances": 1})").status == 202);
  CHECK(h.call("GET", "/v3/processes/" + app)["instances"] == 1);
}

TEST_CASE("a manifest that scales a started app past the memory available fails its job") {
  Harness h;
  h.runtime.memory_capacity_mb = 4096;
  std::string app = h.stagedApp("grow");
  CHECK(h.as_admin("POST", "/v3/apps/" + app + "/actions/start").status == 200);
  http::Response r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest",
                                "applications:\n- name: grow\n  instances: 5\n  memory: 1G\n");
  REQUIRE(r.status == 202);
  REQUIRE(r.header("Location"));
  const std::string& url = *r.header("Location");
  json job = h.call("GET", url.substr(url.find("/v3/")));
  CHECK(job["state"] == "FAILED");
  CHECK(job["errors"][0]["title"] == "CF-InsufficientRunningResourcesAvailable");
  CHECK(job["errors"][0]["detail"].get<std::string>().find("needs 5120 MB") != std::string::npos);
  CHECK(h.call("GET", "/v3/processes/" + app)["instances"] == 1);

  // Within the memory, the same manifest applies.
  r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest",
                 "applications:\n- name: grow\n  instances: 4\n  memory: 1G\n");
  REQUIRE(r.header("Location"));
  const std::string& again = *r.header("Location");
  CHECK(h.call("GET", again.substr(again.find("/v3/")))["state"] == "COMPLETE");
  CHECK(h.call("GET", "/v3/processes/" + app)["instances"] == 4);
}

TEST_CASE("negative instance counts are refused with the field's message") {
  Harness h;
  std::string app = h.createApp("minus");
  http::Response r = h.as_admin("POST", "/v3/apps/" + app + "/processes/web/actions/scale",
                                R"({"instances": -1})");
  CHECK(r.status == 422);
  CHECK(firstError(r)["title"] == "CF-UnprocessableEntity");
  CHECK(firstError(r)["detail"] == "Instances must be greater than or equal to 0");
  CHECK(h.call("GET", "/v3/processes/" + app)["instances"] == 1);
}
