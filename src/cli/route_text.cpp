// The route and domain commands' text.
#include "cli/route_text.h"

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

// Distinct values in first-seen order, joined with ", ".
std::string joinDistinct(const std::vector<std::string>& values) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& v : values) {
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == v;
    if (dup || v.empty()) continue;
    seen.push_back(v);
    out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

// "with host 'h', domain 'd', and path '/p'", leaving out what is not given.
std::string describe(const RouteSpec& s) {
  if (s.host.empty() && s.path.empty()) return fmt::format("with domain '{}'", s.domain);
  if (s.host.empty()) return fmt::format("with domain '{}' and path '{}'", s.domain, s.path);
  if (s.path.empty()) return fmt::format("with host '{}' and domain '{}'", s.host, s.domain);
  return fmt::format("with host '{}', domain '{}', and path '{}'", s.host, s.domain, s.path);
}

}  // namespace

std::string RouteSpec::url() const {
  return (host.empty() ? domain : host + "." + domain) + path;
}

RouteSpec makeRouteSpec(const std::string& domain, const std::string& host,
                        const std::string& path) {
  RouteSpec s{base::toLower(domain), base::toLower(host), path};
  if (!s.path.empty() && s.path[0] != '/') s.path = "/" + s.path;
  if (s.path == "/") s.path.clear();
  return s;
}

std::string routeNotFoundMessage(const RouteSpec& spec) {
  return fmt::format("Route {} not found.", describe(spec));
}

std::string routeExistsMessage(const RouteSpec& spec) {
  return fmt::format("Route {} already exists.", describe(spec));
}

std::string formatRoutesTable(const std::vector<RouteRow>& rows) {
  std::vector<std::vector<std::string>> t = {{"space", "host", "domain", "port", "path",
                                              "protocol", "app-protocol", "apps",
                                              "service instance"}};
  for (const auto& r : rows) {
    t.push_back({r.space, r.host, r.domain, "", r.path, r.protocol, joinDistinct(r.app_protocols),
                 joinDistinct(r.apps), ""});
  }
  return formatTable(t);
}

std::string formatDomainsTable(const std::vector<DomainRow>& rows) {
  std::vector<std::vector<std::string>> t = {{"name", "availability", "internal", "protocols"}};
  for (const auto& d : rows) {
    t.push_back({d.name, d.shared ? "shared" : "private", d.internal ? "true" : "",
                 joinDistinct(d.protocols)});
  }
  return formatTable(t);
}

std::string formatRouteOptions(const nlohmann::json& options) {
  std::string list;
  if (options.is_object()) {
    for (const auto& [key, value] : options.items())
      list += (list.empty() ? "" : ", ") + key + "=" +
              (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return formatKeyValues({{"options", list.empty() ? "none" : list}}) ;
}

}  // namespace mcf::cli
