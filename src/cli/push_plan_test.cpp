// Merging manifest.yml with push flags: which apps are pushed, from where, with what.
#include "cli/push_plan.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include "base/fs.h"

using mcf::cli::PushFlags;
using mcf::cli::planPush;
using mcf::model::Manifest;
using mcf::model::parseManifest;

namespace {

Manifest parse(const char* yaml) {
  auto m = parseManifest(yaml);
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  return *m;
}

const char kTwoApps[] = R"(---
applications:
- name: web
  memory: 128M
  instances: 1
  path: site
  buildpacks: [staticfile_buildpack]
  routes:
  - route: www.localhost
- name: worker
  no-route: true
)";

}  // namespace

TEST_CASE("NAME without a manifest makes a one-app manifest from the flags") {
  PushFlags flags;
  flags.name = "hello";
  flags.memory = "256M";
  flags.instances = 2;
  flags.command = "./run";
  auto plan = planPush(nullptr, "", flags, "/home/u/hello");
  REQUIRE_MESSAGE(plan.ok(), plan.error().message);
  REQUIRE(plan->apps.size() == 1);
  CHECK(plan->apps[0].name == "hello");
  CHECK(plan->apps[0].path == "/home/u/hello");
  const auto& app = plan->manifest.applications.at(0);
  CHECK(app.web.memory_mb == 256);
  CHECK(app.web.instances == 2);
  CHECK(app.web.command == "./run");
  CHECK(app.default_route == true);
  // What apply_manifest receives reads back the same.
  Manifest sent = parse(mcf::model::manifestToYaml(plan->manifest).c_str());
  REQUIRE(sent.applications.size() == 1);
  CHECK(sent.applications[0].name == "hello");
  CHECK(sent.applications[0].web.memory_mb == 256);
  CHECK(sent.applications[0].default_route == true);
}

TEST_CASE("no NAME and no manifest: cf's message, unless -p names the directory") {
  auto plan = planPush(nullptr, "", PushFlags{}, "/tmp");
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find("requires an app name") != std::string::npos);

  PushFlags flags;
  flags.path = "apps/static-site/";
  auto from_dir = planPush(nullptr, "", flags, "/work");
  REQUIRE(from_dir.ok());
  CHECK(from_dir->apps[0].name == "static-site");
  CHECK(from_dir->apps[0].path == "/work/apps/static-site");
}

TEST_CASE("flags override the manifest's values for its one app; path is relative to it") {
  Manifest m = parse("applications:\n- name: hello\n  memory: 64M\n  instances: 3\n  path: dist\n"
                     "  buildpacks: [go_buildpack]\n");
  PushFlags flags;
  flags.memory = "1G";
  flags.disk = "512M";
  flags.buildpacks = {"staticfile_buildpack", "binary_buildpack"};
  flags.stack = "bookworm";
  auto plan = planPush(&m, "/src/hello", flags, "/elsewhere");
  REQUIRE_MESSAGE(plan.ok(), plan.error().message);
  const auto& app = plan->manifest.applications.at(0);
  CHECK(app.web.memory_mb == 1024);
  CHECK(app.web.disk_mb == 512);
  CHECK(app.web.instances == 3);  // not overridden
  CHECK(*app.buildpacks == std::vector<std::string>{"staticfile_buildpack", "binary_buildpack"});
  CHECK(app.stack == "bookworm");
  CHECK(plan->apps[0].path == "/src/hello/dist");
  // path is client-only: the API does not get our directories.
  CHECK_FALSE(app.path.has_value());
  CHECK(mcf::model::manifestToYaml(plan->manifest).find("path") == std::string::npos);
}

TEST_CASE("-p wins over the manifest's path; no path means the manifest's directory") {
  Manifest m = parse("applications:\n- name: hello\n");
  auto plan = planPush(&m, "/src/hello", PushFlags{}, "/cwd");
  REQUIRE(plan.ok());
  CHECK(plan->apps[0].path == "/src/hello");
  PushFlags flags;
  flags.path = "/abs/dir";
  plan = planPush(&m, "/src/hello", flags, "/cwd");
  REQUIRE(plan.ok());
  CHECK(plan->apps[0].path == "/abs/dir");
}

