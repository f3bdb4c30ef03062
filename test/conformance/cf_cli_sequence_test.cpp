// The stock cf CLI v8's calls replayed one by one through Controller::handle, in the order the
// CLI makes them for api, login, target, push (with and without a manifest, and --strategy
// rolling), apps, app, scale, logs --recent, env, set-env, restart, restage, run-task, tasks,
// routes, map-route, cups, bind-service and delete (CF-CONTRACT §1.1, §1.3). Each call checks
// the status and the fields the CLI reads from the answer. Staging goes through the fake stager
// and instances through the fake runtime, which a step sets as a real runtime would report.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "blobstore/resource_pool.h"
#include "controller/testing/fake_broker.h"
#include "controller/testing/harness.h"
#include "controller/testing/shape.h"

using namespace mcf;
using namespace mcf::controller;
using namespace mcf::controller::testing;

namespace {

json rel(const std::string& guid) { return {{"data", {{"guid", guid}}}}; }

// The path of an absolute link or Location ("http://api.localhost:8080/v3/jobs/J" →
// "/v3/jobs/J"), as the CLI follows it; fails when it is not absolute.
std::string pathOf(const std::string& url) {
  CHECK_MESSAGE(isAbsoluteUrl(json(url)), url);
  size_t scheme = url.find("://");
  size_t slash = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
  REQUIRE_MESSAGE(slash != std::string::npos, url);
  return url.substr(slash);
}

// What the CLI holds after `cf api` and `cf login`: the endpoints from GET /, its token and
// its target; each call carries the token and the CLI's User-Agent.
struct Cli {
  Harness& h;
  std::string token;
  std::string org, space;

  explicit Cli(Harness& harness) : h(harness) {}

  http::Response send(const std::string& method, const std::string& target,
                      const std::string& body = "", http::Headers headers = {}) {
    headers.push_back({"User-Agent", "cf/8.7.10+5b7ce3c.2024-04-04 (go1.21.8; amd64 linux)"});
    if (!token.empty()) headers.push_back({"Authorization", "bearer " + token});
    if (!body.empty() && method != "GET" && !hasHeader(headers, "Content-Type"))
      headers.push_back({"Content-Type", "application/json"});
    return h.request(method, target, body, std::move(headers));
  }
  // A call that must answer `status`; its JSON (null for an empty body).
  json expect(int status, const std::string& method, const std::string& target,
              const json& body = nullptr) {
    http::Response r = send(method, target, body.is_null() ? "" : body.dump());
    CHECK_MESSAGE(r.status == status, method << " " << target << " -> " << r.status << " "
                                             << r.body);
    return r.body.empty() ? json(nullptr) : json::parse(r.body, nullptr, false);
  }
  // GET /v3/jobs/J until COMPLETE or FAILED (bounded), as the CLI polls every few seconds.
  json pollJob(const http::Response& accepted) {
    CHECK(accepted.status == 202);
    const std::string* location = accepted.header("Location");
    REQUIRE_MESSAGE(location, "202 without a Location: " << accepted.body);
    std::string path = pathOf(*location);
    CHECK(path.rfind("/v3/jobs/", 0) == 0);
    json job;
    for (int i = 0; i < 200; ++i) {
      job = expect(200, "GET", path);
      checkShape(job, {{"guid", T::kGuid}, {"operation", T::kString}, {"state", T::kString},
                       {"errors", T::kArray}, {"warnings", T::kArray}},
                 "job");
      if (job["state"] == "COMPLETE" || job["state"] == "FAILED") break;
      // The work behind the job (a broker's answer) goes on while the CLI waits.
      bool waited = false;
      loop::Timer pause(h.loop);
      pause.start(5, 0, [&] { waited = true; });
      h.loop.runUntil([&] { return waited; });
    }
    return job;
  }
  // The CLI's app lookup: GET /v3/apps?names=N&space_guids=S, one app.
  json app(const std::string& name) {
    json list = expect(200, "GET", "/v3/apps?names=" + name + "&space_guids=" + space);
    REQUIRE(list["resources"].size() == 1);
    json a = list["resources"][0];
    checkShape(a, {{"guid", T::kGuid}, {"name", T::kString}, {"state", T::kString},
                   {"lifecycle.type", T::kString}},
               "app " + name);
    CHECK(a["name"] == name);
    return a;
  }
  // GET /v3/apps/A/processes then /v3/processes/X/stats per process until every process has 0
  // instances or one RUNNING (§1.3 step 15); the fake runtime says what the instances do.
  void waitForStart(const std::string& app_guid) {
    json processes = expect(200, "GET", "/v3/apps/" + app_guid + "/processes");
    REQUIRE(!processes["resources"].empty());
    for (const json& p : processes["resources"]) {
      checkShape(p, {{"guid", T::kGuid}, {"type", T::kString}, {"instances", T::kInt}},
                 "process");
      json stats = expect(200, "GET", "/v3/processes/" + p["guid"].get<std::string>() + "/stats");
      REQUIRE(stats["resources"].is_array());
      if (p["instances"] == 0) continue;
      bool running = false;
      for (const json& s : stats["resources"]) {
        checkShape(s, {{"index", T::kInt}, {"state", T::kString}, {"uptime", T::kInt},
                       {"details", T::kStringOrNull}},
                   "stats");
        running = running || s["state"] == "RUNNING";
      }
      CHECK_MESSAGE(running, "process " << p["type"] << " has no RUNNING instance");
    }
  }

