// What `microcf events` and `microcf app` print about crashes.
#include "cli/health_commands.h"

#include <cstdlib>
#include <ctime>

#include <doctest/doctest.h>

#include "cli/app_summary.h"

using nlohmann::json;

TEST_CASE("event descriptions: crashes in cf's order, other events from their request") {
  json crash = json::parse(R"({"type":"app.crash","data":{
    "instance":"abc","index":0,"cell_id":"microcf-0","exit_status":1,
    "exit_description":"APP/PROC/WEB: Exited with status 1","reason":"CRASHED"}})");
  CHECK(mcf::cli::eventDescription(crash) ==
        "index: 0, reason: CRASHED, cell_id: microcf-0, instance: abc, exit_description: "
        "APP/PROC/WEB: Exited with status 1");
  json scale = json::parse(R"({"type":"audit.app.process.scale","data":{
    "request":{"instances":2,"memory_in_mb":256}}})");
  CHECK(mcf::cli::eventDescription(scale) == "instances: 2, memory_in_mb: 256");
  json restart = json::parse(R"({"type":"audit.app.process.terminate_instance","data":{
    "process_index":1}})");
  CHECK(mcf::cli::eventDescription(restart) == "index: 1");
  CHECK(mcf::cli::eventDescription(json::parse(R"({"type":"audit.app.start","data":{}})")) == "");
}

TEST_CASE("event times in cf's layout") {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(mcf::cli::eventTime("2024-05-01T10:00:00Z") == "2024-05-01T10:00:00.00+0000");
  if (old_tz) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
}

TEST_CASE("the instance table shows crash counts, since when, and what crashed instances printed") {
  json stats = json::parse(R"([
    {"type":"web","index":0,"state":"CRASHED","uptime":0,"since":1700000000,"crash_count":2,
     "usage":{},"mem_quota":268435456,"disk_quota":1073741824,
     "details":"APP/PROC/WEB: Exited with status 1","last_output":["boom","Traceback"]}
  ])");
  std::string table = mcf::cli::formatInstanceTable(stats, 1700000060);
  CHECK(table.find("#0   crashed   2023-11-14T22:13:20Z") != std::string::npos);
  CHECK(table.find("crashed 2 times: APP/PROC/WEB: Exited with status 1\n") != std::string::npos);
  CHECK(table.find("#0 last output:\n   boom\n   Traceback\n") != std::string::npos);

  // A starting instance whose check has not failed yet is not worth the lines.
  stats[0]["state"] = "STARTING";
  stats[0]["details"] = nullptr;
  CHECK(mcf::cli::formatInstanceTable(stats, 1700000060).find("last output") == std::string::npos);
  stats[0]["details"] = "health check: Failed to make TCP connection to port 8080";
  CHECK(mcf::cli::formatInstanceTable(stats, 1700000060).find("#0 last output:") !=
        std::string::npos);
}
