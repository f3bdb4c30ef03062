// Tests of /v3/deployments through Controller::handle: validation, a stopped app deployed at
// once, an active deployment's fields, supersede, cancel, and the list's filters.
#include <doctest/doctest.h>

#include "archive/archive.h"
#include "base/fs.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

// Uploads a small app and stages it through the fake stager; returns the droplet guid.
std::string stagedDroplet(Harness& h, const std::string& app) {
  std::string src = h.dir() + "/app-src";
  REQUIRE(base::makeDirs(src).ok());
  REQUIRE(base::writeFileAtomic(src + "/Staticfile", "").ok());
  std::string zip = h.dir() + "/app.zip";
  REQUIRE(archive::create(src, zip, archive::Format::kZip).ok());
  json pkg = h.call("POST", "/v3/packages",
                    {{"type", "bits"}, {"relationships", {{"app", {{"data", {{"guid", app}}}}}}}});
  REQUIRE(h.upload(pkg["guid"], base::readFile(zip).value()).status == 200);
  json build = h.call("POST", "/v3/builds", {{"package", {{"guid", pkg["guid"]}}}});
  StagingResult r;
  r.droplet_blob_key = std::string(64, 'a');
  r.droplet_sha256 = std::string(64, 'a');
  r.process_types = {{"web", "bash boot.sh"}};
  h.stager.finish(h.stager.requests.size() - 1, r);
  return h.call("GET", "/v3/builds/" + build["guid"].get<std::string>())["droplet"]["guid"];
}

json deployBody(const std::string& app, const std::string& droplet = "") {
  json b = {{"relationships", {{"app", {{"data", {{"guid", app}}}}}}}};
  if (!droplet.empty()) b["droplet"] = {{"guid", droplet}};
  return b;
}

std::string detail(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["detail"].get<std::string>();
}

}  // namespace

TEST_CASE("POST /v3/deployments refuses what it cannot deploy, with CF's 422") {
  Harness h;
  std::string app = h.createApp("web");
  http::Response none = h.as_admin("POST", "/v3/deployments", json::object().dump());
  CHECK(none.status == 422);
  CHECK(detail(none).find("Relationships must include the app") == 0);
  http::Response unknown = h.as_admin("POST", "/v3/deployments", deployBody("nope").dump());
  CHECK(unknown.status == 422);
  CHECK(detail(unknown) == "Unable to use app. Ensure that the app exists and you have access to it.");
  http::Response no_droplet = h.as_admin("POST", "/v3/deployments", deployBody(app).dump());
  CHECK(no_droplet.status == 422);
  CHECK(detail(no_droplet) == "The app 'web' has no droplet to deploy. Stage it first (microcf push).");

  std::string droplet = stagedDroplet(h, app);
  json canary = deployBody(app, droplet);
  canary["strategy"] = "canary";
  http::Response c = h.as_admin("POST", "/v3/deployments", canary.dump());
  CHECK(c.status == 422);
  CHECK(detail(c) == "Canary deployments are not supported by microcf; use the 'rolling' strategy.");
  json zero = deployBody(app, droplet);
  zero["options"] = {{"max_in_flight", 0}};
  http::Response z = h.as_admin("POST", "/v3/deployments", zero.dump());
  CHECK(z.status == 422);
  CHECK(detail(z) == "Max in flight must be an integer between 1 and 10000");
  http::Response other = h.as_admin("POST", "/v3/deployments", deployBody(app, "0000").dump());
  CHECK(other.status == 422);
  CHECK(detail(other).find("Unable to deploy droplet 0000") == 0);
  CHECK(h.call("GET", "/v3/deployments")["resources"].empty());
}

TEST_CASE("a deployment of a stopped app starts it on the droplet and is DEPLOYED at once") {
  Harness h;
  std::string app = h.createApp("web");
  std::string droplet = stagedDroplet(h, app);
  h.runtime.changed.clear();
  http::Response r = h.as_admin("POST", "/v3/deployments", deployBody(app, droplet).dump());
  REQUIRE(r.status == 201);
  json d = json::parse(r.body);
  CHECK(d["state"] == "DEPLOYED");
  CHECK(d["status"]["value"] == "FINALIZED");
  CHECK(d["status"]["reason"] == "DEPLOYED");
  CHECK(d["previous_droplet"].is_null());
  CHECK(h.call("GET", "/v3/apps/" + app)["state"] == "STARTED");
  CHECK(h.call("GET", "/v3/apps/" + app + "/droplets/current")["guid"] == droplet);
  CHECK(h.runtime.changed == std::vector<std::string>{app});
}

