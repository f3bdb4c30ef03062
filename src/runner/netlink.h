// A small rtnetlink client: links, addresses and routes, over a raw NETLINK_ROUTE socket.
//
// Owns: one socket per call, opened in the caller's network namespace at that moment (so the
// same functions configure the host and, called after unshare(CLONE_NEWNET), a container).
// Does not own: policy (which names, which addresses): runner/network.h decides that.
// Thread: any; every call blocks for one kernel round trip (tens of microseconds).
#pragma once

#include <array>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::runner::netlink {

// Names are at most this long (IFNAMSIZ - 1).
inline constexpr size_t kMaxLinkName = 15;

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ...; empty for devices without link info (lo, eth0)
  int master = 0;    // index of the bridge it is a port of; 0 = none
  bool up = false;
  bool oper_up = false;  // carrier and the kernel has started its queue (RFC 2863 "up")
};

struct Address {
  int index = 0;   // the link's
  std::string ip;  // dotted IPv4
  int prefix = 0;
};

// A network namespace to move a device into: an open /proc/<pid>/ns/net (fd), or a pid.
struct NetnsRef {
  int fd = -1;
  pid_t pid = 0;
};

// Every link in the caller's network namespace.
base::Result<std::vector<Link>> listLinks();
// Links whose name starts with prefix.
base::Result<std::vector<Link>> listLinksWithPrefix(const std::string& prefix);
// The link called name, or nullopt.
base::Result<std::optional<Link>> findLink(const std::string& name);

// Every IPv4 address in the caller's network namespace.
base::Result<std::vector<Address>> listAddresses();

// Creates a bridge; a bridge already called name is fine, any other device is an error.
base::Status ensureBridge(const std::string& name);
// Creates host_name, a veth whose peer appears in netns as peer_name, a port of the bridge
// master_index (0 = none), up on the host side. The peer stays down until configured inside.
// A name already in use fails with Errc::kConflict.
base::Status createVethPair(const std::string& host_name, const std::string& peer_name,
                            NetnsRef netns, int master_index);
// Deletes a link (for a veth, both ends). A missing link is fine.
base::Status deleteLink(const std::string& name);
base::Status setUp(int index);
// Sets the link's MAC address. A bridge given one keeps it; otherwise it takes the lowest MAC of
// its ports and changes as ports come and go.
base::Status setAddress(int index, const std::array<uint8_t, 6>& mac);
// Makes a bridge port isolated: the bridge forwards nothing between two isolated ports, only
// between them and the others (the bridge itself, where the host routes).
base::Status setPortIsolated(int index);
// Adds ip/prefix (dotted IPv4) to the link; the same address again is fine.
base::Status addAddress(int index, const std::string& ip, int prefix);
// The default route via gateway out of the link.
base::Status addDefaultRoute(int index, const std::string& gateway);

}  // namespace mcf::runner::netlink
