// Tests of apply_manifest, jobs and the log-cache API through Controller::handle.
#include <doctest/doctest.h>

#include "base/strutil.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

json jobOf(Harness& h, const http::Response& r) {
  REQUIRE(r.status == 202);
  REQUIRE(r.header("Location"));
  const std::string& url = *r.header("Location");
  CHECK(url.rfind("http://api.localhost:8080/v3/jobs/", 0) == 0);
  return h.call("GET", url.substr(url.find("/v3/")));
}

}  // namespace

TEST_CASE("a bad manifest is refused with every problem and its line") {
  Harness h;
  std::string space = h.spaceGuid();
  std::string yaml = "applications:\n"
                     "- name: hello\n"
                     "  instances: three\n"
                     "  memroy: 256M\n"
                     "  disk_quota: 12\n";
  http::Response r = h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest", yaml,
                                {{"Content-Type", "application/x-yaml"}});
  CHECK(r.status == 422);
  json e = json::parse(r.body)["errors"][0];
  CHECK(e["title"] == "CF-UnprocessableEntity");
  std::string detail = e["detail"];
  CHECK(detail.find("line 3: 'instances' must be a whole number, got 'three'") !=
        std::string::npos);
  CHECK(detail.find("line 4: unknown key 'memroy' in application 'hello' ignored; did you mean "
                    "'memory'?") != std::string::npos);
  CHECK(detail.find("line 5: 'disk_quota' must use a supported unit") != std::string::npos);
  CHECK(h.call("GET", "/v3/apps")["pagination"]["total_results"] == 0);  // nothing applied

  CHECK(h.as_admin("POST", "/v3/spaces/" + space + "/manifest_diff", yaml).status == 422);
}

TEST_CASE("apply_manifest ignores unknown keys and names them in X-Cf-Warnings") {
  Harness h;
  std::string space = h.spaceGuid();
  std::string yaml = "applications:\n"
                     "- name: hello\n"
                     "  memroy: 256M\n"
                     "  instances: 2\n";
  http::Response r = h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest", yaml,
                                {{"Content-Type", "application/x-yaml"}});
  CHECK(r.status == 202);
  const std::string* warnings = r.header("X-Cf-Warnings");
  REQUIRE(warnings != nullptr);
  CHECK(base::urlDecode(*warnings) == "line 3: unknown key 'memroy' in application 'hello' "
                                      "ignored; did you mean 'memory'?");
  CHECK(warnings->find(' ') == std::string::npos);  // URL-encoded
  CHECK(warnings->find(',') == std::string::npos);  // one warning
  json apps = h.call("GET", "/v3/apps?names=hello");
  CHECK(apps["pagination"]["total_results"] == 1);
  // Without unknown keys, no header.
  r = h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest",
                 "applications:\n- name: hello\n", {{"Content-Type", "application/x-yaml"}});
  CHECK(r.status == 202);
  CHECK(r.header("X-Cf-Warnings") == nullptr);
}

TEST_CASE("apply_manifest creates the app, its settings and default route, and maps it") {
  Harness h;
  std::string space = h.spaceGuid();
  std::string yaml = "applications:\n"
                     "- name: hello\n"
                     "  memory: 256M\n"
                     "  instances: 2\n"
                     "  buildpacks: [staticfile_buildpack]\n"
                     "  env: {GREETING: hi}\n"
                     "  health-check-type: http\n"
                     "  default-route: true\n"
                     "  processes:\n"
                     "  - type: worker\n"
                     "    instances: 1\n"
                     "    command: ./work\n";
  http::Response diff = h.as_admin("POST", "/v3/spaces/" + space + "/manifest_diff", yaml);
  CHECK(diff.status == 201);
  CHECK(json::parse(diff.body) == json({{"diff", json::array()}}));

  json job = jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest", yaml));
  CHECK(job["state"] == "COMPLETE");
  CHECK(job["operation"] == "space.apply_manifest");
  json apps = h.call("GET", "/v3/apps?names=hello");
  REQUIRE(apps["resources"].size() == 1);
  json app = apps["resources"][0];
  std::string guid = app["guid"];
  CHECK(app["lifecycle"]["data"]["buildpacks"] == json({"staticfile_buildpack"}));
  CHECK(h.call("GET", "/v3/apps/" + guid + "/environment_variables")["var"]["GREETING"] == "hi");
  json web = h.call("GET", "/v3/apps/" + guid + "/processes/web");
  CHECK(web["memory_in_mb"] == 256);
  CHECK(web["instances"] == 2);
  CHECK(web["health_check"]["type"] == "http");
  CHECK(web["health_check"]["data"]["endpoint"] == "/");
  json worker = h.call("GET", "/v3/apps/" + guid + "/processes/worker");
  CHECK(worker["command"] == "./work");
  CHECK(worker["instances"] == 1);

  CHECK(h.routing.mapped == std::vector<FakeRouting::Call>{{"hello.localhost", "", guid}});
  json routes = h.call("GET", "/v3/apps/" + guid + "/routes");
  REQUIRE(routes["resources"].size() == 1);
  CHECK(routes["resources"][0]["url"] == "hello.localhost");

  // Applying again changes nothing that exists: same app, no second mapping.
  jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest", yaml));
  CHECK(h.call("GET", "/v3/apps")["pagination"]["total_results"] == 1);
  CHECK(h.routing.mapped.size() == 1);

  // Explicit routes are created in the domain they end with; no-route unmaps everything.
  jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest",
                      "applications:\n- name: hello\n  routes:\n  - route: api.localhost/v1\n"));
  CHECK(h.routing.mapped.back() == FakeRouting::Call{"api.localhost", "/v1", guid});
  jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest",
                      "applications:\n- name: hello\n  no-route: true\n"));
  CHECK(h.routing.unmapped.size() == 2);
  CHECK(h.call("GET", "/v3/apps/" + guid + "/routes")["resources"].empty());
}

