// Container networking: a bridge with the gateway address, one veth per container, and the
// address plan (which IP each container gets, what its host-side veth is called).
//
// Owns: the bridge, the host-side veths named <veth_prefix><container IP in hex>, the
// ip_forward and route_localnet sysctls it turns on. The allocator owns which IPs are taken.
// Does not own: the firewall (runner/firewall.h), the container's network namespace (its
// init unshares it; this only moves a veth end into it and configures it from inside).
// Thread: any; calls block for a few netlink round trips. IpAllocator is not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>

#include "base/result.h"
#include "runner/netlink.h"

namespace mcf::runner {

struct NetworkConfig {
  std::string bridge = "mcf0";
  std::string subnet = "10.254.0.0/22";  // the gateway (bridge) takes the first host address
  std::string veth_prefix = "mcfv";      // at most 7 characters: names get 8 hex digits more
  std::string table = "microcf";         // the nftables tables (inet and bridge) of the firewall
};

// An IPv4 network in host byte order.
struct Subnet {
  uint32_t network = 0;
  int prefix = 0;

  uint32_t mask() const { return prefix == 0 ? 0 : ~0u << (32 - prefix); }
  uint32_t broadcast() const { return network | ~mask(); }
  uint32_t gateway() const { return network + 1; }
  bool contains(uint32_t ip) const { return (ip & mask()) == network; }
};

// "10.254.0.0/22" -> Subnet; the address must be the network's (no host bits), prefix 8..30.
base::Result<Subnet> parseSubnet(const std::string& cidr);
base::Result<uint32_t> parseIpv4(const std::string& ip);
std::string formatIpv4(uint32_t ip);

// Hands out container IPs from a subnet: never the network address, the gateway (.1) or the
// broadcast address. Next-fit, so a released IP is reused as late as possible (stale ARP and
// conntrack entries of a destroyed container do not reach its successor).
class IpAllocator {
 public:
  explicit IpAllocator(Subnet subnet) : subnet_(subnet), next_(subnet.gateway() + 1) {}

  base::Result<std::string> allocate();
  // Marks ip as taken (recovering the containers that survived a restart).
  base::Status reserve(const std::string& ip);
  // Frees ip; an IP that is not taken is ignored.
  void release(const std::string& ip);

  std::string gateway() const { return formatIpv4(subnet_.gateway()); }
  int prefix() const { return subnet_.prefix; }
  size_t used() const { return taken_.size(); }
  size_t capacity() const { return subnet_.broadcast() - subnet_.gateway() - 1; }

 private:
  bool usable(uint32_t ip) const {
    return subnet_.contains(ip) && ip > subnet_.gateway() && ip < subnet_.broadcast();
  }

  Subnet subnet_;
  uint32_t next_;
  std::set<uint32_t> taken_;
};

// The host-side veth of the container with ip: prefix + the IP as 8 hex digits, so that
// `ip link` and logs name the container and cleanup finds every one by the prefix.
base::Result<std::string> vethName(const std::string& prefix, const std::string& ip);
// The name every container sees for its end of the veth.
inline constexpr const char* kContainerInterface = "eth0";

// Checks names and subnet (bridge <= 15 characters, prefix <= 7, subnet parses).
base::Status validateNetworkConfig(const NetworkConfig& config);

// Creates the bridge (or reuses microcf's), gives it the gateway address, brings it up, and
// turns on net.ipv4.ip_forward and net.ipv4.conf.<bridge>.route_localnet (NetIn forwards the
// host's loopback to containers). Refuses a subnet that overlaps an address of another
// interface on the host.
base::Status setupBridge(const NetworkConfig& config);

// Creates the container's veth: the host end, named vethName(ip), a port of the bridge and up;
// the other end moved into netns as eth0. A leftover veth with the same name (from a crash)
// is replaced. Returns the host end's name.
base::Result<std::string> attachContainer(const NetworkConfig& config, netlink::NetnsRef netns,
                                          const std::string& ip);

// In the container's network namespace (after unshare(CLONE_NEWNET) and attachContainer):
// lo up, eth0 ip/prefix up, default route via gateway. Needs CAP_NET_ADMIN in that namespace.
base::Status configureInside(const std::string& ip, int prefix, const std::string& gateway);

// For a container without network (spec.network = false): lo up, nothing else.
base::Status bringUpLoopback();

// Deletes a container's host veth (its peer goes with it). A missing one is fine.
base::Status detachContainer(const std::string& host_veth);

// Removes every veth whose name starts with the prefix (leftovers of a crash). With
// remove_bridge, the bridge too (microcf stops networking altogether).
base::Status cleanupNetwork(const NetworkConfig& config, bool remove_bridge = false);

}  // namespace mcf::runner