  static bool hasHeader(const http::Headers& headers, const std::string& name) {
    for (const auto& [k, v] : headers)
      if (base::toLower(k) == base::toLower(name)) return true;
    return false;
  }
};

// The fake runtime reports `count` RUNNING instances of process guid.
void reportRunning(Harness& h, const std::string& process_guid, int count) {
  std::vector<InstanceStatus> statuses;
  for (int i = 0; i < count; ++i) {
    InstanceStatus s;
    s.index = i;
    s.state = model::InstanceState::kRunning;
    s.instance_guid = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
    s.host = "10.0.0.2";
    s.port = 61000 + i;
    s.uptime_s = 5;
    s.mem_bytes = 1 << 20;
    s.disk_bytes = 1 << 20;
    s.cpu = 0.1;
    s.routable = true;
    statuses.push_back(s);
  }
  h.runtime.statuses[process_guid] = statuses;
}

// `cf api http://api.localhost:8080` then `cf login -u admin -p P` with one org and one space,
// which the CLI targets by itself.
Cli apiAndLogin(Harness& h) {
  Cli cli(h);
  // cf api: GET / (no token); the CLI keeps the v3, login, uaa and log-cache links.
  json root = cli.expect(200, "GET", "/");
  checkShape(root, {{"links.cloud_controller_v3.href", T::kUrl},
                    {"links.cloud_controller_v3.meta.version", T::kString},
                    {"links.login.href", T::kUrl}, {"links.uaa.href", T::kUrl},
                    {"links.log_cache.href", T::kUrl}},
             "GET /");
  json v3 = cli.expect(200, "GET", pathOf(root["links"]["cloud_controller_v3"]["href"]));
  CHECK(v3["links"]["apps"]["href"].is_string());

  // cf login: GET {login}/login for the prompts, then the password grant with Basic cf:.
  std::string login_base = pathOf(root["links"]["login"]["href"].get<std::string>() + "/");
  login_base.pop_back();
  http::Response prompts =
      cli.send("GET", login_base + "/login", "", {{"Accept", "application/json"}});
  CHECK(prompts.status == 200);
  json p = json::parse(prompts.body);
  CHECK(p["prompts"].contains("username"));
  CHECK(p["prompts"].contains("password"));
  http::Response token = cli.send(
      "POST", login_base + "/oauth/token",
      "grant_type=password&password=" + h.admin_password + "&username=admin",
      {{"Content-Type", "application/x-www-form-urlencoded"},
       {"Authorization", "Basic Y2Y6"},
       {"Accept", "application/json"}});
  REQUIRE(token.status == 200);
  json t = json::parse(token.body);
  CHECK(t["token_type"] == "bearer");
  cli.token = t["access_token"];
  CHECK(t["refresh_token"].is_string());

  // The CLI lists the orgs (one: targeted), then that org's spaces (one: targeted).
  json orgs = cli.expect(200, "GET", "/v3/organizations?order_by=name");
  REQUIRE(orgs["pagination"]["total_results"] == 1);
  cli.org = orgs["resources"][0]["guid"];
  json spaces = cli.expect(200, "GET", "/v3/spaces?order_by=name&organization_guids=" + cli.org);
  REQUIRE(spaces["pagination"]["total_results"] == 1);
  cli.space = spaces["resources"][0]["guid"];
  CHECK(spaces["resources"][0]["name"] == "dev");
  return cli;
}

// A small app's files, zipped by the CLI, and the resource entries it sends to resource_matches.
struct AppBits {
  std::string zip;
  json resources = json::array();
};

AppBits appBits(Harness& h, const std::string& name) {
  std::string src = h.dir() + "/" + name + "-src";
  REQUIRE(base::makeDirs(src).ok());
  REQUIRE(base::writeFileAtomic(src + "/Staticfile", "").ok());
  REQUIRE(base::writeFileAtomic(src + "/index.html", "<h1>" + name + "</h1>\n").ok());
  std::string zip = h.dir() + "/" + name + ".zip";
  REQUIRE(archive::create(src, zip, archive::Format::kZip).ok());
  AppBits bits;
  bits.zip = base::readFile(zip).value();
  std::string index = src + "/index.html";
  bits.resources.push_back({{"checksum", {{"value", blobstore::sha1File(index).value()}}},
                            {"size_in_bytes", base::readFile(index).value().size()},
                            {"path", "index.html"},
                            {"mode", "644"}});
  return bits;
}

// §1.3 steps 5–12: resource_matches, package, upload, package polling, build, build polling
// (the fake stager finishes it), droplet. Returns the droplet's guid.
std::string uploadAndStage(Cli& cli, const std::string& app_guid, const std::string& name,
                           const std::string& web_command = "./run") {
  Harness& h = cli.h;
  AppBits bits = appBits(h, name);
  json matched = cli.expect(201, "POST", "/v3/resource_matches", {{"resources", bits.resources}});
  REQUIRE(matched["resources"].is_array());
  for (const json& m : matched["resources"]) {
    CHECK(m.contains("path"));
    CHECK(m.contains("mode"));
  }

  json pkg = cli.expect(201, "POST", "/v3/packages",
                        {{"type", "bits"}, {"relationships", {{"app", rel(app_guid)}}}});
  CHECK(pkg["state"] == "AWAITING_UPLOAD");
  CHECK(pkg["type"] == "bits");
  std::string upload = pathOf(pkg["links"]["upload"]["href"]);
  CHECK(pkg["links"]["upload"]["method"] == "POST");

  std::vector<http::Part> parts;
  parts.push_back({"resources", "", "", matched["resources"].dump()});
  parts.push_back({"bits", "package.zip", "application/zip", bits.zip});
  std::string boundary = "cf-cli-boundary-4f1c2d";
  http::Response up = cli.send("POST", upload, http::buildMultipart(parts, boundary),
                               {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  REQUIRE(up.status == 200);
  std::string state = json::parse(up.body)["state"];
  CHECK((state == "PROCESSING_UPLOAD" || state == "READY"));
  json polled;
  for (int i = 0; i < 20; ++i) {
    polled = cli.expect(200, "GET", "/v3/packages/" + pkg["guid"].get<std::string>());
    if (polled["state"] != "PROCESSING_UPLOAD") break;
    h.loop.runUntil([] { return true; });
  }
  REQUIRE(polled["state"] == "READY");

  json build = cli.expect(201, "POST", "/v3/builds", {{"package", {{"guid", pkg["guid"]}}}});
  CHECK(build["state"] == "STAGING");
  CHECK(build["package"]["guid"] == pkg["guid"]);
  std::string build_path = "/v3/builds/" + build["guid"].get<std::string>();
  CHECK(cli.expect(200, "GET", build_path)["state"] == "STAGING");  // one poll while staging
  StagingResult r;
  r.droplet_blob_key = std::string(64, 'b');
  r.droplet_sha256 = std::string(64, 'b');
  r.process_types = {{"web", web_command}};
  r.buildpacks = {{"staticfile_buildpack", "staticfile", "1.6.0", "staticfile"}};
  h.stager.finish(h.stager.requests.size() - 1, r);
  json staged = cli.expect(200, "GET", build_path);
  REQUIRE(staged["state"] == "STAGED");
  CHECK(staged["error"].is_null());
  REQUIRE(staged["droplet"].is_object());
  std::string droplet = staged["droplet"]["guid"];

  json d = cli.expect(200, "GET", "/v3/droplets/" + droplet);
  CHECK(d["state"] == "STAGED");
  CHECK(d["process_types"]["web"] == web_command);
  return droplet;
}

// §1.3 step 16: what `cf push` and `cf app` print at the end.
void summary(Cli& cli, const std::string& name, int running) {
  json a = cli.app(name);
  std::string guid = a["guid"];
  json processes = cli.expect(200, "GET", "/v3/apps/" + guid + "/processes");
  for (const json& p : processes["resources"]) {
    std::string pg = p["guid"];
    json full = cli.expect(200, "GET", "/v3/processes/" + pg);
    checkShape(full, {{"type", T::kString}, {"command", T::kStringOrNull},
                      {"instances", T::kInt}, {"memory_in_mb", T::kInt},
                      {"disk_in_mb", T::kInt}, {"health_check.type", T::kString}},
               "process " + pg);
    cli.expect(200, "GET", "/v3/processes/" + pg + "/sidecars");
    json stats = cli.expect(200, "GET", "/v3/processes/" + pg + "/stats");
    if (p["type"] == "web") {
      int n = 0;
      for (const json& s : stats["resources"]) n += s["state"] == "RUNNING" ? 1 : 0;
      CHECK(n == running);
    }
  }
  json routes = cli.expect(200, "GET", "/v3/apps/" + guid + "/routes");
  for (const json& r : routes["resources"]) CHECK(r["url"].is_string());
  json current = cli.expect(200, "GET", "/v3/apps/" + guid + "/droplets/current");
  CHECK(current["state"] == "STAGED");
  checkShape(current, {{"buildpacks", T::kArray}, {"stack", T::kStringOrNull}},
             "current droplet");
  json deployments = cli.expect(200, "GET", "/v3/deployments?app_guids=" + guid +
                                                "&status_values=ACTIVE&order_by=-created_at&per_page=1");
  CHECK(deployments["resources"].is_array());
}

}  // namespace

TEST_CASE("cf CLI v8 replay: api, login, target") {
  Harness h;
  Cli cli = apiAndLogin(h);
  // cf target -o microcf -s dev
  json orgs = cli.expect(200, "GET", "/v3/organizations?names=microcf");
  REQUIRE(orgs["resources"].size() == 1);
  CHECK(orgs["resources"][0]["guid"] == cli.org);
  json spaces =
      cli.expect(200, "GET", "/v3/spaces?names=dev&organization_guids=" + cli.org);
  REQUIRE(spaces["resources"].size() == 1);
  CHECK(spaces["resources"][0]["guid"] == cli.space);
  CHECK(spaces["resources"][0]["relationships"]["organization"]["data"]["guid"] == cli.org);
  // cf target -o nope: an empty list, which the CLI reports as "Organization 'nope' not found".
  CHECK(cli.expect(200, "GET", "/v3/organizations?names=nope")["resources"].empty());
  CHECK(cli.expect(200, "GET", "/v3/spaces?names=nope&organization_guids=" + cli.org)["resources"]
            .empty());
  // The CLI refreshes with the refresh token when its access token expires.
  http::Response fresh = h.request("POST", "/oauth/token",
                                   "grant_type=password&username=admin&password=" + h.admin_password,
                                   {{"Authorization", "Basic Y2Y6"}});
  std::string refresh = json::parse(fresh.body)["refresh_token"];
  http::Response refreshed =
      h.request("POST", "/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh,
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Authorization", "Basic Y2Y6"}});
  CHECK(refreshed.status == 200);
  CHECK(json::parse(refreshed.body)["access_token"].is_string());
}

TEST_CASE("cf CLI v8 replay: push without a manifest, then apps, app, scale, env, set-env") {
  Harness h;
  Cli cli = apiAndLogin(h);

  // cf push conf: the CLI synthesises a manifest from the flags and always applies it.
  http::Response apply = cli.send(
      "POST", "/v3/spaces/" + cli.space + "/actions/apply_manifest",
      "---\napplications:\n- name: conf\n  default-route: true\n",
      {{"Content-Type", "application/x-yaml"}});
  json job = cli.pollJob(apply);
  REQUIRE(job["state"] == "COMPLETE");
  CHECK(job["operation"] == "space.apply_manifest");
  json app = cli.app("conf");
  std::string guid = app["guid"];
  CHECK(app["state"] == "STOPPED");
  CHECK(app["lifecycle"]["type"] == "buildpack");
  std::string droplet = uploadAndStage(cli, guid, "conf");
  json assigned = cli.expect(200, "PATCH", "/v3/apps/" + guid + "/relationships/current_droplet",
                             {{"data", {{"guid", droplet}}}});
  CHECK(assigned["data"]["guid"] == droplet);
  json restarted = cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/restart");
  CHECK(restarted["state"] == "STARTED");
  CHECK(h.runtime.changed.back() == guid);
  reportRunning(h, guid, 1);
  cli.waitForStart(guid);
  summary(cli, "conf", 1);
  // The default route: host = app name on the shared domain.
  json routes = cli.expect(200, "GET", "/v3/apps/" + guid + "/routes");
  REQUIRE(routes["resources"].size() == 1);
  CHECK(routes["resources"][0]["url"] == "conf.localhost");

  // cf apps
  json apps = cli.expect(200, "GET", "/v3/apps?order_by=name&space_guids=" + cli.space);
  REQUIRE(apps["resources"].size() == 1);
  json procs = cli.expect(200, "GET", "/v3/processes?app_guids=" + guid);
  REQUIRE(procs["resources"].size() == 1);
  CHECK(procs["resources"][0]["type"] == "web");
  CHECK(procs["resources"][0]["instances"] == 1);
  json app_routes = cli.expect(200, "GET", "/v3/routes?app_guids=" + guid);
  CHECK(app_routes["resources"].size() == 1);
  cli.expect(200, "GET", "/v3/processes/" + guid + "/stats");

  // cf app conf
  summary(cli, "conf", 1);

  // cf scale conf -i 2: instance-only changes apply live.
  json scaled = cli.expect(202, "POST", "/v3/apps/" + guid + "/processes/web/actions/scale",
                           {{"instances", 2}});
  CHECK(scaled["instances"] == 2);
  CHECK(scaled["type"] == "web");
  reportRunning(h, guid, 2);
  cli.waitForStart(guid);
  CHECK(cli.expect(200, "GET", "/v3/processes/" + guid)["instances"] == 2);
  // cf scale conf -m 256M -f: stop, scale, start.
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/stop")["state"] == "STOPPED");
  json mem = cli.expect(202, "POST", "/v3/apps/" + guid + "/processes/web/actions/scale",
                        {{"memory_in_mb", 256}});
  CHECK(mem["memory_in_mb"] == 256);
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/start")["state"] == "STARTED");
  cli.waitForStart(guid);

  // cf set-env conf GREETING hello, then cf env conf.
  json vars = cli.expect(200, "PATCH", "/v3/apps/" + guid + "/environment_variables",
                         {{"var", {{"GREETING", "hello"}}}});
  CHECK(vars["var"]["GREETING"] == "hello");
  json env = cli.expect(200, "GET", "/v3/apps/" + guid + "/env");
  CHECK(env["environment_variables"]["GREETING"] == "hello");
  CHECK(env["application_env_json"]["VCAP_APPLICATION"]["application_name"] == "conf");
  CHECK(env["system_env_json"]["VCAP_SERVICES"].is_object());
  CHECK(env["running_env_json"].is_object());
  CHECK(env["staging_env_json"].is_object());
  // cf unset-env conf GREETING
  vars = cli.expect(200, "PATCH", "/v3/apps/" + guid + "/environment_variables",
                    {{"var", {{"GREETING", nullptr}}}});
  CHECK(!vars["var"].contains("GREETING"));
}

TEST_CASE("cf CLI v8 replay: push with a manifest (manifest_diff, routes, env, services)") {
  Harness h;
  Cli cli = apiAndLogin(h);
  // cf cups db -p '{"uri":"postgres://db"}' first, as the manifest names it.
  json si = cli.expect(201, "POST", "/v3/service_instances",
                       {{"type", "user-provided"},
                        {"name", "db"},
                        {"credentials", {{"uri", "postgres://db"}}},
                        {"relationships", {{"space", rel(cli.space)}}}});
  CHECK(si["type"] == "user-provided");
  CHECK(si["last_operation"]["state"] == "succeeded");

  std::string manifest =
      "---\napplications:\n- name: shop\n  memory: 128M\n  instances: 2\n"
      "  env:\n    MODE: prod\n  routes:\n  - route: shop.localhost\n  - route: store.localhost\n"
      "  services:\n  - db\n";
  http::Response diff = cli.send("POST", "/v3/spaces/" + cli.space + "/manifest_diff", manifest,
                                 {{"Content-Type", "application/x-yaml"}});
  CHECK(diff.status == 201);
  json d = json::parse(diff.body);
  REQUIRE(d["diff"].is_array());
  for (const json& op : d["diff"]) {
    checkShape(op, {{"op", T::kString}, {"path", T::kString}}, "manifest diff entry");
    CHECK((op["op"] == "add" || op["op"] == "remove" || op["op"] == "replace"));
  }
  http::Response apply = cli.send("POST", "/v3/spaces/" + cli.space + "/actions/apply_manifest",
                                  manifest, {{"Content-Type", "application/x-yaml"}});
  REQUIRE(cli.pollJob(apply)["state"] == "COMPLETE");
  json app = cli.app("shop");
  std::string guid = app["guid"];
  json web = cli.expect(200, "GET", "/v3/apps/" + guid + "/processes/web");
  CHECK(web["memory_in_mb"] == 128);
  CHECK(web["instances"] == 2);
  CHECK(cli.expect(200, "GET", "/v3/apps/" + guid + "/environment_variables")["var"]["MODE"] ==
        "prod");
  json routes = cli.expect(200, "GET", "/v3/apps/" + guid + "/routes");
  std::vector<std::string> urls;
  for (const json& r : routes["resources"]) urls.push_back(r["url"]);
  std::sort(urls.begin(), urls.end());
  CHECK(urls == std::vector<std::string>{"shop.localhost", "store.localhost"});
  json bindings = cli.expect(200, "GET", "/v3/service_credential_bindings?app_guids=" + guid);
  REQUIRE(bindings["resources"].size() == 1);
  CHECK(bindings["resources"][0]["relationships"]["service_instance"]["data"]["guid"] ==
        si["guid"]);

  // The second push of the same manifest: the diff is empty or unchanged-only, nothing new.
  http::Response again = cli.send("POST", "/v3/spaces/" + cli.space + "/manifest_diff", manifest,
                                  {{"Content-Type", "application/x-yaml"}});
  CHECK(again.status == 201);

  std::string droplet = uploadAndStage(cli, guid, "shop");
  cli.expect(200, "PATCH", "/v3/apps/" + guid + "/relationships/current_droplet",
             {{"data", {{"guid", droplet}}}});
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/restart")["state"] == "STARTED");
  reportRunning(h, guid, 2);
  cli.waitForStart(guid);
  summary(cli, "shop", 2);
  json env = cli.expect(200, "GET", "/v3/apps/" + guid + "/env");
  REQUIRE(env["system_env_json"]["VCAP_SERVICES"].contains("user-provided"));
  CHECK(env["system_env_json"]["VCAP_SERVICES"]["user-provided"][0]["name"] == "db");
}

TEST_CASE("cf CLI v8 replay: push --strategy rolling creates a deployment the CLI polls") {
  Harness h;
  Cli cli = apiAndLogin(h);
  std::string space_path = "/v3/spaces/" + cli.space + "/actions/apply_manifest";
  std::string yaml = "---\napplications:\n- name: roll\n  default-route: true\n";
  REQUIRE(cli.pollJob(cli.send("POST", space_path, yaml, {{"Content-Type", "application/x-yaml"}}))
              ["state"] == "COMPLETE");
  std::string guid = cli.app("roll")["guid"];
  // The first push of a new app: the CLI deploys too when --strategy is given.
  std::string first = uploadAndStage(cli, guid, "roll", "./v1");
  json d1 = cli.expect(201, "POST", "/v3/deployments",
                       {{"droplet", {{"guid", first}}},
                        {"strategy", "rolling"},
                        {"relationships", {{"app", rel(guid)}}}});
  checkShape(d1, {{"guid", T::kGuid}, {"status.value", T::kString},
                  {"status.reason", T::kString}, {"droplet.guid", T::kGuid},
                  {"new_processes", T::kArray}},
             "deployment");
  json polled = cli.expect(200, "GET", "/v3/deployments/" + d1["guid"].get<std::string>());
  CHECK(polled["status"]["value"] == "FINALIZED");  // a stopped app is deployed at once
  CHECK(polled["status"]["reason"] == "DEPLOYED");
  CHECK(cli.app("roll")["state"] == "STARTED");
  reportRunning(h, guid, 1);
  cli.waitForStart(guid);

  // A second push of the running app: the deployment is ACTIVE with a new web process.
  REQUIRE(cli.pollJob(cli.send("POST", space_path, yaml, {{"Content-Type", "application/x-yaml"}}))
              ["state"] == "COMPLETE");
  std::string second = uploadAndStage(cli, guid, "roll2", "./v2");
  json d2 = cli.expect(201, "POST", "/v3/deployments",
                       {{"droplet", {{"guid", second}}},
                        {"strategy", "rolling"},
                        {"relationships", {{"app", rel(guid)}}}});
  CHECK(d2["status"]["value"] == "ACTIVE");
  CHECK(d2["status"]["reason"] == "DEPLOYING");
  CHECK(d2["droplet"]["guid"] == second);
  CHECK(d2["previous_droplet"]["guid"] == first);
  REQUIRE(d2["new_processes"].size() == 1);
  // microcf keeps one web process whose version tells old instances from new ones, so the new
  // process is the app's web process (the CLI reads the app's processes, not this guid).
  std::string new_process = d2["new_processes"][0]["guid"];
  CHECK(d2["new_processes"][0]["type"] == "web");
  CHECK(cli.expect(200, "GET", "/v3/processes/" + new_process)["type"] == "web");
  json active = cli.expect(200, "GET", "/v3/deployments?app_guids=" + guid +
                                           "&status_values=ACTIVE&order_by=-created_at&per_page=1");
  REQUIRE(active["resources"].size() == 1);
  CHECK(active["resources"][0]["guid"] == d2["guid"]);
  // The CLI watches the new process's stats while it polls the deployment.
  reportRunning(h, new_process, 1);
  json stats = cli.expect(200, "GET", "/v3/processes/" + new_process + "/stats");
  REQUIRE(stats["resources"].size() == 1);
  CHECK(stats["resources"][0]["state"] == "RUNNING");
  CHECK(cli.expect(200, "GET", "/v3/deployments/" + d2["guid"].get<std::string>())["status"]
                  ["value"] == "ACTIVE");
  // cf cancel-deployment roll
  cli.expect(200, "POST", "/v3/deployments/" + d2["guid"].get<std::string>() + "/actions/cancel");
  // CANCELING until the runtime has put the previous droplet's instances back, then CANCELED.
  json canceled = cli.expect(200, "GET", "/v3/deployments/" + d2["guid"].get<std::string>());
  std::string reason = canceled["status"]["reason"];
  CHECK((reason == "CANCELING" || reason == "CANCELED"));
}

TEST_CASE("cf CLI v8 replay: logs --recent, restart, restage, run-task, tasks") {
  Harness h;
  Cli cli = apiAndLogin(h);
  REQUIRE(cli.pollJob(cli.send("POST", "/v3/spaces/" + cli.space + "/actions/apply_manifest",
                               "---\napplications:\n- name: worky\n",
                               {{"Content-Type", "application/x-yaml"}}))["state"] == "COMPLETE");
  std::string guid = cli.app("worky")["guid"];
  std::string droplet = uploadAndStage(cli, guid, "worky");
  cli.expect(200, "PATCH", "/v3/apps/" + guid + "/relationships/current_droplet",
             {{"data", {{"guid", droplet}}}});
  cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/restart");
  reportRunning(h, guid, 1);

  // cf logs worky --recent: log-cache read, newest first, then printed oldest first.
  h.logs.emit(guid, "APP/PROC/WEB", "0", false, "line one");
  h.logs.emit(guid, "APP/PROC/WEB", "0", true, "line two");
  std::string start = std::to_string(h.clock.nowNs() - int64_t{3600} * 1000000000);
  json read = cli.expect(200, "GET", "/api/v1/read/" + guid +
                                         "?descending=true&envelope_types=LOG&limit=1000&start_time=" +
                                         start);
  json batch = read["envelopes"]["batch"];
  REQUIRE(batch.size() >= 2);
  CHECK(base::base64Decode(batch[0]["log"]["payload"].get<std::string>()) == "line two");
  CHECK(batch[0]["log"]["type"] == "ERR");
  CHECK(base::base64Decode(batch[1]["log"]["payload"].get<std::string>()) == "line one");
  CHECK(batch[1]["log"]["type"] == "OUT");
  CHECK(batch[0]["tags"]["source_type"] == "APP/PROC/WEB");
  CHECK(std::stoll(batch[0]["timestamp"].get<std::string>()) >
        std::stoll(batch[1]["timestamp"].get<std::string>()));

  // cf restart worky
  size_t changes = h.runtime.changed.size();
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/restart")["state"] == "STARTED");
  CHECK(h.runtime.changed.size() > changes);
  cli.waitForStart(guid);

  // cf restage worky: the newest READY package is built again, then stop, droplet, start.
  json pkgs = cli.expect(200, "GET", "/v3/apps/" + guid +
                                         "/packages?states=READY&order_by=-created_at&per_page=1");
  REQUIRE(pkgs["resources"].size() == 1);
  std::string pkg = pkgs["resources"][0]["guid"];
  json build = cli.expect(201, "POST", "/v3/builds", {{"package", {{"guid", pkg}}}});
  std::string build_path = "/v3/builds/" + build["guid"].get<std::string>();
  json staged = cli.expect(200, "GET", build_path);
  if (staged["state"] == "STAGING") {
    StagingResult r;
    r.droplet_blob_key = std::string(64, 'c');
    r.droplet_sha256 = std::string(64, 'c');
    r.process_types = {{"web", "./run"}};
    h.stager.finish(h.stager.requests.size() - 1, r);
    staged = cli.expect(200, "GET", build_path);
  }
  REQUIRE(staged["state"] == "STAGED");
  std::string restaged = staged["droplet"]["guid"];
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/stop")["state"] == "STOPPED");
  cli.expect(200, "PATCH", "/v3/apps/" + guid + "/relationships/current_droplet",
             {{"data", {{"guid", restaged}}}});
  CHECK(cli.expect(200, "POST", "/v3/apps/" + guid + "/actions/start")["state"] == "STARTED");
  cli.waitForStart(guid);

  // cf run-task worky --command "echo hi" --name once
  json task = cli.expect(202, "POST", "/v3/apps/" + guid + "/tasks",
                         {{"command", "echo hi"}, {"name", "once"}});
  checkShape(task, {{"guid", T::kGuid}, {"sequence_id", T::kInt}, {"name", T::kString},
                    {"state", T::kString}},
             "task");
  CHECK(task["name"] == "once");
  CHECK(task["sequence_id"] == 1);
  CHECK((task["state"] == "PENDING" || task["state"] == "RUNNING"));
  CHECK(h.runtime.tasks_created.back() == task["guid"]);
  // A second task without a name gets a generated one and the next sequence id.
  json second = cli.expect(202, "POST", "/v3/apps/" + guid + "/tasks", {{"command", "echo two"}});
  CHECK(second["sequence_id"] == 2);
  CHECK(!second["name"].get<std::string>().empty());

  // cf tasks worky
  json tasks = cli.expect(200, "GET", "/v3/apps/" + guid + "/tasks?order_by=-created_at");
  REQUIRE(tasks["resources"].size() == 2);
  for (const json& t : tasks["resources"]) {
    checkShape(t, {{"sequence_id", T::kInt}, {"name", T::kString}, {"state", T::kString},
                   {"created_at", T::kTime}, {"command", T::kString}},
               "task in cf tasks");
  }
  // cf terminate-task worky 1
  json one = cli.expect(200, "GET", "/v3/apps/" + guid + "/tasks?sequence_ids=1");
  REQUIRE(one["resources"].size() == 1);
  CHECK(one["resources"][0]["guid"] == task["guid"]);
  json canceling = cli.expect(202, "POST",
                              "/v3/tasks/" + task["guid"].get<std::string>() + "/actions/cancel");
  CHECK(canceling["state"] == "CANCELING");
}

TEST_CASE("cf CLI v8 replay: routes, map-route, cups, bind-service, delete") {
  Harness h;
  Cli cli = apiAndLogin(h);
  REQUIRE(cli.pollJob(cli.send("POST", "/v3/spaces/" + cli.space + "/actions/apply_manifest",
                               "---\napplications:\n- name: mapped\n  default-route: true\n",
                               {{"Content-Type", "application/x-yaml"}}))["state"] == "COMPLETE");
  std::string guid = cli.app("mapped")["guid"];

  // cf map-route mapped localhost --hostname extra
  json domains = cli.expect(200, "GET", "/v3/domains?names=localhost");
  REQUIRE(domains["resources"].size() == 1);
  std::string domain = domains["resources"][0]["guid"];
  json existing =
      cli.expect(200, "GET", "/v3/routes?domain_guids=" + domain + "&hosts=extra&paths=");
  CHECK(existing["resources"].empty());
  json route = cli.expect(201, "POST", "/v3/routes",
                          {{"host", "extra"},
                           {"relationships", {{"space", rel(cli.space)}, {"domain", rel(domain)}}}});
  CHECK(route["url"] == "extra.localhost");
  std::string route_guid = route["guid"];
  json mapped = cli.expect(200, "POST", "/v3/routes/" + route_guid + "/destinations",
                           {{"destinations", {{{"app", {{"guid", guid}, {"process", {{"type", "web"}}}}}}}}});
  REQUIRE(mapped["destinations"].size() == 1);
  CHECK(mapped["destinations"][0]["app"]["guid"] == guid);
  CHECK(h.routing.mapped.back().host == "extra.localhost");
  // Mapping again finds the route by host and maps nothing new.
  json found = cli.expect(200, "GET", "/v3/routes?domain_guids=" + domain + "&hosts=extra&paths=");
  REQUIRE(found["resources"].size() == 1);
  CHECK(found["resources"][0]["guid"] == route_guid);

  // cf routes: the space's routes, their domains and the apps of their destinations.
  json routes = cli.expect(200, "GET", "/v3/routes?space_guids=" + cli.space);
  REQUIRE(routes["resources"].size() == 2);
  std::vector<std::string> domain_guids, app_guids;
  for (const json& r : routes["resources"]) {
    checkShape(r, {{"host", T::kString}, {"path", T::kString}, {"url", T::kString},
                   {"destinations", T::kArray}, {"relationships.domain.data.guid", T::kGuid}},
               "route");
    domain_guids.push_back(r["relationships"]["domain"]["data"]["guid"]);
    for (const json& d : r["destinations"]) app_guids.push_back(d["app"]["guid"]);
  }
  json route_domains =
      cli.expect(200, "GET", "/v3/domains?guids=" + base::join(domain_guids, ","));
  CHECK(route_domains["resources"][0]["name"] == "localhost");
  json route_apps = cli.expect(200, "GET", "/v3/apps?guids=" + base::join(app_guids, ","));
  CHECK(route_apps["resources"][0]["name"] == "mapped");

  // cf unmap-route mapped localhost --hostname extra
  json dests = cli.expect(200, "GET", "/v3/routes/" + route_guid + "/destinations");
  REQUIRE(dests["destinations"].size() == 1);
  http::Response unmapped = cli.send(
      "DELETE", "/v3/routes/" + route_guid + "/destinations/" +
                    dests["destinations"][0]["guid"].get<std::string>());
  CHECK(unmapped.status == 204);
  CHECK(cli.expect(200, "GET", "/v3/routes/" + route_guid + "/destinations")["destinations"]
            .empty());

  // cf cups creds -p '{"user":"u"}' then cf bind-service mapped creds
  json si = cli.expect(201, "POST", "/v3/service_instances",
                       {{"type", "user-provided"},
                        {"name", "creds"},
                        {"credentials", {{"user", "u"}}},
                        {"relationships", {{"space", rel(cli.space)}}}});
  json lookup = cli.expect(200, "GET", "/v3/service_instances?names=creds&space_guids=" + cli.space);
  REQUIRE(lookup["resources"].size() == 1);
  CHECK(lookup["resources"][0]["guid"] == si["guid"]);
  CHECK(lookup["resources"][0]["type"] == "user-provided");
  json binding = cli.expect(201, "POST", "/v3/service_credential_bindings",
                            {{"type", "app"},
                             {"relationships", {{"service_instance", rel(si["guid"])},
                                                {"app", rel(guid)}}}});
  CHECK(binding["last_operation"]["state"] == "succeeded");
  CHECK(h.bindings_changed.back() == guid);
  // A second bind of the same pair: CC's 422 with the sentence the CLI recognises, reporting
  // "App mapped is already bound to service instance creds." and exiting 0.
  http::Response twice = cli.send("POST", "/v3/service_credential_bindings",
                                  json({{"type", "app"},
                                        {"relationships", {{"service_instance", rel(si["guid"])},
                                                           {"app", rel(guid)}}}})
                                      .dump());
  CHECK(twice.status == 422);
  json err = json::parse(twice.body)["errors"][0];
  CHECK(err["title"] == "CF-UnprocessableEntity");
  CHECK(err["code"] == 10008);
  CHECK(err["detail"].get<std::string>().rfind("The app is already bound to the service instance",
                                               0) == 0);
  json env = cli.expect(200, "GET", "/v3/apps/" + guid + "/env");
  CHECK(env["system_env_json"]["VCAP_SERVICES"]["user-provided"][0]["credentials"]["user"] == "u");
  // cf services: the bindings' app names.
  json bound = cli.expect(200, "GET", "/v3/service_credential_bindings?service_instance_guids=" +
                                          si["guid"].get<std::string>());
  CHECK(bound["resources"].size() == 1);

  // cf delete mapped -r -f: routes first, then the app, each a job the CLI polls.
  json app_routes = cli.expect(200, "GET", "/v3/apps/" + guid + "/routes");
  for (const json& r : app_routes["resources"]) {
    http::Response del = cli.send("DELETE", "/v3/routes/" + r["guid"].get<std::string>());
    CHECK(cli.pollJob(del)["state"] == "COMPLETE");
  }
  http::Response deleted = cli.send("DELETE", "/v3/apps/" + guid);
  json job = cli.pollJob(deleted);
  CHECK(job["state"] == "COMPLETE");
  CHECK(job["operation"] == "app.delete");
  CHECK(cli.expect(200, "GET", "/v3/apps?names=mapped&space_guids=" + cli.space)["resources"]
            .empty());
  CHECK(cli.expect(200, "GET", "/v3/routes?hosts=mapped")["resources"].empty());
  CHECK(cli.expect(200, "GET", "/v3/routes?app_guids=" + guid)["resources"].empty());
  // The unmapped route stays, as on Cloud Foundry.
  CHECK(cli.expect(200, "GET", "/v3/routes?hosts=extra")["resources"].size() == 1);
  CHECK(cli.expect(200, "GET", "/v3/service_credential_bindings?app_guids=" + guid)["resources"]
            .empty());
  // cf delete mapped -f again: the lookup finds nothing; the CLI says "App 'mapped' does not
  // exist." without another call.
}

TEST_CASE("cf CLI v8 replay: marketplace, create-service, bind-service, delete-service (managed)") {
  setenv("MICROCF_BROKER_POLL_MS", "5", 1);
  Harness h;
  FakeBroker broker;
  h.osb->addBuiltin("fake", &broker);
  Cli cli = apiAndLogin(h);
  // cf create-service-broker fake u p builtin://fake; cf enable-service-access overview
  json job = cli.pollJob(cli.send("POST", "/v3/service_brokers", json({
      {"name", "fake"}, {"url", "builtin://fake"},
      {"authentication", {{"type", "basic"}, {"credentials", {{"username", "u"}, {"password", "p"}}}}}}).dump()));
  REQUIRE(job["state"] == "COMPLETE");
  json offerings = cli.expect(200, "GET", "/v3/service_offerings?names=overview");
  REQUIRE(offerings["resources"].size() == 1);
  json plans = cli.expect(200, "GET", "/v3/service_plans?service_offering_guids=" +
                                          offerings["resources"][0]["guid"].get<std::string>());
  for (const json& p : plans["resources"]) {
    checkShape(p, {{"guid", T::kGuid}, {"name", T::kString}, {"visibility_type", T::kString},
                   {"free", T::kBool}, {"broker_catalog.id", T::kString}},
               "plan");
    cli.expect(200, "PATCH", "/v3/service_plans/" + p["guid"].get<std::string>() + "/visibility",
               {{"type", "public"}});
  }

  // cf marketplace: offerings with their brokers' names, then the plans.
  json market = cli.expect(200, "GET", "/v3/service_offerings?fields[service_broker]=name,guid");
  REQUIRE(market["resources"].size() == 1);
  CHECK(market["included"]["service_brokers"][0]["name"] == "fake");

  // cf create-service overview small db -c '{"size":1}' -t mine
  json plan = cli.expect(200, "GET", "/v3/service_plans?names=small&service_offering_names=overview");
  REQUIRE(plan["resources"].size() == 1);
  http::Response created = cli.send("POST", "/v3/service_instances", json({
      {"type", "managed"}, {"name", "db"}, {"parameters", {{"size", 1}}}, {"tags", {"mine"}},
      {"relationships", {{"space", rel(cli.space)},
                         {"service_plan", rel(plan["resources"][0]["guid"])}}}}).dump());
  CHECK(cli.pollJob(created)["state"] == "COMPLETE");
  // A second create of the name: CC's words, which the CLI turns into "already exists".
  http::Response again = cli.send("POST", "/v3/service_instances", json({
      {"type", "managed"}, {"name", "db"},
      {"relationships", {{"space", rel(cli.space)},
                         {"service_plan", rel(plan["resources"][0]["guid"])}}}}).dump());
  CHECK(again.status == 422);
  CHECK(json::parse(again.body)["errors"][0]["detail"] == "The service instance name is taken: db.");

  // cf services: instances with their plans, offerings and brokers.
  json services = cli.expect(200, "GET",
      "/v3/service_instances?space_guids=" + cli.space +
      "&fields[service_plan]=name,guid&fields[service_plan.service_offering]=name,guid,description"
      "&fields[service_plan.service_offering.service_broker]=name,guid");
  REQUIRE(services["resources"].size() == 1);
  json si = services["resources"][0];
  checkShape(si, {{"guid", T::kGuid}, {"name", T::kString}, {"type", T::kString},
                  {"last_operation.state", T::kString}, {"last_operation.type", T::kString},
                  {"relationships.service_plan.data.guid", T::kGuid}},
             "service instance");
  CHECK(si["last_operation"]["state"] == "succeeded");
  CHECK(services["included"]["service_plans"][0]["name"] == "small");
  CHECK(services["included"]["service_offerings"][0]["name"] == "overview");
  CHECK(services["included"]["service_brokers"][0]["name"] == "fake");

  // cf push a bare app, then cf bind-service app db: a job the CLI polls.
  REQUIRE(cli.pollJob(cli.send("POST", "/v3/spaces/" + cli.space + "/actions/apply_manifest",
                               "---\napplications:\n- name: binder\n",
                               {{"Content-Type", "application/x-yaml"}}))["state"] == "COMPLETE");
  std::string app = cli.app("binder")["guid"];
  json lookup = cli.expect(200, "GET", "/v3/service_instances?names=db&space_guids=" + cli.space);
  REQUIRE(lookup["resources"].size() == 1);
  http::Response bind = cli.send("POST", "/v3/service_credential_bindings", json({
      {"type", "app"}, {"relationships", {{"service_instance", rel(si["guid"])}, {"app", rel(app)}}}}).dump());
  CHECK(cli.pollJob(bind)["state"] == "COMPLETE");
  json env = cli.expect(200, "GET", "/v3/apps/" + app + "/env");
  CHECK(env["system_env_json"]["VCAP_SERVICES"]["overview"][0]["credentials"]["username"] == "u");

  // cf unbind-service binder db; cf delete-service db -f
  json bindings = cli.expect(200, "GET", "/v3/service_credential_bindings?app_guids=" + app +
                                             "&service_instance_guids=" + si["guid"].get<std::string>());
  REQUIRE(bindings["resources"].size() == 1);
  CHECK(cli.pollJob(cli.send("DELETE", "/v3/service_credential_bindings/" +
                                           bindings["resources"][0]["guid"].get<std::string>()))["state"] == "COMPLETE");
  CHECK(cli.pollJob(cli.send("DELETE", "/v3/service_instances/" + si["guid"].get<std::string>()))["state"] == "COMPLETE");
  CHECK(cli.expect(200, "GET", "/v3/service_instances?names=db&space_guids=" + cli.space)["resources"].empty());
  unsetenv("MICROCF_BROKER_POLL_MS");
}
