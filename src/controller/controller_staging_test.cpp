// Tests of packages, uploads, builds, droplets, start/restart and stats through Controller::handle.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "archive/archive.h"
#include "base/fs.h"
#include "controller/api.h"
#include "controller/custom_buildpacks.h"
#include "controller/errors.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

// A real zip of a small app, made with archive::create.
std::string goodZip(Harness& h) {
  std::string src = h.dir() + "/app-src";
  REQUIRE(base::makeDirs(src + "/public").ok());
  REQUIRE(base::writeFileAtomic(src + "/public/index.html", "<h1>hello</h1>\n").ok());
  REQUIRE(base::writeFileAtomic(src + "/Staticfile", "").ok());
  std::string zip = h.dir() + "/app.zip";
  REQUIRE(archive::create(src, zip, archive::Format::kZip).ok());
  auto bytes = base::readFile(zip);
  REQUIRE(bytes.ok());
  return *bytes;
}

std::string newPackage(Harness& h, const std::string& app) {
  json pkg = h.call("POST", "/v3/packages",
                    {{"type", "bits"}, {"relationships", {{"app", {{"data", {{"guid", app}}}}}}}});
  CHECK(pkg["state"] == "AWAITING_UPLOAD");
  CHECK(pkg["links"]["upload"]["method"] == "POST");
  return pkg.at("guid");
}

std::string buildBody(const std::string& package_guid) {
  return json({{"package", {{"guid", package_guid}}}}).dump();
}

StagingResult stagedResult() {
  StagingResult r;
  r.droplet_blob_key = std::string(64, 'a');
  r.droplet_sha256 = std::string(64, 'a');
  r.process_types = {{"web", "bash boot.sh"}, {"worker", "bash work.sh"}};
  r.buildpacks = {{"staticfile_buildpack", "staticfile", "1.6.0", "staticfile"}};
  return r;
}

}  // namespace

TEST_CASE("uploading a good zip makes the package READY with its sha256") {
  Harness h;
  std::string app = h.createApp("static");
  std::string pkg = newPackage(h, app);
  http::Response r = h.upload(pkg, goodZip(h));
  REQUIRE(r.status == 200);
  json body = json::parse(r.body);
  CHECK(body["state"] == "READY");
  std::string sha = body["data"]["checksum"]["value"];
  CHECK(sha.size() == 64);
  CHECK(body["data"]["checksum"]["type"] == "sha256");
  CHECK(h.blobs->has(sha));
  CHECK(h.call("GET", "/v3/packages/" + pkg)["state"] == "READY");
  CHECK(h.call("GET", "/v3/apps/" + app + "/packages")["pagination"]["total_results"] == 1);

  // A second upload to the same package is refused.
  CHECK(h.upload(pkg, goodZip(h)).status == 422);
}

TEST_CASE("a zip with an entry escaping the app directory fails the package with 422") {
  Harness h;
  std::string app = h.createApp("evil");
  std::string pkg = newPackage(h, app);
  http::Response r = h.upload(pkg, zipWithEntry("../escape.txt", "gotcha"));
  CHECK(r.status == 422);
  json e = json::parse(r.body)["errors"][0];
  CHECK(e["title"] == "CF-UnprocessableEntity");
  CHECK(e["detail"].get<std::string>().find("escape.txt") != std::string::npos);
  json stored = h.call("GET", "/v3/packages/" + pkg);
  CHECK(stored["state"] == "FAILED");
  CHECK(stored["data"]["error"] == e["detail"]);
  CHECK_FALSE(base::pathExists(h.dir() + "/tmp/escape.txt"));
  CHECK_FALSE(base::pathExists(h.dir() + "/escape.txt"));
}