TEST_CASE("apply_manifest failures are FAILED jobs naming the application") {
  Harness h;
  std::string space = h.spaceGuid();
  json job = jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest",
                                 "applications:\n- name: lost\n  routes:\n"
                                 "  - route: lost.example.org\n"));
  CHECK(job["state"] == "FAILED");
  CHECK(job["errors"][0]["detail"].get<std::string>().rfind(
            "For application 'lost': The route 'lost.example.org' did not match any existing "
            "domains", 0) == 0);
  CHECK(job["errors"][0]["title"] == "CF-UnprocessableEntity");

  json random = jobOf(h, h.as_admin("POST", "/v3/spaces/" + space + "/actions/apply_manifest",
                                    "applications:\n- name: dice\n  random-route: true\n"));
  CHECK(random["state"] == "COMPLETE");
  REQUIRE(h.routing.mapped.size() == 1);
  std::vector<std::string> parts = base::split(h.routing.mapped[0].host, '.');
  CHECK(parts.back() == "localhost");
  std::vector<std::string> words = base::split(parts[0], '-');
  REQUIRE(words.size() == 4);
  CHECK(words[0] == "dice");
  CHECK(words[3].size() == 2);
}

TEST_CASE("log-cache reads envelopes with string timestamps and base64 payloads") {
  Harness h;
  std::string app = h.createApp("chatty");
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "hello");
  h.logs.emit(app, "STG", "0", true, "oops");
  http::Response info = h.request("GET", "/api/v1/info");
  CHECK(info.status == 200);
  CHECK(json::parse(info.body)["version"] == "3.0.0");

  CHECK(h.request("GET", "/api/v1/read/" + app).status == 401);
  json read = h.call("GET", "/api/v1/read/" + app + "?envelope_types=LOG&limit=10");
  json batch = read["envelopes"]["batch"];
  REQUIRE(batch.size() == 2);
  json first = batch[0];
  CHECK(first["timestamp"].is_string());
  CHECK(std::stoll(first["timestamp"].get<std::string>()) > 0);
  CHECK(first["source_id"] == app);
  CHECK(first["instance_id"] == "0");
  CHECK(first["tags"]["source_type"] == "APP/PROC/WEB");
  CHECK(first["log"]["payload"] == base::base64Encode("hello"));
  CHECK(first["log"]["type"] == "OUT");
  CHECK(batch[1]["log"]["type"] == "ERR");

  json newest = h.call("GET", "/api/v1/read/" + app + "?limit=1&descending=true");
  REQUIRE(newest["envelopes"]["batch"].size() == 1);
  CHECK(newest["envelopes"]["batch"][0]["tags"]["source_type"] == "STG");
  std::string after = std::to_string(std::stoll(first["timestamp"].get<std::string>()) + 1);
  json later = h.call("GET", "/api/v1/read/" + app + "?start_time=" + after);
  CHECK(later["envelopes"]["batch"].size() == 1);
  CHECK(h.as_admin("GET", "/api/v1/read/" + app + "?limit=1001").status == 400);
  json gauges = h.call("GET", "/api/v1/read/" + app + "?envelope_types=GAUGE");
  CHECK(gauges["envelopes"]["batch"].empty());
}
