#include "daemon/security_groups.h"

#include <doctest/doctest.h>

using namespace mcf;

TEST_CASE("security group files in Cloud Foundry's rule JSON become NetOut rules") {
  auto rules = daemon::parseSecurityGroup(
      R"([{"protocol":"tcp","destination":"10.0.11.0/24","ports":"80,8000-8010","description":"x"},
          {"protocol":"icmp","destination":"1.2.3.4","type":0,"code":0},
          {"protocol":"all","destination":"10.1.0.1-10.1.0.9,192.168.0.0/16"}])",
      "asg.json");
  REQUIRE(rules.ok());
  REQUIRE(rules->size() == 5);
  CHECK((*rules)[0].protocol == "tcp");
  CHECK((*rules)[0].destination == "10.0.11.0/24");
  CHECK((*rules)[0].port_first == 80);
  CHECK((*rules)[0].port_last == 80);
  CHECK((*rules)[1].port_first == 8000);
  CHECK((*rules)[1].port_last == 8010);
  CHECK((*rules)[2].protocol == "icmp");
  CHECK((*rules)[3].destination == "10.1.0.1-10.1.0.9");
  CHECK((*rules)[4].destination == "192.168.0.0/16");
}

TEST_CASE("a bad security group names the file and every bad rule") {
  auto bad = daemon::parseSecurityGroup(
      R"([{"protocol":"sctp","destination":"1.2.3.4"},{"protocol":"tcp","destination":"1.2.3.4"},
          {"protocol":"udp","destination":"1.2.3.4","ports":"9-1"}])",
      "asg.json");
  REQUIRE_FALSE(bad.ok());
  const std::string& m = bad.error().message;
  CHECK(m.find("asg.json has bad rules") != std::string::npos);
  CHECK(m.find("rule 1: protocol must be one of tcp, udp, icmp, all") != std::string::npos);
  CHECK(m.find("rule 2: ports must be") != std::string::npos);
  CHECK(m.find("rule 3: ports must be") != std::string::npos);
  CHECK_FALSE(daemon::parseSecurityGroup("{}", "f").ok());
  CHECK_FALSE(daemon::loadSecurityGroups({"/nonexistent/asg.json"}).ok());
}

TEST_CASE("default staging rules allow public networks and DNS, not private networks") {
  auto rules = daemon::defaultStagingRules();
  bool dns_udp = false;
  for (const auto& r : rules) {
    CHECK(r.destination.rfind("10.", 0) != 0);
    dns_udp |= r.protocol == "udp" && r.port_first == 53;
  }
  CHECK(dns_udp);
}