TEST_CASE("an active deployment: its fields, supersede, cancel and the list's filters") {
  Harness h;
  std::string app = h.createApp("web");
  std::string v1 = stagedDroplet(h, app);
  REQUIRE(h.as_admin("POST", "/v3/deployments", deployBody(app, v1).dump()).status == 201);
  std::string old_version = h.call("GET", "/v3/processes/" + app)["version"];
  std::string v2 = stagedDroplet(h, app);

  json body = deployBody(app, v2);
  body["options"] = {{"max_in_flight", 2}};
  http::Response r = h.as_admin("POST", "/v3/deployments", body.dump());
  REQUIRE(r.status == 201);
  json d = json::parse(r.body);
  std::string guid = d["guid"];
  CHECK(d["state"] == "DEPLOYING");
  CHECK(d["status"]["value"] == "ACTIVE");
  CHECK(d["status"]["reason"] == "DEPLOYING");
  CHECK(d["status"]["details"]["error"].is_null());
  CHECK(d["status"]["details"]["last_status_change"].is_string());
  CHECK(d["strategy"] == "rolling");
  CHECK(d["options"]["max_in_flight"] == 2);
  CHECK(d["droplet"]["guid"] == v2);
  CHECK(d["previous_droplet"]["guid"] == v1);
  CHECK(d["new_processes"] == json::array({{{"guid", app}, {"type", "web"}}}));
  CHECK(d["revision"].is_null());
  CHECK(d["relationships"]["app"]["data"]["guid"] == app);
  CHECK(d["links"]["cancel"]["method"] == "POST");
  CHECK(h.call("GET", "/v3/processes/" + app)["version"] != old_version);
  CHECK(h.call("GET", "/v3/apps/" + app + "/droplets/current")["guid"] == v2);
  CHECK(h.call("GET", "/v3/deployments/" + guid)["guid"] == guid);
  CHECK(h.as_admin("GET", "/v3/deployments/nope").status == 404);

  json active = h.call("GET", "/v3/deployments?status_values=ACTIVE&app_guids=" + app);
  REQUIRE(active["resources"].size() == 1);
  CHECK(active["resources"][0]["guid"] == guid);

  // A rolling restart (no droplet: the current one) supersedes it.
  http::Response restart = h.as_admin("POST", "/v3/deployments", deployBody(app).dump());
  REQUIRE(restart.status == 201);
  std::string newer = json::parse(restart.body)["guid"];
  CHECK(json::parse(restart.body)["droplet"]["guid"] == v2);
  json superseded = h.call("GET", "/v3/deployments/" + guid);
  CHECK(superseded["state"] == "DEPLOYED");
  CHECK(superseded["status"]["value"] == "FINALIZED");
  CHECK(superseded["status"]["reason"] == "SUPERSEDED");
  CHECK_FALSE(superseded["links"].contains("cancel"));

  http::Response late = h.as_admin("POST", "/v3/deployments/" + guid + "/actions/cancel");
  CHECK(late.status == 422);
  CHECK(detail(late) == "Cannot cancel a DEPLOYED deployment");
  h.runtime.changed.clear();
  http::Response cancel = h.as_admin("POST", "/v3/deployments/" + newer + "/actions/cancel");
  REQUIRE(cancel.status == 200);
  CHECK(json::parse(cancel.body)["state"] == "CANCELING");
  CHECK(json::parse(cancel.body)["status"]["reason"] == "CANCELING");
  CHECK(h.runtime.changed == std::vector<std::string>{app});

  json newest = h.call("GET", "/v3/deployments?order_by=-created_at&per_page=1");
  CHECK(newest["pagination"]["total_results"] == 3);
  json reasons = h.call("GET", "/v3/deployments?status_reasons=SUPERSEDED,DEPLOYED");
  CHECK(reasons["resources"].size() == 2);
  CHECK(h.call("GET", "/v3/deployments?states=CANCELING")["resources"][0]["guid"] == newer);
}
