// Tests of the rendered nftables text, without running nft.
#include "runner/firewall.h"

#include <doctest/doctest.h>

using namespace mcf::runner;

namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

NetOutRule rule(std::string protocol, std::string destination, int first = 0, int last = 0) {
  return NetOutRule{std::move(protocol), std::move(destination), first, last};
}

}  // namespace

TEST_CASE("the base ruleset recreates microcf's tables with the container policy") {
  auto text = renderBaseRuleset(NetworkConfig{});
  REQUIRE(text.ok());
  // Recreated atomically: declared (so the delete cannot fail), deleted, declared again.
  CHECK(text->starts_with("table inet microcf\ndelete table inet microcf\ntable inet microcf {\n"));
  CHECK(has(*text, "table bridge microcf\ndelete table bridge microcf\ntable bridge microcf {\n"));
  // Containers reach the host only with replies.
  CHECK(has(*text, "    iifname \"mcf0\" ct state established,related accept\n"
                   "    iifname \"mcf0\" drop\n  }\n  chain forward"));
  // Never to each other bridged (the bridge family, besides the isolated ports); routed by the
  // host, from one container to another as to anywhere else: the sender's chain decides.
  CHECK(has(*text, "iifname \"mcfv*\" oifname \"mcfv*\" drop"));
  CHECK_FALSE(has(*text, "iifname \"mcf0\" oifname \"mcf0\""));
  // Outbound only through the container's chain, looked up by source address; replies back.
  CHECK(has(*text, "    iifname \"mcf0\" ct state established,related accept\n"
                   "    oifname \"mcf0\" ct state established,related accept\n"
                   "    iifname \"mcf0\" ip saddr vmap @outbound\n"
                   "    iifname \"mcf0\" drop\n"
                   "    oifname \"mcf0\" drop\n"));
  CHECK(has(*text, "ip saddr 10.254.0.0/22 oifname != \"mcf0\" masquerade"));
  // NetIn from the host's loopback, for local processes (output) and prerouting.
  CHECK(has(*text, "type nat hook output priority -100; policy accept;\n"
                   "    ip daddr 127.0.0.1 dnat ip to tcp dport map @netin"));
  CHECK(has(*text, "type nat hook prerouting priority dstnat; policy accept;\n"
                   "    ip daddr 127.0.0.1 dnat ip to tcp dport map @netin"));
  CHECK(has(*text, "oifname \"mcf0\" ip saddr 127.0.0.0/8 masquerade"));
}

TEST_CASE("the base ruleset uses the configured names and refuses unsafe ones") {
  NetworkConfig config{.bridge = "mcft42", .subnet = "10.253.4.0/24", .veth_prefix = "mt42",
                       .table = "mcft42"};
  auto text = renderBaseRuleset(config);
  REQUIRE(text.ok());
  CHECK(has(*text, "table inet mcft42 {"));
  CHECK(has(*text, "iifname \"mt42*\" oifname \"mt42*\" drop"));
  CHECK(has(*text, "ip saddr 10.253.4.0/24 oifname != \"mcft42\" masquerade"));
  CHECK_FALSE(has(*text, "microcf"));

  CHECK_FALSE(renderBaseRuleset({.table = "micro cf"}).ok());
  CHECK_FALSE(renderBaseRuleset({.table = "1table"}).ok());
  CHECK_FALSE(renderBaseRuleset({.bridge = "br\"0"}).ok());
  CHECK_FALSE(renderBaseRuleset({.veth_prefix = "v;"}).ok());
}

TEST_CASE("NetOut rules render per protocol, destination and ports") {
  CHECK(*renderNetOutRule(rule("tcp", "10.0.0.0/8", 80, 90)) ==
        "ip daddr 10.0.0.0/8 tcp dport 80-90 accept");
  CHECK(*renderNetOutRule(rule("udp", "192.168.1.5", 53)) ==
        "ip daddr 192.168.1.5 udp dport 53 accept");
  CHECK(*renderNetOutRule(rule("tcp", "10.0.0.1-10.0.0.9")) ==
        "ip daddr 10.0.0.1-10.0.0.9 meta l4proto tcp accept");
  CHECK(*renderNetOutRule(rule("icmp", "0.0.0.0/0")) ==
        "ip daddr 0.0.0.0/0 ip protocol icmp accept");
  CHECK(*renderNetOutRule(rule("all", "")) == "ip daddr 0.0.0.0/0 accept");
  // Host bits in a CIDR are dropped, as Cloud Foundry's security groups do.
  CHECK(*renderNetOutRule(rule("all", "10.1.2.3/16")) == "ip daddr 10.1.0.0/16 accept");
}