TEST_CASE("a multi-app manifest pushes every app, and refuses flags without NAME") {
  Manifest m = parse(kTwoApps);
  auto all = planPush(&m, "/proj", PushFlags{}, "/proj");
  REQUIRE(all.ok());
  REQUIRE(all->apps.size() == 2);
  CHECK(all->apps[0].path == "/proj/site");
  CHECK(all->apps[1].path == "/proj");
  CHECK(all->manifest.applications[1].no_route);
  CHECK_FALSE(all->manifest.applications[1].default_route.has_value());
  // An app with routes keeps them and gets no default route.
  CHECK_FALSE(all->manifest.applications[0].default_route.has_value());

  PushFlags flags;
  flags.instances = 4;
  auto refused = planPush(&m, "/proj", flags, "/proj");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("cannot be applied when pushing multiple apps") !=
        std::string::npos);

  flags.name = "worker";
  auto one = planPush(&m, "/proj", flags, "/proj");
  REQUIRE(one.ok());
  REQUIRE(one->apps.size() == 1);
  CHECK(one->apps[0].name == "worker");
  CHECK(one->manifest.applications[0].web.instances == 4);

  PushFlags no_start;
  no_start.no_start = true;  // allowed with many apps
  CHECK(planPush(&m, "/proj", no_start, "/proj").ok());
}

TEST_CASE("NAME not in the manifest is an error") {
  Manifest m = parse(kTwoApps);
  PushFlags flags;
  flags.name = "nope";
  auto plan = planPush(&m, "/proj", flags, "/proj");
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message == "Could not find app named 'nope' in manifest");
}

TEST_CASE("every bad flag value is reported at once") {
  PushFlags flags;
  flags.name = "x";
  flags.memory = "12";
  flags.disk = "lots";
  flags.instances = -1;
  auto plan = planPush(nullptr, "", flags, "/tmp");
  REQUIRE_FALSE(plan.ok());
  const std::string& msg = plan.error().message;
  CHECK(msg.find("-m 12: ") != std::string::npos);
  CHECK(msg.find("-k lots: ") != std::string::npos);
  CHECK(msg.find("-i: ") != std::string::npos);
  CHECK(msg.find("supported unit") != std::string::npos);
}

TEST_CASE("route flags: --no-route drops routes, --random-route, both together is an error") {
  Manifest m = parse("applications:\n- name: hello\n  routes:\n  - route: hello.localhost\n");
  PushFlags flags;
  flags.no_route = true;
  auto plan = planPush(&m, "/p", flags, "/p");
  REQUIRE(plan.ok());
  const auto& app = plan->manifest.applications[0];
  CHECK(app.no_route);
  CHECK_FALSE(app.routes.has_value());
  CHECK_FALSE(app.default_route.has_value());

  PushFlags random;
  random.name = "r";
  random.random_route = true;
  auto r = planPush(nullptr, "", random, "/p");
  REQUIRE(r.ok());
  CHECK(r->manifest.applications[0].random_route);
  CHECK_FALSE(r->manifest.applications[0].default_route.has_value());

  flags.random_route = true;
  auto both = planPush(&m, "/p", flags, "/p");
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message.find("--no-route, --random-route") != std::string::npos);
}

TEST_CASE("-b default means auto-detect (an empty buildpack list)") {
  PushFlags flags;
  flags.name = "x";
  flags.buildpacks = {"default"};
  auto plan = planPush(nullptr, "", flags, "/p");
  REQUIRE(plan.ok());
  REQUIRE(plan->manifest.applications[0].buildpacks.has_value());
  CHECK(plan->manifest.applications[0].buildpacks->empty());
}

TEST_CASE("-t and -u override the manifest's timeout and health check type") {
  Manifest m = parse("applications:\n- name: hello\n  timeout: 30\n  health-check-type: port\n");
  PushFlags flags;
  flags.timeout = 120;
  flags.health_check_type = "http";
  auto plan = planPush(&m, "/p", flags, "/p");
  REQUIRE_MESSAGE(plan.ok(), plan.error().message);
  const auto& app = plan->manifest.applications[0];
  CHECK(app.web.timeout == 120);
  CHECK(app.web.health_check_type == "http");
  // What apply_manifest receives carries them.
  Manifest sent = parse(mcf::model::manifestToYaml(plan->manifest).c_str());
  CHECK(sent.applications[0].web.timeout == 120);
  CHECK(sent.applications[0].web.health_check_type == "http");

  PushFlags none;
  none.name = "x";
  none.health_check_type = "none";  // cf's legacy name for process
  auto legacy = planPush(nullptr, "", none, "/p");
  REQUIRE(legacy.ok());
  CHECK(legacy->manifest.applications[0].web.health_check_type == "process");
  CHECK_FALSE(legacy->manifest.applications[0].web.timeout.has_value());
}

