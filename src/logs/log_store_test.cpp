// Tests of the log ring buffer: splitting, order, retention, time-range reads.
#include "logs/log_store.h"

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"

using namespace mcf::logs;

TEST_CASE("multi-line payloads become one envelope per line, in order") {
  mcf::base::FakeClock clock;
  LogStore store(clock);
  store.emit("app", "APP/PROC/WEB", "0", false, "one\ntwo\r\n");
  auto all = store.read("app", {.limit = 10});
  REQUIRE(all.size() == 2);
  CHECK(all[0].payload == "one");
  CHECK(all[1].payload == "two");
  CHECK(all[0].timestamp_ns < all[1].timestamp_ns);
}

TEST_CASE("the buffer keeps the newest envelopes and reads time ranges both ways") {
  mcf::base::FakeClock clock;
  LogStore store(clock, {.envelopes_per_source = 3});
  for (int i = 0; i < 5; ++i) {
    store.emit("app", "STG", "0", false, std::to_string(i));
    clock.advanceMs(1);
  }
  auto asc = store.read("app", {.limit = 10});
  REQUIRE(asc.size() == 3);
  CHECK(asc.front().payload == "2");
  auto desc = store.read("app", {.limit = 2, .descending = true});
  REQUIRE(desc.size() == 2);
  CHECK(desc[0].payload == "4");
  CHECK(desc[1].payload == "3");
  auto from = store.read("app", {.start_time_ns = asc[1].timestamp_ns, .limit = 10});
  CHECK(from.size() == 2);
  CHECK(store.read("other", {}).empty());
}

TEST_CASE("subscribers see new envelopes of their source only") {
  mcf::base::FakeClock clock;
  LogStore store(clock);
  std::vector<std::string> seen;
  uint64_t id = store.subscribe("a", [&](const Envelope& e) { seen.push_back(e.payload); });
  store.emit("a", "STG", "0", false, "x");
  store.emit("b", "STG", "0", false, "y");
  store.unsubscribe(id);
  store.emit("a", "STG", "0", false, "z");
  CHECK(seen == std::vector<std::string>{"x"});
}

TEST_CASE("lines are formatted as the cf CLI prints them") {
  Envelope e{.timestamp_ns = 1700000000120000000, .source_id = "a", .instance_id = "0",
             .source_type = "APP/PROC/WEB", .is_err = true, .payload = "boom"};
  std::string line = formatLine(e);
  CHECK(line.rfind("   20", 0) == 0);
  CHECK(line.find(".12") != std::string::npos);
  CHECK(line.find(" [APP/PROC/WEB/0] ERR boom") != std::string::npos);
}
