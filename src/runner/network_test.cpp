// Tests of the address plan: subnets, the IP allocator and veth names, without any syscall.
#include "runner/network.h"

#include <doctest/doctest.h>

#include <set>

using namespace mcf::runner;

namespace {

IpAllocator allocator(const std::string& cidr) {
  auto subnet = parseSubnet(cidr);
  REQUIRE(subnet.ok());
  return IpAllocator(*subnet);
}

}  // namespace

TEST_CASE("parseSubnet accepts a network address and refuses host bits and odd prefixes") {
  auto subnet = parseSubnet("10.254.0.0/22");
  REQUIRE(subnet.ok());
  CHECK(formatIpv4(subnet->network) == "10.254.0.0");
  CHECK(subnet->prefix == 22);
  CHECK(formatIpv4(subnet->gateway()) == "10.254.0.1");
  CHECK(formatIpv4(subnet->broadcast()) == "10.254.3.255");

  auto host_bits = parseSubnet("10.254.1.0/22");
  REQUIRE_FALSE(host_bits.ok());
  CHECK(host_bits.error().message.find("did you mean 10.254.0.0/22") != std::string::npos);
  CHECK_FALSE(parseSubnet("10.254.0.0").ok());
  CHECK_FALSE(parseSubnet("10.254.0.0/31").ok());
  CHECK_FALSE(parseSubnet("10.254.0.0/22x").ok());
  CHECK_FALSE(parseSubnet("10.254.0/22").ok());
}

TEST_CASE("IpAllocator skips the network, gateway and broadcast addresses") {
  auto ips = allocator("10.253.7.0/29");  // .0 network, .1 gateway, .7 broadcast
  CHECK(ips.capacity() == 5);
  CHECK(ips.gateway() == "10.253.7.1");
  CHECK(ips.prefix() == 29);
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto ip = ips.allocate();
    REQUIRE(ip.ok());
    got.insert(*ip);
  }
  CHECK(got == std::set<std::string>{"10.253.7.2", "10.253.7.3", "10.253.7.4", "10.253.7.5",
                                     "10.253.7.6"});
  auto full = ips.allocate();
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == mcf::base::Errc::kUnavailable);
  CHECK(full.error().message ==
        "no free container IP: all 5 addresses of 10.253.7.0/29 are in use; destroy containers "
        "or configure a larger subnet");
}

TEST_CASE("IpAllocator reuses a released IP only after the others (next fit)") {
  auto ips = allocator("10.253.7.0/29");
  CHECK(*ips.allocate() == "10.253.7.2");
  CHECK(*ips.allocate() == "10.253.7.3");
  ips.release("10.253.7.2");
  CHECK(*ips.allocate() == "10.253.7.4");
  CHECK(*ips.allocate() == "10.253.7.5");
  CHECK(*ips.allocate() == "10.253.7.6");
  CHECK(*ips.allocate() == "10.253.7.2");  // wrapped around to the released one
  CHECK(ips.used() == 5);
  ips.release("10.253.7.9");  // not taken, not even in the subnet: ignored
  CHECK(ips.used() == 5);
}

TEST_CASE("IpAllocator reserve() recovers taken IPs and refuses foreign or duplicate ones") {
  auto ips = allocator("10.253.7.0/29");
  REQUIRE(ips.reserve("10.253.7.2").ok());
  REQUIRE(ips.reserve("10.253.7.4").ok());
  CHECK(*ips.allocate() == "10.253.7.3");
  CHECK(*ips.allocate() == "10.253.7.5");

  auto twice = ips.reserve("10.253.7.4");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code == mcf::base::Errc::kConflict);
  CHECK_FALSE(ips.reserve("10.253.7.1").ok());  // the gateway
  CHECK_FALSE(ips.reserve("10.253.7.7").ok());  // broadcast
  CHECK_FALSE(ips.reserve("10.253.8.2").ok());  // another subnet
  CHECK_FALSE(ips.reserve("not-an-ip").ok());
}

TEST_CASE("a /22 holds 1021 containers") {
  auto ips = allocator("10.254.0.0/22");
  CHECK(ips.capacity() == 1021);
  std::string last;
  for (int i = 0; i < 1021; ++i) last = *ips.allocate();
  CHECK(last == "10.254.3.254");
  CHECK_FALSE(ips.allocate().ok());
}

TEST_CASE("vethName is the prefix and the IP in hex, within the 15 characters of a name") {
  CHECK(*vethName("mcfv", "10.254.0.2") == "mcfv0afe0002");
  CHECK(*vethName("mcfv", "10.254.3.254") == "mcfv0afe03fe");
  CHECK(vethName("abcdefg", "10.254.0.2")->size() == 15);
  CHECK_FALSE(vethName("abcdefgh", "10.254.0.2").ok());
  CHECK_FALSE(vethName("", "10.254.0.2").ok());
  CHECK_FALSE(vethName("mcfv", "10.254.0").ok());
}

TEST_CASE("validateNetworkConfig refuses names that do not fit or that overlap") {
  CHECK(validateNetworkConfig(NetworkConfig{}).ok());
  CHECK_FALSE(validateNetworkConfig({.bridge = "a-very-long-bridge"}).ok());
  CHECK_FALSE(validateNetworkConfig({.veth_prefix = "toolongx"}).ok());
  CHECK_FALSE(validateNetworkConfig({.bridge = "mcfv0", .veth_prefix = "mcfv"}).ok());
  CHECK_FALSE(validateNetworkConfig({.subnet = "10.254.0.0"}).ok());
}
