// rtnetlink requests built by hand: a message buffer with (nested) attributes, one socket per
// call, an acknowledgement or a dump read back.
#include "runner/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "base/unique_fd.h"

namespace mcf::runner::netlink {
namespace {

using base::Errc;
using base::makeError;

// What to do after the kernel refuses, by errno.
std::string hint(int err) {
  switch (err) {
    case EPERM:
    case EACCES: return "container networking needs root (CAP_NET_ADMIN)";
    case EEXIST: return "remove the leftover device or address, or pick another name";
    case EOPNOTSUPP: return "the kernel lacks bridge or veth support (modprobe bridge veth)";
    case ENODEV: return "the device is gone; recreate it";
    case EBUSY: return "the device is in use";
    default: return "check `ip link` and `dmesg`";
  }
}

base::Error kernelError(const std::string& what, int err) {
  const char* name = strerrorname_np(err);
  return makeError(err == EEXIST ? Errc::kConflict : Errc::kIo, "{} failed: {} ({}); {}", what,
                   strerror(err), name ? name : "?", hint(err));
}

// One netlink message under construction. Attributes nest with begin()/end().
class Message {
 public:
  Message(uint16_t type, uint16_t flags) {
    buf_.resize(NLMSG_HDRLEN);
    hdr()->nlmsg_type = type;
    hdr()->nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
  }

  // The family header right after nlmsghdr; call once, first. Like every pointer into the
  // message, it is valid until the next put.
  template <typename T>
  T* header() {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(sizeof(T)));
    return reinterpret_cast<T*>(buf_.data() + at);
  }
  void put(uint16_t type, const void* data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + RTA_ALIGN(RTA_LENGTH(len)));
    auto* rta = reinterpret_cast<rtattr*>(buf_.data() + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    if (len > 0) std::memcpy(RTA_DATA(rta), data, len);
  }
  void putString(uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
  void putU32(uint16_t type, uint32_t v) { put(type, &v, sizeof(v)); }

  size_t begin(uint16_t type) {
    size_t at = buf_.size();
    put(type, nullptr, 0);
    return at;
  }
  void end(size_t at) {
    reinterpret_cast<rtattr*>(buf_.data() + at)->rta_len = static_cast<uint16_t>(buf_.size() - at);
  }
  // Reserves room for a nested family header (veth's peer ifinfomsg) inside an attribute.
  template <typename T>
  T* nestedHeader() {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(sizeof(T)));
    return reinterpret_cast<T*>(buf_.data() + at);
  }

  nlmsghdr* finish(uint32_t seq) {
    hdr()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    hdr()->nlmsg_seq = seq;
    return hdr();
  }

 private:
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  std::vector<char> buf_;
};

base::Result<base::UniqueFd> openSocket() {
  base::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd.valid()) return kernelError("opening a netlink socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    return kernelError("binding a netlink socket", errno);
  }
  int on = 1;  // error messages from the kernel's extack, when it has one
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  return fd;
}

base::Status sendMessage(int fd, Message& msg, uint32_t seq, const std::string& what) {
  nlmsghdr* hdr = msg.finish(seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n = ::sendto(fd, hdr, hdr->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                       sizeof(kernel));
  if (n < 0) return kernelError(what, errno);
  return {};
}

// Calls on_message for each reply message of a dump (or the ack of a request) until done.
// Returns the kernel's error, as a negative errno in err, for a refused request.
template <typename OnMessage>
base::Status receive(int fd, uint32_t seq, const std::string& what, int* err,
                     OnMessage on_message) {
  std::vector<char> buf(32768);
  *err = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return kernelError(what, errno);
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return {};
      if (h->nlmsg_type == NLMSG_ERROR) {
        *err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        return {};
      }
      on_message(h);
    }
  }
}

// Sends a request and waits for its acknowledgement; the kernel's errno comes back in err.
base::Status requestErrno(Message& msg, const std::string& what, int* err) {
  auto fd = openSocket();
  if (!fd.ok()) return fd.takeError();
  MCF_TRY(sendMessage(fd->get(), msg, 1, what));
  return receive(fd->get(), 1, what, err, [](nlmsghdr*) {});
}

base::Status request(Message& msg, const std::string& what) {
  int err = 0;
  MCF_TRY(requestErrno(msg, what, &err));
  if (err != 0) return kernelError(what, err);
  return {};
}

