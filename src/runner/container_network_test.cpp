// Tests of container networking with real namespaces, veths, a bridge and nftables (root only;
// skipped otherwise). Each run uses its own bridge, veth prefix, subnet and nft tables, so it
// never touches a running microcf's, and removes them even when a check fails.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strutil.h"
#include "base/unique_fd.h"
#include "runner/firewall.h"
#include "runner/netlink.h"
#include "runner/network.h"

using namespace mcf::runner;
using mcf::base::UniqueFd;

namespace {

bool privileged() {
  if (::geteuid() == 0) return true;
  MESSAGE("skipped: container network tests need root (namespaces, veths, nftables)");
  return false;
}

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Connects to ip:port and reads what the server says first: "ok <greeting>" or "fail <why>".
std::string tryConnect(const std::string& ip, int port, int timeout_ms = 500) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    return std::string("fail ") + strerror(errno);
  }
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return "fail timeout";
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return std::string("fail ") + strerror(err);
  p = {fd.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return "fail no greeting";
  char buf[128] = {};
  ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return "fail closed";
  return "ok " + mcf::base::trim(std::string(buf, static_cast<size_t>(n)));
}

UniqueFd listenOn(const std::string& ip, int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd.get(), 16) != 0) {
    return UniqueFd();
  }
  return fd;
}

