// Log-cache answers to the lines push and logs print.
#include "cli/log_batch.h"

#include <doctest/doctest.h>

#include "base/strutil.h"

using nlohmann::json;

namespace {

json envelope(int64_t ts, const std::string& type, const std::string& payload,
              const std::string& log_type = "OUT", const std::string& instance = "0") {
  return {{"timestamp", std::to_string(ts)},
          {"source_id", "app-guid"},
          {"instance_id", instance},
          {"tags", {{"source_type", type}, {"app_name", "hello"}}},
          {"log", {{"payload", mcf::base::base64Encode(payload)}, {"type", log_type}}}};
}

json answer(std::vector<json> batch) { return {{"envelopes", {{"batch", batch}}}}; }

}  // namespace

TEST_CASE("parseEnvelopes decodes payloads and sorts oldest first") {
  auto batch = mcf::cli::parseEnvelopes(answer({envelope(300, "APP/PROC/WEB", "third", "ERR"),
                                                envelope(100, "STG", "first"),
                                                {{"timestamp", "200"}, {"gauge", json::object()}},
                                                envelope(200, "CELL", "second")}));
  REQUIRE(batch.size() == 3);  // the gauge is no log
  CHECK(batch[0].payload == "first");
  CHECK(batch[0].source_type == "STG");
  CHECK(batch[0].tags.at("app_name") == "hello");
  CHECK(batch[2].is_err);
  CHECK(batch[2].timestamp_ns == 300);
  CHECK(mcf::cli::parseEnvelopes(json::object()).empty());
  CHECK(mcf::cli::parseEnvelopes(json("nonsense")).empty());
}

TEST_CASE("during push only STG payloads are printed, indented, without header") {
  auto batch = mcf::cli::parseEnvelopes(answer({
      envelope(1, "STG", "-----> Downloading staticfile_buildpack"),
      envelope(2, "API", "Updated app with guid x"),
      envelope(3, "STG", "line one\nline two\r\n"),
      envelope(4, "APP/PROC/WEB", "not staging"),
  }));
  auto lines = mcf::cli::stagingLines(batch);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "   -----> Downloading staticfile_buildpack");
  CHECK(lines[1] == "   line one");
  CHECK(lines[2] == "   line two");
}

TEST_CASE("the cursor moves past the newest envelope so nothing repeats") {
  mcf::cli::LogCursor cursor;
  cursor.start_time_ns = 50;
  cursor.advance(mcf::cli::parseEnvelopes(answer({envelope(100, "STG", "a"),
                                                  envelope(250, "STG", "b")})));
  CHECK(cursor.start_time_ns == 251);
  cursor.advance({});
  CHECK(cursor.start_time_ns == 251);
  CHECK(mcf::cli::readQuery(251, 1000, false) == "start_time=251&envelope_types=LOG&limit=1000");
  CHECK(mcf::cli::readQuery(0, 1, true) ==
        "start_time=0&envelope_types=LOG&limit=1&descending=true");
}

TEST_CASE("formatEnvelope gives every line of a payload the cf header") {
  auto batch = mcf::cli::parseEnvelopes(
      answer({envelope(1714550400120000000, "APP/PROC/WEB", "one\ntwo", "ERR", "1")}));
  auto lines = mcf::cli::formatEnvelope(batch.at(0));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("   20"));
  CHECK(lines[0].ends_with(" [APP/PROC/WEB/1] ERR one"));
  CHECK(lines[1].ends_with(" [APP/PROC/WEB/1] ERR two"));
}

TEST_CASE("lastAppLines keeps the newest app lines only") {
  std::vector<json> batch;
  for (int i = 0; i < 15; ++i) batch.push_back(envelope(i + 1, "APP/PROC/WEB", std::to_string(i)));
  batch.push_back(envelope(100, "CELL", "cell line"));
  auto lines = mcf::cli::lastAppLines(mcf::cli::parseEnvelopes(answer(batch)), 10);
  REQUIRE(lines.size() == 10);
  CHECK(lines.front().ends_with("OUT 5"));
  CHECK(lines.back().ends_with("OUT 14"));
}

TEST_CASE("task and LGR lines print with their source type and instance") {
  mcf::logs::Envelope task{.timestamp_ns = 1700000000000000000, .source_id = "a",
                           .instance_id = "0", .source_type = "APP/TASK/migrate",
                           .is_err = false, .payload = "done", .tags = {}};
  auto lines = mcf::cli::formatEnvelope(task);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" [APP/TASK/migrate/0] OUT done") != std::string::npos);
  mcf::logs::Envelope lgr = task;
  lgr.source_type = "LGR";
  lgr.is_err = true;
  lgr.payload = "dropped 3 lines: rate limit";
  CHECK(mcf::cli::formatEnvelope(lgr)[0].find(" [LGR/0] ERR dropped 3 lines: rate limit") !=
        std::string::npos);
}