TEST_CASE("-t and -u: bad values are clear errors, and they need NAME with many apps") {
  PushFlags flags;
  flags.name = "x";
  flags.timeout = 0;
  flags.health_check_type = "tcp";
  auto plan = planPush(nullptr, "", flags, "/p");
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find("-t 0: the app start timeout must be a whole number of "
                                  "seconds from 1 to 180") != std::string::npos);
  CHECK(plan.error().message.find("-u tcp: the health check type must be port, process or "
                                  "http") != std::string::npos);
  flags.timeout = 181;
  flags.health_check_type.clear();
  plan = planPush(nullptr, "", flags, "/p");
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find("-t 181:") != std::string::npos);

  Manifest m = parse(kTwoApps);
  for (int which = 0; which < 2; ++which) {
    PushFlags many;
    if (which == 0) many.timeout = 60;
    else many.health_check_type = "port";
    auto refused = planPush(&m, "/proj", many, "/proj");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("cannot be applied when pushing multiple apps") !=
          std::string::npos);
  }
}

namespace {

struct BpDir {
  BpDir() {
    char tmpl[] = "/tmp/mcf-push-bp-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
    REQUIRE(mcf::base::makeDirs(path + "/my-bp/bin").ok());
    REQUIRE(mcf::base::makeDirs(path + "/app/bps/other/bin").ok());
    REQUIRE(mcf::base::writeFileAtomic(path + "/bp.zip", "zip bytes").ok());
    REQUIRE(mcf::base::makeDirs(path + "/python_buildpack").ok());  // no bin/: not a buildpack
  }
  ~BpDir() { (void)mcf::base::removeTree(path); }
  std::string path;
};

}  // namespace

TEST_CASE("resolveBuildpack: local folders and zips become file:// URLs, the rest stays") {
  using mcf::cli::resolveBuildpack;
  BpDir d;
  CHECK(*resolveBuildpack("./my-bp", d.path) == "file://" + d.path + "/my-bp");
  CHECK(*resolveBuildpack("my-bp", d.path) == "file://" + d.path + "/my-bp");
  CHECK(*resolveBuildpack(d.path + "/my-bp/", "/elsewhere") == "file://" + d.path + "/my-bp");
  CHECK(*resolveBuildpack("bp.zip", d.path) == "file://" + d.path + "/bp.zip");
  CHECK(*resolveBuildpack("./my-bp#v1.0", d.path) == "file://" + d.path + "/my-bp#v1.0");
  CHECK(*resolveBuildpack("python_buildpack", d.path) == "python_buildpack");
  CHECK(*resolveBuildpack("https://github.com/x/y#v1", d.path) == "https://github.com/x/y#v1");
  CHECK(*resolveBuildpack("file:///tmp/whatever", d.path) == "file:///tmp/whatever");
  CHECK(*resolveBuildpack("git@github.com:x/y.git", d.path) == "git@github.com:x/y.git");
  auto missing = resolveBuildpack("./nope", d.path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find(d.path + "/nope does not exist") != std::string::npos);
  CHECK_FALSE(resolveBuildpack("nope.zip", d.path).ok());
}

TEST_CASE("-b paths are relative to the working directory, the manifest's to its folder") {
  BpDir d;
  Manifest m = parse("applications:\n- name: web\n  buildpacks: [./bps/other, python_buildpack]\n");
  auto plan = planPush(&m, d.path + "/app", PushFlags{}, d.path);
  REQUIRE_MESSAGE(plan.ok(), plan.error().message);
  CHECK(*plan->manifest.applications[0].buildpacks ==
        std::vector<std::string>{"file://" + d.path + "/app/bps/other", "python_buildpack"});

  PushFlags flags;
  flags.buildpacks = {"./my-bp", "nodejs_buildpack"};
  plan = planPush(&m, d.path + "/app", flags, d.path);
  REQUIRE(plan.ok());
  CHECK(*plan->manifest.applications[0].buildpacks ==
        std::vector<std::string>{"file://" + d.path + "/my-bp", "nodejs_buildpack"});

  flags.buildpacks = {"./missing-bp"};
  plan = planPush(&m, d.path + "/app", flags, d.path);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message.find("-b ./missing-bp: no such buildpack folder or zip") !=
        std::string::npos);
}