Link parseLink(nlmsghdr* h) {
  Link link;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
  link.index = ifi->ifi_index;
  link.up = (ifi->ifi_flags & IFF_UP) != 0;
  int len = static_cast<int>(IFLA_PAYLOAD(h));
  for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
    if (rta->rta_type == IFLA_IFNAME) {
      link.name = static_cast<const char*>(RTA_DATA(rta));
    } else if (rta->rta_type == IFLA_OPERSTATE) {
      link.oper_up = *static_cast<uint8_t*>(RTA_DATA(rta)) == IF_OPER_UP;
    } else if (rta->rta_type == IFLA_MASTER) {
      link.master = static_cast<int>(*static_cast<uint32_t*>(RTA_DATA(rta)));
    } else if (rta->rta_type == IFLA_LINKINFO) {
      int inner = static_cast<int>(RTA_PAYLOAD(rta));
      for (auto* sub = static_cast<rtattr*>(RTA_DATA(rta)); RTA_OK(sub, inner);
           sub = RTA_NEXT(sub, inner)) {
        if (sub->rta_type == IFLA_INFO_KIND) link.kind = static_cast<const char*>(RTA_DATA(sub));
      }
    }
  }
  return link;
}

base::Result<in_addr> parseIp(const std::string& ip) {
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) != 1) {
    return makeError(Errc::kInvalid, "'{}' is not an IPv4 address", ip);
  }
  return addr;
}

base::Status checkName(const std::string& name) {
  if (name.empty() || name.size() > kMaxLinkName || name.find('/') != std::string::npos) {
    return makeError(Errc::kInvalid, "'{}' is not a valid interface name (1 to {} characters)",
                     name, kMaxLinkName);
  }
  return {};
}

}  // namespace

base::Result<std::vector<Link>> listLinks() {
  auto fd = openSocket();
  if (!fd.ok()) return fd.takeError();
  Message msg(RTM_GETLINK, NLM_F_DUMP);
  msg.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  const std::string what = "listing network interfaces";
  MCF_TRY(sendMessage(fd->get(), msg, 1, what));
  std::vector<Link> links;
  int err = 0;
  MCF_TRY(receive(fd->get(), 1, what, &err, [&](nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) links.push_back(parseLink(h));
  }));
  if (err != 0) return kernelError(what, err);
  return links;
}

base::Result<std::vector<Address>> listAddresses() {
  auto fd = openSocket();
  if (!fd.ok()) return fd.takeError();
  Message msg(RTM_GETADDR, NLM_F_DUMP);
  msg.header<ifaddrmsg>()->ifa_family = AF_INET;
  const std::string what = "listing IPv4 addresses";
  MCF_TRY(sendMessage(fd->get(), msg, 1, what));
  std::vector<Address> addresses;
  int err = 0;
  MCF_TRY(receive(fd->get(), 1, what, &err, [&](nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    auto* ifa = static_cast<ifaddrmsg*>(NLMSG_DATA(h));
    if (ifa->ifa_family != AF_INET) return;
    Address address{static_cast<int>(ifa->ifa_index), "", ifa->ifa_prefixlen};
    int len = static_cast<int>(IFA_PAYLOAD(h));
    for (auto* rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      if (rta->rta_type != IFA_LOCAL && !(rta->rta_type == IFA_ADDRESS && address.ip.empty())) {
        continue;
      }
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, RTA_DATA(rta), text, sizeof(text));
      address.ip = text;
    }
    addresses.push_back(std::move(address));
  }));
  if (err != 0) return kernelError(what, err);
  return addresses;
}

base::Result<std::vector<Link>> listLinksWithPrefix(const std::string& prefix) {
  auto links = listLinks();
  if (!links.ok()) return links.takeError();
  std::vector<Link> matching;
  for (auto& link : *links) {
    if (link.name.starts_with(prefix)) matching.push_back(std::move(link));
  }
  return matching;
}

base::Result<std::optional<Link>> findLink(const std::string& name) {
  auto links = listLinks();
  if (!links.ok()) return links.takeError();
  for (auto& link : *links) {
    if (link.name == name) return std::optional<Link>(std::move(link));
  }
  return std::optional<Link>();
}

