// Session: choosing the org and space commands work in (`microcf target`, automatic target).
#include "cli/session.h"

#include <fmt/format.h>

#include "base/strutil.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

Named namedOf(const json& resource) {
  Named n;
  if (auto it = resource.find("guid"); it != resource.end() && it->is_string()) n.guid = *it;
  if (auto it = resource.find("name"); it != resource.end() && it->is_string()) n.name = *it;
  return n;
}

// The only entry, else the one called preferred; empty when neither exists.
Named pick(const std::vector<json>& resources, const std::string& preferred) {
  if (resources.size() == 1) return namedOf(resources[0]);
  for (const auto& r : resources)
    if (namedOf(r).name == preferred) return namedOf(r);
  return {};
}

constexpr const char* kNoTarget =
    "No org and space targeted, use 'microcf target -o ORG -s SPACE' to target an org and space";

}  // namespace

base::Status Session::ensureTarget() {
  MCF_TRY(ensureToken());
  if (!config_.org.guid.empty() && !config_.space.guid.empty()) return {};
  return autoTarget();
}

base::Status Session::autoTarget() {
  MCF_TRY(ensureToken());
  if (config_.org.guid.empty()) {
    auto orgs = listAll("/v3/organizations?order_by=name&per_page=5000");
    if (!orgs) return orgs.takeError();
    config_.org = pick(*orgs, "microcf");
    config_.space = {};
    if (config_.org.guid.empty()) return base::makeError(base::Errc::kNotFound, "{}", kNoTarget);
  }
  if (config_.space.guid.empty()) {
    auto spaces = listAll("/v3/spaces?order_by=name&per_page=5000&organization_guids=" +
                          config_.org.guid);
    if (!spaces) return spaces.takeError();
    config_.space = pick(*spaces, "dev");
    if (config_.space.guid.empty()) {
      MCF_TRY(saveConfig());
      return base::makeError(base::Errc::kNotFound, "{}", kNoTarget);
    }
  }
  return saveConfig();
}

base::Status Session::targetOrg(const std::string& name) {
  MCF_TRY(ensureToken());
  auto orgs = listAll("/v3/organizations?names=" + base::urlEncode(name));
  if (!orgs) return orgs.takeError();
  if (orgs->empty())
    return base::makeError(base::Errc::kNotFound,
                           "Organization '{}' not found. See the orgs with 'microcf curl "
                           "/v3/organizations'.", name);
  config_.org = namedOf((*orgs)[0]);
  config_.space = {};
  auto spaces = listAll("/v3/spaces?per_page=5000&organization_guids=" + config_.org.guid);
  if (spaces && spaces->size() == 1) config_.space = namedOf((*spaces)[0]);
  return saveConfig();
}

base::Status Session::targetSpace(const std::string& name) {
  MCF_TRY(ensureToken());
  if (config_.org.guid.empty()) {
    auto status = autoTarget();
    if (config_.org.guid.empty()) return status;
  }
  auto spaces = listAll("/v3/spaces?names=" + base::urlEncode(name) +
                        "&organization_guids=" + config_.org.guid);
  if (!spaces) return spaces.takeError();
  if (spaces->empty())
    return base::makeError(base::Errc::kNotFound,
                           "Space '{}' not found in org '{}'. Create it with 'microcf curl "
                           "/v3/spaces -X POST -d ...' or target another org with -o.",
                           name, config_.org.name);
  config_.space = namedOf((*spaces)[0]);
  return saveConfig();
}

}  // namespace mcf::cli
