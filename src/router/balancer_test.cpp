// Tests of round-robin selection without sockets.
#include "router/balancer.h"

#include <doctest/doctest.h>

using namespace mcf::router;

TEST_CASE("round robin cycles through every endpoint") {
  std::vector<Endpoint> eps(3);
  uint64_t cursor = 0;
  std::vector<size_t> picks;
  for (int i = 0; i < 7; ++i) picks.push_back(pickRoundRobin(eps, cursor, {}));
  CHECK(picks == std::vector<size_t>{0, 1, 2, 0, 1, 2, 0});
}

TEST_CASE("round robin skips tried endpoints and reports when all were tried") {
  std::vector<Endpoint> eps(3);
  uint64_t cursor = 1;
  std::vector<bool> tried = {false, true, false};
  CHECK(pickRoundRobin(eps, cursor, tried) == 2);
  tried[2] = true;
  CHECK(pickRoundRobin(eps, cursor, tried) == 0);
  tried[0] = true;
  CHECK(pickRoundRobin(eps, cursor, tried) == kNoEndpoint);
  CHECK(pickRoundRobin({}, cursor, {}) == kNoEndpoint);
}

TEST_CASE("a cursor beyond a shrunken pool still picks a valid endpoint") {
  std::vector<Endpoint> eps(2);
  uint64_t cursor = 41;
  size_t pick = pickRoundRobin(eps, cursor, {});
  CHECK(pick < 2);
}

TEST_CASE("recently failed endpoints are avoided unless nothing else is left") {
  std::vector<Endpoint> eps = {{"app", "i0", 0, "127.0.0.1", 1}, {"app", "i1", 1, "127.0.0.1", 2}};
  std::unordered_map<std::string, int64_t> failed = {{endpointKey(eps[0]), 1000}};
  CHECK(avoidRecentFailures(eps, failed, 500) == std::vector<bool>{true, false});
  CHECK(avoidRecentFailures(eps, failed, 1000) == std::vector<bool>{false, false});  // expired
  failed[endpointKey(eps[1])] = 2000;
  CHECK(avoidRecentFailures(eps, failed, 500) == std::vector<bool>{false, false});  // all failed
  eps[0].port = 9;  // the instance came back elsewhere: a new endpoint
  CHECK(avoidRecentFailures(eps, failed, 500) == std::vector<bool>{false, true});
}

TEST_CASE("least-connection picks the least loaded endpoint; ties go round robin") {
  std::vector<Endpoint> eps(3);
  uint64_t cursor = 0;
  CHECK(pickLeastConnection(eps, {2, 0, 1}, cursor, {}) == 1);
  CHECK(cursor == 2);
  CHECK(pickLeastConnection(eps, {1, 1, 0}, cursor, {}) == 2);
  // All equal: round robin from the cursor.
  cursor = 0;
  std::vector<size_t> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(pickLeastConnection(eps, {}, cursor, {}));
  CHECK(picks == std::vector<size_t>{0, 1, 2, 0});
  // Tried endpoints are skipped even when idle; all tried is kNoEndpoint.
  cursor = 0;
  CHECK(pickLeastConnection(eps, {0, 5, 3}, cursor, {true}) == 2);
  CHECK(pickLeastConnection(eps, {}, cursor, {true, true, true}) == kNoEndpoint);
  CHECK(pickLeastConnection({}, {}, cursor, {}) == kNoEndpoint);
}

TEST_CASE("a sticky instance is picked only when it is among the untried endpoints") {
  std::vector<Endpoint> eps(3);
  eps[0].instance_guid = "i0";
  eps[1].instance_guid = "i1";
  eps[2].instance_guid = "i2";
  CHECK(pickInstance(eps, "i1", {}) == 1);
  CHECK(pickInstance(eps, "i1", {false, true}) == kNoEndpoint);
  CHECK(pickInstance(eps, "gone", {}) == kNoEndpoint);
  CHECK(pickInstance(eps, "", {}) == kNoEndpoint);
}
