// Container networking: the address plan, the bridge and each container's veth.
#include "runner/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include <charconv>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/unique_fd.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

base::Status writeSysctl(const std::string& name, const std::string& value) {
  std::string path = "/proc/sys/" + name;
  for (size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  if (auto st = base::writeKernelFile(path, value); !st.ok()) {
    return makeError(Errc::kIo, "{}; container networking needs root", st.error().message);
  }
  return {};
}

// Does the host already use an address of subnet on an interface other than the bridge?
base::Status checkSubnetIsFree(const NetworkConfig& config, const Subnet& subnet) {
  auto addresses = netlink::listAddresses();
  if (!addresses.ok()) return addresses.takeError();
  auto bridge = netlink::findLink(config.bridge);
  if (!bridge.ok()) return bridge.takeError();
  int bridge_index = *bridge ? (*bridge)->index : -1;
  for (const auto& address : *addresses) {
    if (address.index == bridge_index) continue;
    auto ip = parseIpv4(address.ip);
    if (!ip.ok()) continue;
    Subnet theirs{*ip, address.prefix};
    theirs.network &= theirs.mask();
    int shorter = std::min(subnet.prefix, theirs.prefix);
    Subnet common{0, shorter};
    if ((subnet.network & common.mask()) == (theirs.network & common.mask())) {
      char name[IF_NAMESIZE] = {};
      ::if_indextoname(static_cast<unsigned>(address.index), name);
      return makeError(Errc::kConflict,
                       "the container subnet {}/{} overlaps {}/{} on the host's interface {}; "
                       "configure another subnet for microcf",
                       formatIpv4(subnet.network), subnet.prefix, address.ip, address.prefix,
                       name);
    }
  }
  return {};
}

// The kernel turns a link on (carrier, queue) asynchronously after it is set up; packets sent
// before that are dropped, and the first ARP request lost costs a second. Wait for it.
base::Status waitOperUp(const std::string& name) {
  for (int i = 0; i < 2000; ++i) {
    auto link = netlink::findLink(name);
    if (!link.ok()) return link.takeError();
    if (*link && (*link)->oper_up) return {};
    ::usleep(500);
  }
  return makeError(Errc::kIo, "{} did not come up within a second; check `ip link`", name);
}

}  // namespace

base::Result<uint32_t> parseIpv4(const std::string& ip) {
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) != 1) {
    return makeError(Errc::kInvalid, "'{}' is not an IPv4 address", ip);
  }
  return ntohl(addr.s_addr);
}

std::string formatIpv4(uint32_t ip) {
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

base::Result<Subnet> parseSubnet(const std::string& cidr) {
  auto slash = cidr.find('/');
  int prefix = -1;
  if (slash != std::string::npos) {
    const char* end = cidr.data() + cidr.size();
    auto [ptr, ec] = std::from_chars(cidr.data() + slash + 1, end, prefix);
    if (ec != std::errc() || ptr != end) prefix = -1;
  }
  if (prefix < 8 || prefix > 30) {
    return makeError(Errc::kInvalid,
                     "'{}' is not a subnet like 10.254.0.0/22 (prefix length 8 to 30)", cidr);
  }
  auto ip = parseIpv4(cidr.substr(0, slash));
  if (!ip.ok()) return makeError(Errc::kInvalid, "'{}': {}", cidr, ip.error().message);
  Subnet subnet{*ip, prefix};
  if ((*ip & subnet.mask()) != *ip) {
    return makeError(Errc::kInvalid, "'{}' has host bits set; did you mean {}/{}?", cidr,
                     formatIpv4(*ip & subnet.mask()), prefix);
  }
  return subnet;
}

base::Result<std::string> IpAllocator::allocate() {
  for (size_t tried = 0; tried < capacity(); ++tried) {
    uint32_t ip = next_;
    next_ = usable(next_ + 1) ? next_ + 1 : subnet_.gateway() + 1;
    if (taken_.insert(ip).second) return formatIpv4(ip);
  }
  return makeError(Errc::kUnavailable,
                   "no free container IP: all {} addresses of {}/{} are in use; destroy "
                   "containers or configure a larger subnet",
                   capacity(), formatIpv4(subnet_.network), subnet_.prefix);
}

base::Status IpAllocator::reserve(const std::string& ip) {
  auto parsed = parseIpv4(ip);
  if (!parsed.ok()) return parsed.takeError();
  if (!usable(*parsed)) {
    return makeError(Errc::kInvalid, "{} is not a container address of {}/{}", ip,
                     formatIpv4(subnet_.network), subnet_.prefix);
  }
  if (!taken_.insert(*parsed).second) {
    return makeError(Errc::kConflict, "{} is already taken by another container", ip);
  }
  return {};
}

void IpAllocator::release(const std::string& ip) {
  auto parsed = parseIpv4(ip);
  if (parsed.ok()) taken_.erase(*parsed);
}

base::Result<std::string> vethName(const std::string& prefix, const std::string& ip) {
  auto parsed = parseIpv4(ip);
  if (!parsed.ok()) return parsed.takeError();
  std::string name = fmt::format("{}{:08x}", prefix, *parsed);
  if (prefix.empty() || name.size() > netlink::kMaxLinkName) {
    return makeError(Errc::kInvalid, "veth prefix '{}' must have 1 to 7 characters", prefix);
  }
  return name;
}

base::Status validateNetworkConfig(const NetworkConfig& config) {
  if (config.bridge.empty() || config.bridge.size() > netlink::kMaxLinkName) {
    return makeError(Errc::kInvalid, "bridge name '{}' must have 1 to 15 characters",
                     config.bridge);
  }
  if (config.veth_prefix.empty() || config.veth_prefix.size() > 7 ||
      config.bridge.starts_with(config.veth_prefix)) {
    return makeError(Errc::kInvalid,
                     "veth prefix '{}' must have 1 to 7 characters and not begin the bridge's "
                     "name",
                     config.veth_prefix);
  }
  auto subnet = parseSubnet(config.subnet);
  if (!subnet.ok()) return subnet.takeError();
  return {};
}

base::Status setupBridge(const NetworkConfig& config) {
  MCF_TRY(validateNetworkConfig(config));
  auto subnet = parseSubnet(config.subnet);
  MCF_TRY(checkSubnetIsFree(config, *subnet));
  MCF_TRY(netlink::ensureBridge(config.bridge));
  auto bridge = netlink::findLink(config.bridge);
  if (!bridge.ok()) return bridge.takeError();
  if (!*bridge) return makeError(Errc::kIo, "bridge {} vanished while set up", config.bridge);
  MCF_TRY(netlink::addAddress((*bridge)->index, formatIpv4(subnet->gateway()), subnet->prefix));
  // A fixed MAC: left to itself the bridge takes its lowest port's, so stopping a container
  // could change the gateway's MAC under the others, whose ARP caches then send replies
  // nowhere for up to half a minute (a stall for requests to the instances still serving).
  // Locally administered 02:6d:63 ("mc") and three bytes of the bridge's name's hash.
  uint32_t h = 2166136261u;
  for (char c : config.bridge) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  MCF_TRY(netlink::setAddress((*bridge)->index, {0x02, 0x6d, 0x63, static_cast<uint8_t>(h >> 16),
                                                 static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)}));
  MCF_TRY(netlink::setUp((*bridge)->index));
  MCF_TRY(writeSysctl("net.ipv4.ip_forward", "1"));
  MCF_TRY(writeSysctl("net.ipv4.conf." + config.bridge + ".route_localnet", "1"));
  // Container ports are isolated: one container's ARP for another reaches only the host, which
  // answers with its own address, so traffic between containers is routed by the host and
  // passes the firewall's forward chain (where the sender's security groups decide).
  MCF_TRY(writeSysctl("net.ipv4.conf." + config.bridge + ".proxy_arp", "1"));
  MCF_TRY(writeSysctl("net.ipv4.conf." + config.bridge + ".proxy_arp_pvlan", "1"));
  // Answered at once: by default the kernel delays proxy answers by up to 0.8 s.
  MCF_TRY(writeSysctl("net.ipv4.neigh." + config.bridge + ".proxy_delay", "0"));
  return {};
}

