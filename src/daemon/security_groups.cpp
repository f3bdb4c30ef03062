// Security group files: Cloud Foundry's rule JSON into the runner's NetOut rules.
#include "daemon/security_groups.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::daemon {

using base::Errc;
using base::makeError;
using nlohmann::json;

namespace {

bool parsePort(const std::string& text, int& port) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  port = std::stoi(text);
  return port >= 1 && port <= 65535;
}

// "80,443,8000-9000" -> one rule per port or range.
bool parsePorts(const std::string& text, const runner::NetOutRule& base_rule,
                std::vector<runner::NetOutRule>& out) {
  for (std::string part : base::split(text, ',')) {
    part = base::trim(part);
    runner::NetOutRule rule = base_rule;
    auto dash = part.find('-');
    if (dash == std::string::npos) {
      if (!parsePort(part, rule.port_first)) return false;
      rule.port_last = rule.port_first;
    } else if (!parsePort(base::trim(part.substr(0, dash)), rule.port_first) ||
               !parsePort(base::trim(part.substr(dash + 1)), rule.port_last) ||
               rule.port_last < rule.port_first) {
      return false;
    }
    out.push_back(rule);
  }
  return true;
}

}  // namespace

base::Result<std::vector<runner::NetOutRule>> parseSecurityGroup(std::string_view text,
                                                                 const std::string& origin) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return makeError(Errc::kInvalid,
                     "{} is not a security group: it must be a JSON array of rules such as "
                     "[{{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"ports\":\"443\"}}]",
                     origin);
  }
  std::vector<runner::NetOutRule> rules;
  std::vector<std::string> problems;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& r = doc[i];
    auto say = [&](const std::string& what) {
      problems.push_back(fmt::format("rule {}: {}", i + 1, what));
    };
    if (!r.is_object()) {
      say("must be an object");
      continue;
    }
    std::string protocol = r.value("protocol", "");
    if (protocol != "tcp" && protocol != "udp" && protocol != "icmp" && protocol != "all") {
      say("protocol must be one of tcp, udp, icmp, all");
      continue;
    }
    if (!r.contains("destination") || !r["destination"].is_string() ||
        r["destination"].get<std::string>().empty()) {
      say("destination is required (an IP, a CIDR or a range A-B)");
      continue;
    }
    runner::NetOutRule rule;
    rule.protocol = protocol;
    bool ports_ok = true;
    // Cloud Foundry also accepts several destinations separated by commas.
    for (std::string dest : base::split(r["destination"].get<std::string>(), ',')) {
      rule.destination = base::trim(dest);
      if (protocol == "tcp" || protocol == "udp") {
        if (!r.contains("ports") || !r["ports"].is_string() ||
            !parsePorts(r["ports"].get<std::string>(), rule, rules)) {
          ports_ok = false;
          break;
        }
      } else {
        rules.push_back(rule);
      }
    }
    if (!ports_ok) say("ports must be ports or ranges such as \"80,443\" or \"8000-9000\"");
  }
  if (!problems.empty()) {
    return makeError(Errc::kInvalid, "{} has bad rules: {}", origin, base::join(problems, "; "));
  }
  return rules;
}

base::Result<std::vector<runner::NetOutRule>> loadSecurityGroups(
    const std::vector<std::string>& files) {
  std::vector<runner::NetOutRule> all;
  for (const auto& file : files) {
    auto text = base::readFile(file);
    if (!text.ok()) {
      return makeError(Errc::kInvalid, "cannot read security group file {}: {}", file,
                       text.error().message);
    }
    auto rules = parseSecurityGroup(*text, file);
    if (!rules.ok()) return rules.takeError();
    all.insert(all.end(), rules->begin(), rules->end());
  }
  return all;
}

std::vector<runner::NetOutRule> defaultStagingRules() {
  std::vector<runner::NetOutRule> rules;
  // public_networks: everything but 10/8, 172.16/12, 192.168/16 and 169.254/16.
  for (const char* range : {"0.0.0.0-9.255.255.255", "11.0.0.0-169.253.255.255",
                            "169.255.0.0-172.15.255.255", "172.32.0.0-192.167.255.255",
                            "192.169.0.0-255.255.255.255"}) {
    rules.push_back({"all", range, 0, 0});
  }
  // dns: name servers are often on private addresses.
  rules.push_back({"tcp", "0.0.0.0/0", 53, 53});
  rules.push_back({"udp", "0.0.0.0/0", 53, 53});
  return rules;
}

}  // namespace mcf::daemon
