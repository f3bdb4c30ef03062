// The containers' firewall: rendering nft batches (pure) and running nft.
#include "runner/firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>

#include <fmt/format.h>

#include "base/strutil.h"
#include "base/unique_fd.h"

extern char** environ;

namespace mcf::runner {

using base::Errc;
using base::makeError;

namespace {

bool safeName(const std::string& s, bool allow_dash_dot) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (allow_dash_dot && (c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

base::Status checkNames(const NetworkConfig& config) {
  MCF_TRY(validateNetworkConfig(config));
  const auto first = static_cast<unsigned char>(config.table.empty() ? ' ' : config.table[0]);
  if (!safeName(config.table, false) || !std::isalpha(first)) {
    return makeError(Errc::kInvalid, "nft table name '{}' must be a letter then letters, digits "
                     "or _", config.table);
  }
  if (!safeName(config.bridge, true) || !safeName(config.veth_prefix, true)) {
    return makeError(Errc::kInvalid, "bridge '{}' and veth prefix '{}' may hold only letters, "
                     "digits, _, - and .", config.bridge, config.veth_prefix);
  }
  return {};
}

// "10.0.0.0/8", "10.0.0.5", "10.0.0.1-10.0.0.9" or "" (anywhere) as an nft address expression.
base::Result<std::string> renderDestination(const std::string& destination) {
  if (destination.empty()) return std::string("0.0.0.0/0");
  auto bad = [&](const std::string& why) {
    return makeError(Errc::kInvalid, "NetOut destination '{}' {}; use an IP, a CIDR like "
                     "10.0.0.0/8 or a range like 10.0.0.1-10.0.0.9", destination, why);
  };
  if (auto dash = destination.find('-'); dash != std::string::npos) {
    auto first = parseIpv4(destination.substr(0, dash));
    auto last = parseIpv4(destination.substr(dash + 1));
    if (!first.ok() || !last.ok()) return bad("is not a range of IPv4 addresses");
    if (*first > *last) return bad("ends before it starts");
    return formatIpv4(*first) + "-" + formatIpv4(*last);
  }
  if (auto slash = destination.find('/'); slash != std::string::npos) {
    auto ip = parseIpv4(destination.substr(0, slash));
    std::string prefix_text = destination.substr(slash + 1);
    int prefix = -1;
    if (!prefix_text.empty() && prefix_text.size() <= 2 &&
        prefix_text.find_first_not_of("0123456789") == std::string::npos) {
      prefix = std::stoi(prefix_text);
    }
    if (!ip.ok() || prefix < 0 || prefix > 32) return bad("is not a CIDR");
    Subnet subnet{*ip, prefix};
    return fmt::format("{}/{}", formatIpv4(*ip & subnet.mask()), prefix);
  }
  auto ip = parseIpv4(destination);
  if (!ip.ok()) return bad("is not an IPv4 address");
  return formatIpv4(*ip);
}

std::string hexIp(uint32_t ip) { return fmt::format("{:08x}", ip); }

base::Result<uint32_t> containerIp(const NetworkConfig& config, const std::string& ip) {
  auto parsed = parseIpv4(ip);
  if (!parsed.ok()) return parsed.takeError();
  auto subnet = parseSubnet(config.subnet);
  if (!subnet.ok()) return subnet.takeError();
  if (!subnet->contains(*parsed)) {
    return makeError(Errc::kInvalid, "{} is not in the container subnet {}", ip, config.subnet);
  }
  return *parsed;
}

base::Status checkPort(int port, const char* what) {
  if (port < 1 || port > 65535) {
    return makeError(Errc::kInvalid, "{} {} is not a port (1 to 65535)", what, port);
  }
  return {};
}

// Reads fd to its end.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string nftPath() {
  for (const char* path : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "nft";
}

// Runs nft with args and text on stdin; returns its exit status and what it printed.
base::Result<std::pair<int, std::string>> runNft(const std::vector<std::string>& args,
                                                 const std::string& text) {
  // A socket rather than a pipe for stdin: send(MSG_NOSIGNAL) cannot raise SIGPIPE in a
  // process that did not ignore it when nft exits early.
  int in[2];
  int out[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    return makeError(Errc::kIo, "cannot run nft: socketpair: {}", strerror(errno));
  }
  base::UniqueFd in_parent(in[0]), in_child(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return makeError(Errc::kIo, "cannot run nft: pipe: {}", strerror(errno));
  }
  base::UniqueFd out_parent(out[0]), out_child(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_child.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_child.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, out_child.get(), 2);
  std::string path = nftPath();
  std::vector<char*> argv{path.data()};
  std::vector<std::string> copies = args;
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return makeError(Errc::kIo, "cannot run {}: {}; install nftables (apt-get install nftables)",
                     path, strerror(rc));
  }
  in_child.reset();
  out_child.reset();
  for (size_t sent = 0; sent < text.size();) {
    ssize_t n = ::send(in_parent.get(), text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // nft is gone; its exit status and output say why
    sent += static_cast<size_t>(n);
  }
  in_parent.reset();
  std::string output = drain(out_parent.get());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return std::make_pair(code, output);
}

}  // namespace

base::Result<std::string> renderNetOutRule(const NetOutRule& rule) {
  auto destination = renderDestination(rule.destination);
  if (!destination.ok()) return destination.takeError();
  std::string match = "ip daddr " + *destination;
  const std::string& protocol = rule.protocol;
  bool ported = protocol == "tcp" || protocol == "udp";
  if (!ported && protocol != "icmp" && protocol != "all") {
    return makeError(Errc::kInvalid, "NetOut protocol '{}' is not tcp, udp, icmp or all",
                     protocol);
  }
  if (!ported && (rule.port_first != 0 || rule.port_last != 0)) {
    return makeError(Errc::kInvalid, "NetOut ports apply to tcp and udp only, not {}", protocol);
  }
  if (protocol == "icmp") return match + " ip protocol icmp accept";
  if (protocol == "all") return match + " accept";
  if (rule.port_first == 0 && rule.port_last == 0) {
    return match + " meta l4proto " + protocol + " accept";
  }
  int last = rule.port_last == 0 ? rule.port_first : rule.port_last;
  MCF_TRY(checkPort(rule.port_first, "NetOut port"));
  MCF_TRY(checkPort(last, "NetOut port"));
  if (last < rule.port_first) {
    return makeError(Errc::kInvalid, "NetOut port range {}-{} ends before it starts",
                     rule.port_first, last);
  }
  std::string ports = last == rule.port_first ? std::to_string(last)
                                              : fmt::format("{}-{}", rule.port_first, last);
  return match + " " + protocol + " dport " + ports + " accept";
}

base::Result<std::string> renderBaseRuleset(const NetworkConfig& config) {
  MCF_TRY(checkNames(config));
  const std::string& t = config.table;
  const std::string& br = config.bridge;
  std::string veths = config.veth_prefix + "*";
  return fmt::format(
      R"(table inet {t}
delete table inet {t}
table inet {t} {{
  map outbound {{ type ipv4_addr : verdict; }}
  map netin {{ type inet_service : ipv4_addr . inet_service; }}
  chain input {{
    type filter hook input priority filter; policy accept;
    iifname "{br}" ct state established,related accept
    iifname "{br}" drop
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname "{br}" ct state established,related accept
    oifname "{br}" ct state established,related accept
    iifname "{br}" ip saddr vmap @outbound
    iifname "{br}" drop
    oifname "{br}" drop
  }}
  chain prerouting {{
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 127.0.0.1 dnat ip to tcp dport map @netin
  }}
  chain output {{
    type nat hook output priority -100; policy accept;
    ip daddr 127.0.0.1 dnat ip to tcp dport map @netin
  }}
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "{br}" ip saddr 127.0.0.0/8 masquerade
    ip saddr {subnet} oifname != "{br}" masquerade
  }}
}}
table bridge {t}
delete table bridge {t}
table bridge {t} {{
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname "{veths}" oifname "{veths}" drop
  }}
}}
)",
      fmt::arg("t", t), fmt::arg("br", br), fmt::arg("veths", veths),
      fmt::arg("subnet", config.subnet));
}

