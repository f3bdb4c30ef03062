// Tests for the launcher: the plan it makes, and its script run by a real bash.
#include "lifecycle/launcher.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "lifecycle/script.h"

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

std::string envOf(const LaunchPlan& plan, const std::string& name) {
  for (const auto& [k, v] : plan.set_env)
    if (k == name) return v;
  return "<unset>";
}

}  // namespace

TEST_CASE("planLaunch: the argv command wins over the droplet's start command") {
  LaunchInput in;
  in.app_dir = "/home/vcap/app";
  in.argv0 = "/tmp/lifecycle/launcher";
  in.staging_info.start_command = "npm start";
  auto from_droplet = planLaunch(in);
  REQUIRE(from_droplet.ok());
  CHECK(from_droplet->argv.size() == 6);
  CHECK(from_droplet->argv[0] == "bash");
  CHECK(from_droplet->argv[1] == "-c");
  CHECK(from_droplet->argv[3] == "/tmp/lifecycle/launcher");
  CHECK(from_droplet->argv[4] == "/home/vcap/app");
  CHECK(from_droplet->argv[5] == "npm start");

  in.command = "node other.js";
  CHECK(planLaunch(in)->argv[5] == "node other.js");
}

TEST_CASE("planLaunch: no command anywhere is an error the user can read") {
  LaunchInput in;
  in.app_dir = "/home/vcap/app";
  auto plan = planLaunch(in);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().message == "no start command specified or detected in droplet");
}

TEST_CASE("planLaunch sets HOME, TMPDIR, DEPS_DIR and patches VCAP_APPLICATION") {
  LaunchInput in;
  in.app_dir = "/home/vcap/app";
  in.command = "./run";
  in.env = {{"VCAP_APPLICATION", R"({"application_name":"hello","limits":{"mem":256}})"},
            {"INSTANCE_GUID", "guid-1"},
            {"INSTANCE_INDEX", "2"},
            {"PORT", "8080"},
            {"VCAP_SERVICES", R"({"p-mysql":[{"credentials":{"uri":"mysql://u:p@db:3306/x"}}]})"}};
  auto plan = planLaunch(in);
  REQUIRE(plan.ok());
  CHECK(envOf(*plan, "HOME") == "/home/vcap/app");
  CHECK(envOf(*plan, "TMPDIR") == "/home/vcap/tmp");
  CHECK(envOf(*plan, "DEPS_DIR") == "/home/vcap/deps");
  CHECK(envOf(*plan, "DATABASE_URL") == "mysql2://u:p@db:3306/x");
  json app = json::parse(envOf(*plan, "VCAP_APPLICATION"));
  CHECK(app == json::parse(R"({"application_name":"hello","limits":{"mem":256},"host":"0.0.0.0",
                               "instance_id":"guid-1","instance_index":2,"port":8080})"));
}

TEST_CASE("patchVcapApplication falls back to CF_INSTANCE_INDEX and leaves bad JSON alone") {
  json app = json::parse(patchVcapApplication("{}", {{"CF_INSTANCE_INDEX", "3"}, {"PORT", "x"}}));
  CHECK(app["instance_index"] == 3);
  CHECK_FALSE(app.contains("port"));
  CHECK(app["instance_id"] == "");
  CHECK(patchVcapApplication("not json", {}) == "");
  CHECK(patchVcapApplication("[1]", {}) == "");
}

TEST_CASE("databaseUrl knows the database schemes and nothing else") {
  CHECK(databaseUrl(R"({"pg":[{"credentials":{"uri":"postgresql://a@h/db"}}]})") ==
        "postgres://a@h/db");
  CHECK(databaseUrl(R"({"redis":[{"credentials":{"uri":"redis://h:6379"}}]})") == "");
  CHECK(databaseUrl("") == "");
}

TEST_CASE("launcher script: profile scripts run in CF's order, then the command") {
  char tmpl[] = "/tmp/mcf-launcher-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string root = tmpl;
  std::string app = root + "/app";
  REQUIRE(base::makeDirs(app + "/.profile.d").ok());
  REQUIRE(base::makeDirs(root + "/profile.d").ok());
  REQUIRE(
      base::writeFileAtomic(root + "/profile.d/a.sh", "echo droplet-profile; export A=1\n").ok());
  REQUIRE(
      base::writeFileAtomic(app + "/.profile.d/b.sh", "echo app-profile; export B=$A$A\n").ok());
  REQUIRE(base::writeFileAtomic(app + "/.profile", "echo dot-profile; export C=${B}3\n").ok());

  std::string out;
  auto rc = runProgram({"/bin/bash", "-c", launcherScript(""), "launcher", app,
                        "echo \"cmd A=$A B=$B C=$C in $(pwd)\"; exit 7"},
                       &out);
  REQUIRE(rc.ok());
  CHECK(*rc == 7);
  CHECK(out ==
        "Invoking pre-start scripts.\ndroplet-profile\napp-profile\ndot-profile\n"
        "Invoking start command.\ncmd A=1 B=11 C=113 in " +
            app + "\n");

  SUBCASE("an entrypoint prefix replaces bash -c") {
    std::string prefixed;
    auto rc2 = runProgram({"/bin/bash", "-c", launcherScript("/usr/bin/env PREFIXED=yes bash -c"),
                           "launcher", app, "echo prefixed=$PREFIXED"},
                          &prefixed);
    REQUIRE(rc2.ok());
    CHECK(prefixed.ends_with("Invoking start command.\nprefixed=yes\n"));
  }
  (void)base::removeTree(root);
}

TEST_CASE("launcher script: an app without profile scripts starts too") {
  char tmpl[] = "/tmp/mcf-launcher-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = std::string(tmpl) + "/app";
  REQUIRE(base::makeDirs(app).ok());
  std::string out;
  auto rc = runProgram({"/bin/bash", "-c", launcherScript(""), "launcher", app, "echo ok"}, &out);
  REQUIRE(rc.ok());
  CHECK(*rc == 0);
  CHECK(out == "Invoking pre-start scripts.\nInvoking start command.\nok\n");
  (void)base::removeTree(tmpl);
}

}  // namespace mcf::lifecycle