TEST_CASE("bad NetOut rules are refused with what to write instead") {
  auto proto = renderNetOutRule(rule("sctp", "10.0.0.1"));
  REQUIRE_FALSE(proto.ok());
  CHECK(proto.error().message == "NetOut protocol 'sctp' is not tcp, udp, icmp or all");
  auto dest = renderNetOutRule(rule("tcp", "10.0.0.1; flush ruleset", 80));
  REQUIRE_FALSE(dest.ok());
  CHECK(has(dest.error().message, "use an IP, a CIDR like 10.0.0.0/8"));
  CHECK_FALSE(renderNetOutRule(rule("tcp", "10.0.0.9-10.0.0.1")).ok());
  CHECK_FALSE(renderNetOutRule(rule("tcp", "10.0.0.0/33")).ok());
  CHECK_FALSE(renderNetOutRule(rule("icmp", "10.0.0.1", 80)).ok());
  CHECK_FALSE(renderNetOutRule(rule("tcp", "10.0.0.1", 90, 80)).ok());
  CHECK_FALSE(renderNetOutRule(rule("tcp", "10.0.0.1", 70000)).ok());
}

TEST_CASE("container rules replace the container's chain and add its NetIn forwards") {
  auto text = renderContainerRules(NetworkConfig{}, "10.254.0.2",
                                   {rule("tcp", "10.0.0.0/8", 443), rule("icmp", "8.8.8.8")},
                                   {{61001, 8080}, {61002, 2222}});
  REQUIRE(text.ok());
  CHECK(*text ==
        "add chain inet microcf out_0afe0002\n"
        "flush chain inet microcf out_0afe0002\n"
        "add rule inet microcf out_0afe0002 ip daddr 10.0.0.0/8 tcp dport 443 accept\n"
        "add rule inet microcf out_0afe0002 ip daddr 8.8.8.8 ip protocol icmp accept\n"
        "add element inet microcf outbound { 10.254.0.2 : jump out_0afe0002 }\n"
        "add element inet microcf netin { 61001 : 10.254.0.2 . 8080 }\n"
        "add element inet microcf netin { 61002 : 10.254.0.2 . 2222 }\n");
}

TEST_CASE("container rules refuse an IP outside the subnet, bad rules and bad ports") {
  CHECK_FALSE(renderContainerRules(NetworkConfig{}, "10.9.0.2", {}, {}).ok());
  CHECK_FALSE(renderContainerRules(NetworkConfig{}, "10.254.0.2", {rule("gre", "")}, {}).ok());
  CHECK_FALSE(renderContainerRules(NetworkConfig{}, "10.254.0.2", {}, {{0, 8080}}).ok());
  CHECK_FALSE(renderContainerRules(NetworkConfig{}, "10.254.0.2", {}, {{61001, 65536}}).ok());
}

TEST_CASE("removing a container declares then deletes its chain, element and forwards") {
  auto text = renderRemoveContainer(NetworkConfig{}, "10.254.0.2", {{61001, 8080}});
  REQUIRE(text.ok());
  CHECK(*text ==
        "add chain inet microcf out_0afe0002\n"
        "flush chain inet microcf out_0afe0002\n"
        "add element inet microcf outbound { 10.254.0.2 : jump out_0afe0002 }\n"
        "add element inet microcf netin { 61001 : 10.254.0.2 . 8080 }\n"
        "delete element inet microcf outbound { 10.254.0.2 }\n"
        "delete element inet microcf netin { 61001 }\n"
        "delete chain inet microcf out_0afe0002\n");
}