base::Result<std::string> attachContainer(const NetworkConfig& config, netlink::NetnsRef netns,
                                          const std::string& ip) {
  auto name = vethName(config.veth_prefix, ip);
  if (!name.ok()) return name.takeError();
  auto bridge = netlink::findLink(config.bridge);
  if (!bridge.ok()) return bridge.takeError();
  if (!*bridge) {
    return makeError(Errc::kIo, "bridge {} is missing; set up the network first", config.bridge);
  }
  auto created = netlink::createVethPair(*name, kContainerInterface, netns, (*bridge)->index);
  if (!created.ok() && created.error().code == Errc::kConflict) {
    auto leftover = netlink::findLink(*name);
    if (leftover.ok() && *leftover && (*leftover)->kind == "veth") {
      MCF_WARN("network", "replacing leftover veth {}", *name);
      MCF_TRY(netlink::deleteLink(*name));
      created = netlink::createVethPair(*name, kContainerInterface, netns, (*bridge)->index);
    }
  }
  if (!created.ok()) return created.takeError();
  // Before the inside is up, so that no frame ever goes from one container to another directly.
  int index = static_cast<int>(::if_nametoindex(name->c_str()));
  base::Status isolated = index > 0 ? netlink::setPortIsolated(index)
                                    : makeError(Errc::kIo, "veth {} vanished", *name);
  if (!isolated.ok()) {
    (void)netlink::deleteLink(*name);
    return isolated.takeError();
  }
  return *name;
}

base::Status bringUpLoopback() {
  return netlink::setUp(static_cast<int>(::if_nametoindex("lo")));
}

base::Status configureInside(const std::string& ip, int prefix, const std::string& gateway) {
  MCF_TRY(bringUpLoopback());
  int index = static_cast<int>(::if_nametoindex(kContainerInterface));
  if (index == 0) {
    return makeError(Errc::kIo, "no {} in the container's network namespace: attach it first",
                     kContainerInterface);
  }
  MCF_TRY(netlink::addAddress(index, ip, prefix));
  MCF_TRY(netlink::setUp(index));
  MCF_TRY(netlink::addDefaultRoute(index, gateway));
  return waitOperUp(kContainerInterface);
}

base::Status detachContainer(const std::string& host_veth) {
  return netlink::deleteLink(host_veth);
}

base::Status cleanupNetwork(const NetworkConfig& config, bool remove_bridge) {
  MCF_TRY(validateNetworkConfig(config));
  auto bridge = netlink::findLink(config.bridge);
  if (!bridge.ok()) return bridge.takeError();
  auto leftovers = netlink::listLinksWithPrefix(config.veth_prefix);
  if (!leftovers.ok()) return leftovers.takeError();
  for (const auto& link : *leftovers) {
    // Only veths of this bridge: never a host device that happens to share the prefix, nor
    // one of another microcf's bridge.
    if (link.kind != "veth" || !*bridge || link.master != (*bridge)->index) continue;
    MCF_TRY(netlink::deleteLink(link.name));
  }
  if (!remove_bridge) return {};
  if (*bridge && (*bridge)->kind == "bridge") MCF_TRY(netlink::deleteLink(config.bridge));
  return {};
}

}  // namespace mcf::runner
