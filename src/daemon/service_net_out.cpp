#include "daemon/service_net_out.h"

#include <set>
#include <utility>

#include "runner/network.h"

namespace mcf::daemon {

namespace {

int portOf(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<int>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
      return 0;
    return std::stoi(s);
  }
  return 0;
}

}  // namespace

std::vector<runner::NetOutRule> boundServiceRules(const nlohmann::json& vcap_services,
                                                  const std::string& subnet) {
  std::vector<runner::NetOutRule> rules;
  auto net = runner::parseSubnet(subnet);
  if (!net.ok() || !vcap_services.is_object()) return rules;
  std::set<std::pair<std::string, int>> seen;
  for (const auto& [label, entries] : vcap_services.items()) {
    if (!entries.is_array()) continue;
    for (const auto& entry : entries) {
      if (!entry.is_object()) continue;
      const auto creds = entry.value("credentials", nlohmann::json::object());
      if (!creds.is_object()) continue;
      std::string host;
      for (const char* key : {"hostname", "host"}) {
        auto it = creds.find(key);
        if (it != creds.end() && it->is_string()) {
          host = it->get<std::string>();
          break;
        }
      }
      int port = creds.contains("port") ? portOf(creds["port"]) : 0;
      auto ip = runner::parseIpv4(host);
      if (!ip.ok() || !net->contains(*ip) || port <= 0 || port > 65535) continue;
      if (!seen.insert({host, port}).second) continue;
      runner::NetOutRule rule;
      rule.protocol = "tcp";
      rule.destination = host;
      rule.port_first = port;
      rule.port_last = port;
      rules.push_back(rule);
    }
  }
  return rules;
}

}  // namespace mcf::daemon