base::Result<std::string> renderContainerRules(const NetworkConfig& config, const std::string& ip,
                                               const std::vector<NetOutRule>& rules,
                                               const std::vector<PortMapping>& netins) {
  MCF_TRY(checkNames(config));
  auto parsed = containerIp(config, ip);
  if (!parsed.ok()) return parsed.takeError();
  std::string addr = formatIpv4(*parsed);
  std::string chain = "out_" + hexIp(*parsed);
  std::string prefix = " inet " + config.table + " ";
  std::string text = "add chain" + prefix + chain + "\nflush chain" + prefix + chain + "\n";
  for (const auto& rule : rules) {
    auto body = renderNetOutRule(rule);
    if (!body.ok()) return body.takeError();
    text += "add rule" + prefix + chain + " " + *body + "\n";
  }
  text += "add element" + prefix + "outbound { " + addr + " : jump " + chain + " }\n";
  for (const auto& netin : netins) {
    MCF_TRY(checkPort(netin.host_port, "NetIn host port"));
    MCF_TRY(checkPort(netin.container_port, "NetIn container port"));
    text += fmt::format("add element{}netin {{ {} : {} . {} }}\n", prefix, netin.host_port, addr,
                        netin.container_port);
  }
  return text;
}

base::Result<std::string> renderRemoveContainer(const NetworkConfig& config, const std::string& ip,
                                                const std::vector<PortMapping>& netins) {
  // Adding first makes the deletes succeed when the container's rules are already gone.
  auto add = renderContainerRules(config, ip, {}, netins);
  if (!add.ok()) return add.takeError();
  std::string addr = formatIpv4(*parseIpv4(ip));
  std::string chain = "out_" + hexIp(*parseIpv4(ip));
  std::string prefix = " inet " + config.table + " ";
  std::string text = *add + "delete element" + prefix + "outbound { " + addr + " }\n";
  for (const auto& netin : netins) {
    text += fmt::format("delete element{}netin {{ {} }}\n", prefix, netin.host_port);
  }
  text += "delete chain" + prefix + chain + "\n";
  return text;
}

