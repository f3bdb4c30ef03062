// Apps reach the built-in data servers bound to them and nothing else through their bindings.
#include <doctest/doctest.h>

#include "daemon/service_net_out.h"

using namespace mcf;

TEST_CASE("bound services in the containers' subnet open a tcp rule to their endpoint") {
  auto vcap = nlohmann::json::parse(R"({
    "postgresql": [
      {"name": "db", "credentials": {"hostname": "10.254.0.5", "port": 5432, "uri": "x"}},
      {"name": "db2", "credentials": {"hostname": "10.254.0.5", "port": 5432}}
    ],
    "redis": [{"name": "cache", "credentials": {"host": "10.254.1.9", "port": "6379"}}],
    "user-provided": [
      {"name": "outside", "credentials": {"hostname": "192.168.1.5", "port": 5432}},
      {"name": "named", "credentials": {"hostname": "db.example.com", "port": 5432}},
      {"name": "noport", "credentials": {"hostname": "10.254.0.7"}},
      {"name": "badport", "credentials": {"hostname": "10.254.0.7", "port": "54x"}},
      {"name": "nocreds"}
    ]
  })");
  auto rules = daemon::boundServiceRules(vcap, "10.254.0.0/22");
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].protocol == "tcp");
  CHECK(rules[0].destination == "10.254.0.5");
  CHECK(rules[0].port_first == 5432);
  CHECK(rules[0].port_last == 5432);
  CHECK(rules[1].destination == "10.254.1.9");
  CHECK(rules[1].port_first == 6379);
  CHECK(daemon::boundServiceRules(vcap, "10.200.0.0/22").empty());
  CHECK(daemon::boundServiceRules(nlohmann::json::object(), "10.254.0.0/22").empty());
}
