// What `microcf app` and `microcf env` print, from API answers.
#include <cstdlib>
#include <ctime>

#include <doctest/doctest.h>

#include "cli/app_summary.h"
#include "cli/commands.h"

using nlohmann::json;

TEST_CASE("shortBytes prints sizes like cf") {
  CHECK(mcf::cli::shortBytes(0) == "0B");
  CHECK(mcf::cli::shortBytes(512) == "512B");
  CHECK(mcf::cli::shortBytes(340 * 1024) == "340K");
  CHECK(mcf::cli::shortBytes(256LL << 20) == "256M");
  CHECK(mcf::cli::shortBytes(8493465) == "8.1M");
  CHECK(mcf::cli::shortBytes(1LL << 30) == "1G");
}

TEST_CASE("instance table from process stats") {
  json stats = json::parse(R"([
    {"type":"web","index":0,"state":"RUNNING","uptime":60,
     "usage":{"cpu":0.0123,"mem":8493465,"disk":7025459},
     "mem_quota":268435456,"disk_quota":1073741824,"details":null},
    {"type":"web","index":1,"state":"CRASHED","uptime":0,"usage":{},
     "mem_quota":268435456,"disk_quota":1073741824,"details":"APP/PROC/WEB: Exited with status 1"}
  ])");
  std::string table = mcf::cli::formatInstanceTable(stats, 1700000060);
  CHECK(table ==
        "     state     since                  cpu    memory         disk         details\n"
        "#0   running   2023-11-14T22:13:20Z   1.2%   8.1M of 256M   6.7M of 1G\n"
        "#1   crashed   -                      0.0%   0B of 256M     0B of 1G     "
        "APP/PROC/WEB: Exited with status 1\n");
}

TEST_CASE("last uploaded in cf's date layout") {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(mcf::cli::formatUploaded("2024-01-01T10:00:05Z") == "Mon 01 Jan 10:00:05 UTC 2024");
  CHECK(mcf::cli::formatUploaded("") == "");
  if (old_tz) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
}

TEST_CASE("env output: system-provided JSON pretty, user-provided as K: V") {
  json env = json::parse(R"({
    "staging_env_json": {},
    "running_env_json": {"GROUP": "g"},
    "environment_variables": {"GREETING": "hi", "COUNT": 3},
    "system_env_json": {"VCAP_SERVICES": {}},
    "application_env_json": {"VCAP_APPLICATION": {"application_name": "hello"}}
  })");
  std::string out = mcf::cli::formatAppEnv(env);
  CHECK(out ==
        "System-Provided:\n"
        "VCAP_SERVICES: {}\n\n"
        "VCAP_APPLICATION: {\n  \"application_name\": \"hello\"\n}\n\n"
        "User-Provided:\n"
        "COUNT: 3\n"
        "GREETING: hi\n\n"
        "Running Environment Variable Groups:\n"
        "GROUP: g\n\n"
        "Staging Environment Variable Groups:\n"
        "No staging env variables have been set\n");
}