TEST_CASE("resource matches echo the entries the pool has; uploads may list them instead of bits") {
  Harness h;
  std::string src = h.dir() + "/big";
  REQUIRE(base::makeDirs(src).ok());
  std::string big = "small files are pooled too\n";
  REQUIRE(base::writeFileAtomic(src + "/big.bin", big).ok());
  REQUIRE(h.pool->add(src + "/big.bin").ok());
  auto sha1 = blobstore::sha1File(src + "/big.bin");
  REQUIRE(sha1.ok());
  json entry = {{"checksum", {{"value", *sha1}}}, {"size_in_bytes", big.size()},
                {"path", "data/big.bin"}, {"mode", "644"}};
  json other = {{"checksum", {{"value", std::string(40, '0')}}}, {"size_in_bytes", 10},
                {"path", "nope"}, {"mode", "644"}};
  http::Response m = h.as_admin("POST", "/v3/resource_matches",
                                json({{"resources", {entry, other}}}).dump());
  CHECK(m.status == 201);
  CHECK(json::parse(m.body)["resources"] == json::array({entry}));

  std::string app = h.createApp("pooled");
  std::string pkg = newPackage(h, app);
  http::Response r = h.upload(pkg, goodZip(h), json::array({entry}).dump());
  REQUIRE(r.status == 200);
  std::string key = json::parse(r.body)["data"]["checksum"]["value"];
  std::string out = h.dir() + "/unpacked";
  REQUIRE(archive::extract(h.blobs->path(key), out).ok());
  CHECK(*base::readFile(out + "/data/big.bin") == big);
  CHECK(base::pathExists(out + "/public/index.html"));

  std::string bad_pkg = newPackage(h, app);
  json escaping = entry;
  escaping["path"] = "../../etc/passwd";
  CHECK(h.upload(bad_pkg, "", json::array({escaping}).dump()).status == 422);
}