base::Status ensureBridge(const std::string& name) {
  MCF_TRY(checkName(name));
  Message msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  msg.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  msg.putString(IFLA_IFNAME, name);
  size_t info = msg.begin(IFLA_LINKINFO);
  msg.putString(IFLA_INFO_KIND, "bridge");
  msg.end(info);
  int err = 0;
  const std::string what = "creating bridge " + name;
  MCF_TRY(requestErrno(msg, what, &err));
  if (err == 0) return {};
  if (err != EEXIST) return kernelError(what, err);
  auto existing = findLink(name);
  if (!existing.ok()) return existing.takeError();
  if (*existing && (*existing)->kind == "bridge") return {};
  return makeError(Errc::kConflict,
                   "the host already has an interface called {} that is not a bridge; "
                   "configure another bridge name for microcf",
                   name);
}

base::Status createVethPair(const std::string& host_name, const std::string& peer_name,
                            NetnsRef netns, int master_index) {
  MCF_TRY(checkName(host_name));
  MCF_TRY(checkName(peer_name));
  Message msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifi = msg.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  msg.putString(IFLA_IFNAME, host_name);
  if (master_index > 0) msg.putU32(IFLA_MASTER, static_cast<uint32_t>(master_index));
  size_t info = msg.begin(IFLA_LINKINFO);
  msg.putString(IFLA_INFO_KIND, "veth");
  size_t data = msg.begin(IFLA_INFO_DATA);
  size_t peer = msg.begin(VETH_INFO_PEER);
  msg.nestedHeader<ifinfomsg>()->ifi_family = AF_UNSPEC;
  msg.putString(IFLA_IFNAME, peer_name);
  if (netns.fd >= 0) {
    msg.putU32(IFLA_NET_NS_FD, static_cast<uint32_t>(netns.fd));
  } else if (netns.pid > 0) {
    msg.putU32(IFLA_NET_NS_PID, static_cast<uint32_t>(netns.pid));
  }
  msg.end(peer);
  msg.end(data);
  msg.end(info);
  return request(msg, "creating veth pair " + host_name + " / " + peer_name);
}

base::Status deleteLink(const std::string& name) {
  MCF_TRY(checkName(name));
  Message msg(RTM_DELLINK, 0);
  msg.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  msg.putString(IFLA_IFNAME, name);
  int err = 0;
  const std::string what = "deleting interface " + name;
  MCF_TRY(requestErrno(msg, what, &err));
  if (err == 0 || err == ENODEV) return {};
  return kernelError(what, err);
}

base::Status setUp(int index) {
  Message msg(RTM_NEWLINK, 0);
  auto* ifi = msg.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return request(msg, "bringing interface " + std::to_string(index) + " up");
}

base::Status setAddress(int index, const std::array<uint8_t, 6>& mac) {
  Message msg(RTM_NEWLINK, 0);
  auto* ifi = msg.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  msg.put(IFLA_ADDRESS, mac.data(), mac.size());
  return request(msg, "setting the MAC address of interface " + std::to_string(index));
}

base::Status setPortIsolated(int index) {
  Message msg(RTM_SETLINK, 0);
  auto* ifi = msg.header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  size_t protinfo = msg.begin(IFLA_PROTINFO | NLA_F_NESTED);
  uint8_t on = 1;
  msg.put(IFLA_BRPORT_ISOLATED, &on, sizeof on);
  msg.end(protinfo);
  return request(msg, "isolating bridge port " + std::to_string(index));
}

base::Status addAddress(int index, const std::string& ip, int prefix) {
  auto addr = parseIp(ip);
  if (!addr.ok()) return addr.takeError();
  if (prefix < 0 || prefix > 32) return makeError(Errc::kInvalid, "bad prefix length {}", prefix);
  Message msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  auto* ifa = msg.header<ifaddrmsg>();
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<unsigned char>(prefix);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(index);
  msg.put(IFA_LOCAL, &*addr, sizeof(in_addr));
  msg.put(IFA_ADDRESS, &*addr, sizeof(in_addr));
  if (prefix < 31) {
    uint32_t host_mask = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
    in_addr broadcast{htonl(ntohl(addr->s_addr) | host_mask)};
    msg.put(IFA_BROADCAST, &broadcast, sizeof(broadcast));
  }
  return request(msg, "adding address " + ip + "/" + std::to_string(prefix));
}

base::Status addDefaultRoute(int index, const std::string& gateway) {
  auto gw = parseIp(gateway);
  if (!gw.ok()) return gw.takeError();
  Message msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  auto* rt = msg.header<rtmsg>();
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  msg.put(RTA_GATEWAY, &*gw, sizeof(in_addr));
  msg.putU32(RTA_OIF, static_cast<uint32_t>(index));
  return request(msg, "adding the default route via " + gateway);
}

}  // namespace mcf::runner::netlink