base::Status applyRuleset(const std::string& text) {
  auto ran = runNft({"-f", "-"}, text);
  if (!ran.ok()) return ran.takeError();
  if (ran->first != 0) {
    return makeError(Errc::kIo, "nft refused microcf's firewall rules (exit {}): {}", ran->first,
                     base::trim(ran->second));
  }
  return {};
}

bool firewallTableExists(const NetworkConfig& config) {
  if (!checkNames(config).ok()) return false;
  auto ran = runNft({"list", "table", "inet", config.table}, "");
  return ran.ok() && ran->first == 0;
}

base::Status setupFirewall(const NetworkConfig& config) {
  auto text = renderBaseRuleset(config);
  if (!text.ok()) return text.takeError();
  return applyRuleset(*text);
}

base::Status addContainerRules(const NetworkConfig& config, const std::string& ip,
                               const std::vector<NetOutRule>& rules,
                               const std::vector<PortMapping>& netins) {
  auto text = renderContainerRules(config, ip, rules, netins);
  if (!text.ok()) return text.takeError();
  return applyRuleset(*text);
}

base::Status removeContainerRules(const NetworkConfig& config, const std::string& ip,
                                  const std::vector<PortMapping>& netins) {
  auto text = renderRemoveContainer(config, ip, netins);
  if (!text.ok()) return text.takeError();
  auto applied = applyRuleset(*text);
  if (!applied.ok() && !firewallTableExists(config)) return {};
  return applied;
}

base::Status cleanupFirewall(const NetworkConfig& config) {
  MCF_TRY(checkNames(config));
  const std::string& t = config.table;
  return applyRuleset(fmt::format("table inet {t}\ndelete table inet {t}\n"
                                  "table bridge {t}\ndelete table bridge {t}\n",
                                  fmt::arg("t", t)));
}

}  // namespace mcf::runner