TEST_CASE("an upload pools its files: the same files again need no bits, and a bad entry fails") {
  Harness h;
  std::string app = h.createApp("again");
  std::string first = newPackage(h, app);
  REQUIRE(h.upload(first, goodZip(h)).status == 200);

  // Every file of goodZip, the empty Staticfile included, now matches.
  std::string src = h.dir() + "/app-src";
  json resources = json::array();
  for (const char* rel : {"public/index.html", "Staticfile"}) {
    std::string file = src + "/" + rel;
    resources.push_back({{"checksum", {{"value", *blobstore::sha1File(file)}}},
                         {"size_in_bytes", base::readFile(file)->size()},
                         {"path", rel},
                         {"mode", "640"}});
  }
  http::Response m = h.as_admin("POST", "/v3/resource_matches",
                                json({{"resources", resources}}).dump());
  REQUIRE(m.status == 201);
  CHECK(json::parse(m.body)["resources"] == resources);

  std::string second = newPackage(h, app);
  http::Response r = h.upload(second, "", resources.dump());
  REQUIRE(r.status == 200);
  std::string key = json::parse(r.body)["data"]["checksum"]["value"];
  std::string out = h.dir() + "/second";
  REQUIRE(archive::extract(h.blobs->path(key), out).ok());
  CHECK(*base::readFile(out + "/public/index.html") == "<h1>hello</h1>\n");
  CHECK(*base::readFile(out + "/Staticfile") == "");
  struct stat st;
  REQUIRE(::stat((out + "/public/index.html").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);

  // An entry of the right size but other bytes (a crash tore it) is refused, and dropped.
  std::string sha1 = resources[0]["checksum"]["value"];
  std::string entry = h.pool->path(sha1);
  REQUIRE(::unlink(entry.c_str()) == 0);  // a link of the first upload's file: replace it
  REQUIRE(base::writeFileAtomic(entry, "<h1>HELLO</h1>\n").ok());
  std::string third = newPackage(h, app);
  http::Response bad = h.upload(third, "", resources.dump());
  CHECK(bad.status == 422);
  CHECK(json::parse(bad.body)["errors"][0]["detail"].get<std::string>().find(
            "'public/index.html' (sha1 " + sha1 + ") is no longer cached; push again") !=
        std::string::npos);
  CHECK(h.call("GET", "/v3/packages/" + third)["state"] == "FAILED");
  m = h.as_admin("POST", "/v3/resource_matches", json({{"resources", resources}}).dump());
  CHECK(json::parse(m.body)["resources"] == json::array({resources[1]}));
}

TEST_CASE("a build stages through the Stager into a droplet; the droplet makes the processes") {
  Harness h;
  std::string app = h.createApp("static");
  std::string pkg = newPackage(h, app);
  REQUIRE(h.upload(pkg, goodZip(h)).status == 200);
  h.routing.mapped.clear();

  http::Response created = h.as_admin("POST", "/v3/builds", buildBody(pkg));
  REQUIRE(created.status == 201);
  json build = json::parse(created.body);
  CHECK(build["state"] == "STAGING");
  CHECK(build["droplet"].is_null());
  CHECK(build["created_by"]["name"] == "admin");
  REQUIRE(h.stager.requests.size() == 1);
  const StagingRequest& req = h.stager.requests[0];
  CHECK(req.app_guid == app);
  CHECK(base::pathExists(req.package_path));
  bool has_vcap = false;
  for (const auto& kv : req.env) has_vcap = has_vcap || kv.rfind("VCAP_APPLICATION=", 0) == 0;
  CHECK(has_vcap);

  http::Response again = h.as_admin("POST", "/v3/builds", buildBody(pkg));
  CHECK(again.status == 422);
  CHECK(json::parse(again.body)["errors"][0]["title"] == "CF-StagingInProgress");
  CHECK(json::parse(again.body)["errors"][0]["code"] == 170017);

  h.stager.finish(0, stagedResult());
  json staged = h.call("GET", "/v3/builds/" + build["guid"].get<std::string>());
  CHECK(staged["state"] == "STAGED");
  std::string droplet = staged["droplet"]["guid"];
  json d = h.call("GET", "/v3/droplets/" + droplet);
  CHECK(d["state"] == "STAGED");
  CHECK(d["process_types"] == json({{"web", "bash boot.sh"}, {"worker", "bash work.sh"}}));
  CHECK(d["buildpacks"][0]["name"] == "staticfile_buildpack");
  CHECK(d["checksum"]["value"] == std::string(64, 'a'));

  json rel = h.call("PATCH", "/v3/apps/" + app + "/relationships/current_droplet",
                    {{"data", {{"guid", droplet}}}});
  CHECK(rel["data"]["guid"] == droplet);
  json processes = h.call("GET", "/v3/apps/" + app + "/processes");
  CHECK(processes["pagination"]["total_results"] == 2);
  json worker = h.call("GET", "/v3/apps/" + app + "/processes/worker");
  CHECK(worker["instances"] == 0);
  CHECK(worker["command"] == "bash work.sh");  // detected, since none was set
  CHECK(h.call("GET", "/v3/apps/" + app + "/droplets/current")["guid"] == droplet);
  // The lists of what belongs to apps, globally and per app, with filters.
  CHECK(h.call("GET", "/v3/droplets")["resources"][0]["guid"] == droplet);
  CHECK(h.call("GET", "/v3/apps/" + app + "/droplets?current=true")["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/builds?states=STAGED")["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/builds?states=FAILED")["pagination"]["total_results"] == 0);
  CHECK(h.call("GET", "/v3/apps/" + app + "/builds")["resources"][0]["droplet"]["guid"] == droplet);
  CHECK(h.call("GET", "/v3/packages?app_guids=" + app)["pagination"]["total_results"] == 1);
  CHECK(h.call("GET", "/v3/packages?app_guids=someone-else")["pagination"]["total_results"] == 0);
  CHECK(h.call("GET", "/v3/apps/" + app + "/packages")["pagination"]["first"]["href"] ==
        "http://api.localhost:8080/v3/apps/" + app + "/packages?page=1&per_page=50");

  h.runtime.changed.clear();
  json started = h.call("POST", "/v3/apps/" + app + "/actions/start");
  CHECK(started["state"] == "STARTED");
  CHECK(h.runtime.changed == std::vector<std::string>{app});

  std::string version = h.call("GET", "/v3/processes/" + app)["version"];
  json restarted = h.call("POST", "/v3/apps/" + app + "/actions/restart");
  CHECK(restarted["state"] == "STARTED");
  CHECK(h.call("GET", "/v3/processes/" + app)["version"] != version);
}

TEST_CASE("a failed staging fails the build with Cloud Foundry's error text") {
  Harness h;
  std::string app = h.createApp("nothing");
  std::string pkg = newPackage(h, app);
  REQUIRE(h.upload(pkg, goodZip(h)).status == 200);
  json build = h.call("POST", "/v3/builds", {{"package", {{"guid", pkg}}}});
  h.stager.finish(0, base::makeError(base::Errc::kNoAppDetected,
                                     "None of the buildpacks detected a compatible application"));
  json failed = h.call("GET", "/v3/builds/" + build["guid"].get<std::string>());
  CHECK(failed["state"] == "FAILED");
  CHECK(failed["error"].get<std::string>().rfind(
            "NoAppDetectedError - An app was not successfully detected by any available buildpack",
            0) == 0);
  // A new build may start once the failed one is over.
  CHECK(h.as_admin("POST", "/v3/builds", buildBody(pkg)).status == 201);
}

TEST_CASE("process stats report every desired index in the contract's shape") {
  Harness h;
  std::string app = h.createApp("busy");
  InstanceStatus running;
  running.index = 0;
  running.state = model::InstanceState::kRunning;
  running.instance_guid = "inst-0";
  running.host = "127.0.0.1";
  running.port = 61001;
  running.uptime_s = 42;
  running.mem_bytes = 1 << 20;
  running.disk_bytes = 2 << 20;
  running.cpu = 0.5;
  running.routable = true;
  InstanceStatus down;
  down.index = 1;
  h.runtime.statuses[app] = {running, down};
  json stats = h.call("GET", "/v3/processes/" + app + "/stats");
  REQUIRE(stats["resources"].size() == 2);
  json s = stats["resources"][0];
  CHECK(s["type"] == "web");
  CHECK(s["index"] == 0);
  CHECK(s["state"] == "RUNNING");
  CHECK(s["instance_guid"] == "inst-0");
  CHECK(s["routable"] == true);
  CHECK(s["usage"]["mem"] == 1 << 20);
  CHECK(s["usage"]["time"].is_string());
  CHECK(s["host"] == "127.0.0.1");
  CHECK(s["instance_ports"][0]["external"] == 61001);
  CHECK(s["uptime"] == 42);
  CHECK(s["mem_quota"] == int64_t(1024) * 1024 * 1024);
  CHECK(s["disk_quota"] == int64_t(1024) * 1024 * 1024);
  CHECK(s["fds_quota"] == 16384);
  CHECK(s["log_rate_limit"] == -1);
  CHECK(s["isolation_segment"].is_null());
  CHECK(s["details"].is_null());
  CHECK(stats["resources"][1]["state"] == "DOWN");
  CHECK(stats["resources"][1]["uptime"] == 0);
  CHECK(h.call("GET", "/v3/apps/" + app + "/processes/web/stats") == stats);
}

TEST_CASE("a staging error that already carries Cloud Foundry's sentence is not repeated") {
  std::string text = buildError(base::makeError(
      base::Errc::kNoAppDetected,
      "An app was not successfully detected by any available buildpack. Buildpacks tried: a, b."));
  CHECK(text ==
        "NoAppDetectedError - An app was not successfully detected by any available buildpack. "
        "Buildpacks tried: a, b.");
  CHECK(buildError(base::makeError(base::Errc::kStagingError, "disk full")) ==
        "StagingError - Staging error: staging failed: disk full");
}

TEST_CASE("a build of the same files, buildpacks and environment reuses the droplet") {
  Harness h;
  std::string app = h.createApp("static");
  auto stageNew = [&](const std::string& zip) {
    std::string pkg = newPackage(h, app);
    REQUIRE(h.upload(pkg, zip).status == 200);
    http::Response r = h.as_admin("POST", "/v3/builds", buildBody(pkg));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return json::parse(r.body);
  };
  std::string zip = goodZip(h);
  json first = stageNew(zip);
  REQUIRE(h.stager.requests.size() == 1);
  // The droplet's blob exists (a droplet whose blob is gone is never reused).
  REQUIRE(base::writeFileAtomic(h.dir() + "/droplet.tgz", "droplet bytes").ok());
  auto blob = h.blobs->put(h.dir() + "/droplet.tgz", false);
  REQUIRE(blob.ok());
  StagingResult result = stagedResult();
  result.droplet_blob_key = result.droplet_sha256 = *blob;
  h.stager.finish(0, result);
  std::string droplet = h.call("GET", "/v3/builds/" + first["guid"].get<std::string>())["droplet"]["guid"];

  // The same files zipped again, as a new package: no staging.
  std::string rezipped = goodZip(h);
  json second = stageNew(rezipped);
  CHECK(second["state"] == "STAGED");
  CHECK(second["droplet"]["guid"] == droplet);
  CHECK(h.stager.requests.size() == 1);
  bool said = false;
  for (const auto& e : h.logs.read(app, {}))
    said = said || e.payload.find("Staging skipped") != std::string::npos;
  CHECK(said);

  // Asked not to reuse (restage), it stages.
  {
    std::string pkg = newPackage(h, app);
    REQUIRE(h.upload(pkg, zip).status == 200);
    json body = {{"package", {{"guid", pkg}}},
                 {"metadata", {{"annotations", {{"microcf.io/reuse-droplet", "false"}}}}}};
    http::Response r = h.as_admin("POST", "/v3/builds", body.dump());
    REQUIRE(r.status == 201);
    CHECK(json::parse(r.body)["state"] == "STAGING");
    REQUIRE(h.stager.requests.size() == 2);
    h.stager.finish(1, result);
  }

  // Another environment stages again.
  h.call("PATCH", "/v3/apps/" + app + "/environment_variables", {{"var", {{"MODE", "x"}}}});
  json third = stageNew(zip);
  CHECK(third["state"] == "STAGING");
  CHECK(h.stager.requests.size() == 3);
  h.stager.finish(2, result);

  // Other files stage again.
  std::string src = h.dir() + "/other";
  REQUIRE(base::makeDirs(src).ok());
  REQUIRE(base::writeFileAtomic(src + "/Staticfile", "root: public\n").ok());
  REQUIRE(archive::create(src, h.dir() + "/other.zip", archive::Format::kZip).ok());
  json fourth = stageNew(base::readFile(h.dir() + "/other.zip").value());
  CHECK(fourth["state"] == "STAGING");
  CHECK(h.stager.requests.size() == 4);
}

TEST_CASE("buildpack URLs: file:// must exist on the platform and is for admins only") {
  Harness h;
  std::string bp = h.dir() + "/my-bp";
  REQUIRE(base::makeDirs(bp + "/bin").ok());
  json lifecycle = {{"type", "buildpack"},
                    {"data", {{"buildpacks", {"file://" + bp, "staticfile_buildpack"}}}}};
  json app = h.call("POST", "/v3/apps",
                    {{"name", "custom"},
                     {"lifecycle", lifecycle},
                     {"relationships", {{"space", {{"data", {{"guid", h.spaceGuid()}}}}}}}});
  REQUIRE(app.contains("guid"));
  CHECK(app["lifecycle"]["data"]["buildpacks"][0] == "file://" + bp);

  // A path that is not there: 422 before anything changes.
  json missing = {{"lifecycle",
                   {{"type", "buildpack"}, {"data", {{"buildpacks", {"file:///no/such/bp"}}}}}}};
  http::Response r = h.as_admin("PATCH", "/v3/apps/" + app["guid"].get<std::string>(),
                                missing.dump());
  CHECK(r.status == 422);
  CHECK(r.body.find("Buildpack 'file:///no/such/bp' not found") != std::string::npos);
  CHECK(h.call("GET", "/v3/apps/" + app["guid"].get<std::string>())["lifecycle"]["data"]
            ["buildpacks"][0] == "file://" + bp);

  // Other URLs are accepted as they are; the stager fetches them.
  json git = {{"lifecycle", {{"type", "buildpack"},
                             {"data", {{"buildpacks", {"https://example.com/bp.git#v1"}}}}}}};
  CHECK(h.as_admin("PATCH", "/v3/apps/" + app["guid"].get<std::string>(), git.dump()).status ==
        200);

  Call call;
  call.claims = auth::Claims{};
  call.claims->scopes = {"cloud_controller.read", "cloud_controller.write"};
  auto denied = checkBuildpackUrls(call, {"file://" + bp});
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.error().code == base::Errc::kForbidden);
  CHECK(checkBuildpackUrls(call, {"https://example.com/bp.zip", "python_buildpack"}).ok());
  call.claims->scopes.push_back("cloud_controller.admin");
  CHECK(checkBuildpackUrls(call, {"file://" + bp + "#v1"}).ok());
  CHECK(checkBuildpackUrls(call, {"https://example.com/a,b.zip"}).error().code ==
        base::Errc::kInvalid);
  CHECK(checkBuildpackUrls(call, {"file://relative/bp"}).error().code == base::Errc::kInvalid);
}

