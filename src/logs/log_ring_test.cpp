// Tests of the ring buffer: wrap-around, eviction by count and by bytes, reads at the edges.
#include "logs/log_ring.h"

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"
#include "logs/log_store.h"

using namespace mcf::logs;

namespace {

Entry entry(int64_t ts, std::string payload = "x") {
  return Entry{ts, "APP/PROC/WEB", "0", false, std::move(payload)};
}

std::vector<std::string> payloads(const std::vector<Envelope>& batch) {
  std::vector<std::string> out;
  for (const auto& e : batch) out.push_back(e.payload);
  return out;
}

}  // namespace

TEST_CASE("LogRing wraps around and keeps the newest entries in order") {
  LogRing ring(100, SIZE_MAX);
  for (int i = 0; i < 1000; ++i) ring.push(entry(i + 1, std::to_string(i)));
  REQUIRE(ring.size() == 100);
  CHECK(ring.evicted() == 900);
  for (size_t i = 0; i < ring.size(); ++i) CHECK(ring.at(i).payload == std::to_string(900 + i));
  CHECK(ring.lowerBound(0) == 0);
  CHECK(ring.lowerBound(901) == 0);
  CHECK(ring.lowerBound(902) == 1);
  CHECK(ring.lowerBound(1000) == 99);
  CHECK(ring.lowerBound(1001) == 100);
}

TEST_CASE("LogRing evicts the oldest to stay within its byte budget") {
  Entry probe = entry(1, std::string(100, 'a'));
  size_t cost = entryCost(probe);
  LogRing ring(1000, cost * 5);
  for (int i = 0; i < 12; ++i) ring.push(entry(i + 1, std::string(100, 'a' + i)));
  CHECK(ring.size() == 5);
  CHECK(ring.bytes() == cost * 5);
  CHECK(ring.at(0).payload[0] == 'a' + 7);
  // A bigger entry pushes out as many as it needs.
  ring.push(entry(13, std::string(100 + 2 * cost, 'z')));
  CHECK(ring.size() == 3);
  CHECK(ring.bytes() <= cost * 5);
  CHECK(ring.at(2).payload[0] == 'z');
  // An entry larger than the whole budget is still kept alone, never lost silently.
  ring.push(entry(14, std::string(cost * 10, 'q')));
  CHECK(ring.size() == 1);
  CHECK(ring.evicted() == 7 + 3 + 3);
}

TEST_CASE("LogStore reads time ranges at the edges, ascending and descending with a limit") {
  mcf::base::FakeClock clock;
  LogStore store(clock, {.envelopes_per_source = 1000});
  for (int i = 0; i < 2500; ++i) store.emit("app", "APP/PROC/WEB", "0", false, std::to_string(i));
  CHECK(store.size("app") == 1000);
  CHECK(store.evicted("app") == 1500);
  auto all = store.read("app", {.limit = 1000});
  REQUIRE(all.size() == 1000);
  CHECK(all.front().payload == "1500");
  CHECK(all.back().payload == "2499");
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].timestamp_ns < all[i].timestamp_ns);
  int64_t first = all.front().timestamp_ns;
  int64_t last = all.back().timestamp_ns;
  // start inclusive, end exclusive.
  CHECK(payloads(store.read("app", {.start_time_ns = last, .limit = 10})) ==
        std::vector<std::string>{"2499"});
  CHECK(store.read("app", {.start_time_ns = last + 1, .limit = 10}).empty());
  CHECK(payloads(store.read("app", {.start_time_ns = 0, .end_time_ns = first + 1, .limit = 10})) ==
        std::vector<std::string>{"1500"});
  CHECK(store.read("app", {.start_time_ns = 0, .end_time_ns = first, .limit = 10}).empty());
  CHECK(store.read("app", {.start_time_ns = last, .end_time_ns = last, .limit = 10}).empty());
  // The newest three, newest first; and the three after a point, oldest first.
  CHECK(payloads(store.read("app", {.limit = 3, .descending = true})) ==
        std::vector<std::string>{"2499", "2498", "2497"});
  CHECK(payloads(store.read("app", {.end_time_ns = all[10].timestamp_ns, .limit = 2,
                                    .descending = true})) ==
        std::vector<std::string>{"1509", "1508"});
  CHECK(payloads(store.read("app", {.start_time_ns = all[10].timestamp_ns, .limit = 2})) ==
        std::vector<std::string>{"1510", "1511"});
}

TEST_CASE("LogStore bounds each app by bytes and keeps 100,000 envelopes by default") {
  mcf::base::FakeClock clock;
  LogStore store(clock);
  CHECK(store.limits().envelopes_per_source >= 100000);
  for (int i = 0; i < 100000; ++i) store.emit("a", "APP/PROC/WEB", "0", false, "line");
  CHECK(store.size("a") == 100000);
  store.emit("a", "APP/PROC/WEB", "0", false, "one more");
  CHECK(store.size("a") == 100000);
  CHECK(store.read("a", {.limit = 1, .descending = true})[0].payload == "one more");

  LogStore small(clock, {.envelopes_per_source = 100000, .bytes_per_source = 1 << 20});
  for (int i = 0; i < 20000; ++i) small.emit("b", "APP/PROC/WEB", "0", false, std::string(200, 'x'));
  CHECK(small.bytes("b") <= (1u << 20));
  CHECK(small.size("b") < 20000);
  CHECK(small.size("b") + small.evicted("b") == 20000);
}

TEST_CASE("a subscriber may unsubscribe from its own callback") {
  mcf::base::FakeClock clock;
  LogStore store(clock);
  int calls = 0;
  uint64_t id = 0;
  id = store.subscribe("a", [&](const Envelope&) {
    ++calls;
    store.unsubscribe(id);
  });
  int other = 0;
  store.subscribe("a", [&](const Envelope&) { ++other; });
  store.emit("a", "STG", "0", false, "1");
  store.emit("a", "STG", "0", false, "2");
  CHECK(calls == 1);
  CHECK(other == 2);
}