// The body of a child in its own network namespace: answers commands, one line each.
//   configure <ip> <prefix> <gateway>   -> configureInside
//   listen <port> <greeting>            -> a server that greets every client and hangs up;
//                                          the greeting "peer" is the client's address
//   connect <ip> <port>                 -> tryConnect's answer
[[noreturn]] void childMain(int cmd_fd, int reply_fd) {
  auto reply = [&](const std::string& line) {
    std::string text = line + "\n";
    (void)!::write(reply_fd, text.data(), text.size());
  };
  if (::unshare(CLONE_NEWNET) != 0) {
    reply(std::string("error unshare: ") + strerror(errno));
    ::_exit(1);
  }
  reply("ready");
  std::vector<std::pair<UniqueFd, std::string>> servers;
  std::string pending;
  for (;;) {
    std::vector<pollfd> fds{{cmd_fd, POLLIN, 0}};
    for (auto& server : servers) fds.push_back({server.first.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) ::_exit(1);
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      sockaddr_in peer{};
      socklen_t peer_len = sizeof(peer);
      UniqueFd client(
          ::accept4(fds[i].fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
      char peer_ip[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &peer.sin_addr, peer_ip, sizeof(peer_ip));
      std::string greeting =
          (servers[i - 1].second == "peer" ? std::string(peer_ip) : servers[i - 1].second) + "\n";
      if (client.valid()) (void)!::write(client.get(), greeting.data(), greeting.size());
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
    char buf[256];
    ssize_t n = ::read(cmd_fd, buf, sizeof(buf));
    if (n <= 0) ::_exit(0);
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      std::istringstream words(pending.substr(0, nl));
      std::string verb;
      words >> verb;
      if (verb == "configure") {
        std::string ip, gateway;
        int prefix = 0;
        words >> ip >> prefix >> gateway;
        auto done = configureInside(ip, prefix, gateway);
        reply(done.ok() ? "ok" : "error " + done.error().message);
      } else if (verb == "listen") {
        int port = 0;
        std::string greeting;
        words >> port >> greeting;
        UniqueFd fd = listenOn("0.0.0.0", port);
        bool ok = fd.valid();
        if (ok) servers.emplace_back(std::move(fd), greeting);
        reply(ok ? "ok" : std::string("error listen: ") + strerror(errno));
      } else if (verb == "connect") {
        std::string ip;
        int port = 0;
        words >> ip >> port;
        reply(tryConnect(ip, port));
      } else {
        reply("error unknown command " + verb);
      }
    }
  }
}

// A process in a new network namespace, killed and reaped when this goes away.
class NetnsChild {
 public:
  NetnsChild() {
    int cmd[2], rep[2];
    REQUIRE(::pipe2(cmd, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(rep, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(cmd[1]);
      ::close(rep[0]);
      childMain(cmd[0], rep[1]);
    }
    ::close(cmd[0]);
    ::close(rep[1]);
    cmd_.reset(cmd[1]);
    reply_.reset(rep[0]);
    REQUIRE(readLine() == "ready");
  }
  ~NetnsChild() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  NetnsChild(const NetnsChild&) = delete;
  NetnsChild& operator=(const NetnsChild&) = delete;

  pid_t pid() const { return pid_; }
  std::string call(const std::string& line) {
    std::string text = line + "\n";
    if (::write(cmd_.get(), text.data(), text.size()) < 0) return "error write";
    return readLine();
  }

 private:
  std::string readLine() {
    std::string line;
    char c;
    pollfd p{reply_.get(), POLLIN, 0};
    while (::poll(&p, 1, 5000) == 1 && ::read(reply_.get(), &c, 1) == 1 && c != '\n') line += c;
    return line;
  }

  pid_t pid_ = -1;
  UniqueFd cmd_;
  UniqueFd reply_;
};

// Removes what the test made, in reverse, even when a check fails; restores ip_forward.
struct NetworkGuard {
  NetworkConfig config;
  std::string outside_veth;
  std::string old_ip_forward;

  explicit NetworkGuard(NetworkConfig c) : config(std::move(c)) {
    auto forward = mcf::base::readFile("/proc/sys/net/ipv4/ip_forward");
    old_ip_forward = forward.ok() ? mcf::base::trim(*forward) : "";
  }
  ~NetworkGuard() {
    (void)cleanupFirewall(config);
    (void)cleanupNetwork(config, true);
    if (!outside_veth.empty()) (void)netlink::deleteLink(outside_veth);
    if (old_ip_forward == "0") {  // /proc takes a plain write, not a rename
      UniqueFd fd(::open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC));
      (void)!::write(fd.get(), "0", 1);
    }
  }
};

}  // namespace

TEST_CASE("containers on the bridge: host reaches them; they reach nothing but NetOut; NetIn") {
  if (!privileged()) return;
  const int pid = ::getpid();
  const int n = pid % 250 + 1;
  NetworkConfig config{.bridge = fmt::format("mcft{}", pid),
                       .subnet = fmt::format("10.253.{}.0/24", n),
                       .veth_prefix = fmt::format("mt{:x}", pid & 0xfffff),
                       .table = fmt::format("mcft{}", pid)};
  NetworkGuard guard(config);
  auto subnet = parseSubnet(config.subnet);
  REQUIRE(subnet.ok());
  IpAllocator ips(*subnet);

  auto start = std::chrono::steady_clock::now();
  auto bridge = setupBridge(config);
  REQUIRE_MESSAGE(bridge.ok(), bridge.error().message);
  double bridge_ms = msSince(start);
  // A MAC of its own, not its lowest port's: stopping a container must not change the
  // gateway's MAC under the containers still serving.
  auto mac = mcf::base::readFile("/sys/class/net/" + config.bridge + "/address");
  REQUIRE(mac.ok());
  CHECK(mac->rfind("02:6d:63:", 0) == 0);
  start = std::chrono::steady_clock::now();
  auto firewall = setupFirewall(config);
  REQUIRE_MESSAGE(firewall.ok(), firewall.error().message);
  double firewall_ms = msSince(start);

  // Two containers, each with a server on 8080.
  NetnsChild a, b;
  std::map<std::string, std::string> ip_of;
  using Named = std::pair<NetnsChild*, std::string>;
  for (auto& [child, name] : std::vector<Named>{{&a, "a"}, {&b, "b"}}) {
    std::string ip = *ips.allocate();
    ip_of[name] = ip;
    start = std::chrono::steady_clock::now();
    auto veth = attachContainer(config, {.pid = child->pid()}, ip);
    REQUIRE_MESSAGE(veth.ok(), veth.error().message);
    CHECK(*veth == *vethName(config.veth_prefix, ip));
    REQUIRE(child->call(fmt::format("configure {} {} {}", ip, ips.prefix(), ips.gateway())) ==
            "ok");
    double attach_ms = msSince(start);
    start = std::chrono::steady_clock::now();
    auto rules = addContainerRules(config, ip, {}, {});
    REQUIRE_MESSAGE(rules.ok(), rules.error().message);
    MESSAGE(fmt::format("container {}: attach+configure {:.2f} ms, nft apply {:.2f} ms", name,
                        attach_ms, msSince(start)));
    REQUIRE(child->call(fmt::format("listen 8080 container-{}", name)) == "ok");
  }
  MESSAGE(fmt::format("bridge setup {:.2f} ms, base firewall {:.2f} ms", bridge_ms, firewall_ms));

  // A server outside: a third namespace with its own veth to the host, reached by routing.
  NetnsChild outside;
  guard.outside_veth = fmt::format("mo{:x}", pid & 0xfffff);
  std::string outside_host_ip = fmt::format("10.252.{}.1", n);
  std::string outside_ip = fmt::format("10.252.{}.2", n);
  REQUIRE(netlink::createVethPair(guard.outside_veth, "eth0", {.pid = outside.pid()}, 0).ok());
  auto outside_link = netlink::findLink(guard.outside_veth);
  REQUIRE((outside_link.ok() && *outside_link));
  REQUIRE(netlink::addAddress((*outside_link)->index, outside_host_ip, 30).ok());
  REQUIRE(outside.call(fmt::format("configure {} 30 {}", outside_ip, outside_host_ip)) == "ok");
  REQUIRE(outside.call("listen 9000 outside") == "ok");
  REQUIRE(outside.call("listen 9001 outside-other-port") == "ok");
  REQUIRE(outside.call("listen 9002 peer") == "ok");
  CHECK(tryConnect(outside_ip, 9000) == "ok outside");  // the host reaches it

  SUBCASE("the host connects to each container's server on its IP") {
    CHECK(tryConnect(ip_of["a"], 8080) == "ok container-a");
    CHECK(tryConnect(ip_of["b"], 8080) == "ok container-b");
  }

  SUBCASE("a container cannot connect to another container or to the host") {
    CHECK(a.call(fmt::format("connect {} 8080", ip_of["b"])).starts_with("fail"));
    CHECK(b.call(fmt::format("connect {} 8080", ip_of["a"])).starts_with("fail"));
    // Not even where the bridge could switch frames directly: the ports are isolated.
    for (const char* name : {"a", "b"}) {
      auto isolated = mcf::base::readFile("/sys/class/net/" + *vethName(config.veth_prefix, ip_of[name]) +
                               "/brport/isolated");
      CHECK((isolated.ok() && *isolated == "1\n"));
    }
    UniqueFd host_server = listenOn("0.0.0.0", 9100 + n);
    REQUIRE(host_server.valid());
    CHECK(tryConnect(ips.gateway(), 9100 + n) == "fail no greeting");  // listening, no greeter
    CHECK(a.call(fmt::format("connect {} {}", ips.gateway(), 9100 + n)) == "fail timeout");
  }

  SUBCASE("a container reaches the outside only where a NetOut rule allows") {
    CHECK(a.call(fmt::format("connect {} 9000", outside_ip)) == "fail timeout");
    auto allowed = addContainerRules(config, ip_of["a"], {{"tcp", outside_ip, 9000, 0}}, {});
    REQUIRE_MESSAGE(allowed.ok(), allowed.error().message);
    CHECK(a.call(fmt::format("connect {} 9000", outside_ip)) == "ok outside");
    CHECK(a.call(fmt::format("connect {} 9002", outside_ip)) == "fail timeout");
    // The whole list replaces the previous one; what leaves the host is masqueraded.
    allowed = addContainerRules(config, ip_of["a"],
                                {{"tcp", outside_ip, 9000, 0}, {"tcp", outside_ip + "/30", 9002}},
                                {});
    REQUIRE_MESSAGE(allowed.ok(), allowed.error().message);
    CHECK(a.call(fmt::format("connect {} 9002", outside_ip)) == "ok " + outside_host_ip);
    CHECK(a.call(fmt::format("connect {} 9001", outside_ip)) == "fail timeout");
    CHECK(b.call(fmt::format("connect {} 9000", outside_ip)) == "fail timeout");
    // The rule goes with the container.
    REQUIRE(removeContainerRules(config, ip_of["a"], {}).ok());
    CHECK(a.call(fmt::format("connect {} 9000", outside_ip)) == "fail timeout");
    CHECK(removeContainerRules(config, ip_of["a"], {}).ok());  // a second removal is fine
  }

  SUBCASE("a container reaches another only where its own NetOut rules allow, unmasqueraded") {
    REQUIRE(b.call("listen 9003 peer") == "ok");
    auto allowed = addContainerRules(config, ip_of["a"], {{"tcp", ip_of["b"], 9003, 0}}, {});
    REQUIRE_MESSAGE(allowed.ok(), allowed.error().message);
    // b sees a's own address: the host routes between containers, it does not masquerade.
    CHECK(a.call(fmt::format("connect {} 9003", ip_of["b"])) == "ok " + ip_of["a"]);
    CHECK(a.call(fmt::format("connect {} 8080", ip_of["b"])) == "fail timeout");  // other port
    CHECK(b.call(fmt::format("connect {} 8080", ip_of["a"])) == "fail timeout");  // one way
    REQUIRE(removeContainerRules(config, ip_of["a"], {}).ok());
    CHECK(a.call(fmt::format("connect {} 9003", ip_of["b"])) == "fail timeout");
  }

  SUBCASE("a NetIn port on the host's loopback reaches the container's server") {
    int host_port = 40000 + pid % 20000;
    CHECK(tryConnect("127.0.0.1", host_port).starts_with("fail"));
    auto netin = addContainerRules(config, ip_of["a"], {}, {{host_port, 8080}});
    REQUIRE_MESSAGE(netin.ok(), netin.error().message);
    CHECK(tryConnect("127.0.0.1", host_port) == "ok container-a");
    REQUIRE(removeContainerRules(config, ip_of["a"], {{host_port, 8080}}).ok());
    CHECK(tryConnect("127.0.0.1", host_port).starts_with("fail"));
  }

  SUBCASE("cleanup leaves no veth, bridge or nft table behind") {
    REQUIRE(detachContainer(*vethName(config.veth_prefix, ip_of["a"])).ok());
    CHECK(tryConnect(ip_of["a"], 8080).starts_with("fail"));
    REQUIRE(cleanupFirewall(config).ok());
    REQUIRE(cleanupNetwork(config, true).ok());
    CHECK(netlink::listLinksWithPrefix(config.veth_prefix)->empty());
    CHECK_FALSE(netlink::findLink(config.bridge)->has_value());
    CHECK_FALSE(firewallTableExists(config));
    CHECK(cleanupFirewall(config).ok());  // twice is fine
    CHECK(cleanupNetwork(config, true).ok());
  }
}

TEST_CASE("setupBridge refuses a subnet the host already uses and a non-bridge name") {
  if (!privileged()) return;
  NetworkConfig config{.bridge = "lo", .subnet = "10.253.0.0/24", .veth_prefix = "mtx"};
  auto not_bridge = setupBridge(config);
  REQUIRE_FALSE(not_bridge.ok());
  CHECK(not_bridge.error().message.find("not a bridge") != std::string::npos);
  config = NetworkConfig{.bridge = fmt::format("mcft{}", ::getpid()), .subnet = "127.0.0.0/8",
                         .veth_prefix = "mtx"};
  auto overlap = setupBridge(config);
  REQUIRE_FALSE(overlap.ok());
  CHECK(overlap.error().message.find("overlaps 127.0.0.1/8 on the host's interface lo") !=
        std::string::npos);
  CHECK_FALSE(netlink::findLink(config.bridge)->has_value());
}