TEST_CASE("a build with a URL buildpack stages every time: its droplet is never reused") {
  Harness h;
  std::string app = h.createApp("static");
  std::string bp = h.dir() + "/bp";
  REQUIRE(base::makeDirs(bp + "/bin").ok());
  std::string zip = goodZip(h);
  StagingResult result = stagedResult();
  REQUIRE(base::writeFileAtomic(h.dir() + "/droplet.tgz", "droplet bytes").ok());
  auto blob = h.blobs->put(h.dir() + "/droplet.tgz", false);
  REQUIRE(blob.ok());
  result.droplet_blob_key = result.droplet_sha256 = *blob;
  for (size_t i = 0; i < 2; ++i) {
    std::string pkg = newPackage(h, app);
    REQUIRE(h.upload(pkg, zip).status == 200);
    json lifecycle = {{"type", "buildpack"}, {"data", {{"buildpacks", {"file://" + bp}}}}};
    json body = {{"package", {{"guid", pkg}}}, {"lifecycle", lifecycle}};
    http::Response r = h.as_admin("POST", "/v3/builds", body.dump());
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(json::parse(r.body)["state"] == "STAGING");
    REQUIRE(h.stager.requests.size() == i + 1);
    CHECK(h.stager.requests[i].buildpacks == std::vector<std::string>{"file://" + bp});
    h.stager.finish(i, result);
  }
  json nowhere = {{"type", "buildpack"}, {"data", {{"buildpacks", {"file:///nope"}}}}};
  json missing = {{"package", {{"guid", newPackage(h, app)}}}, {"lifecycle", nowhere}};
  CHECK(h.as_admin("POST", "/v3/builds", missing.dump()).status == 422);
}
