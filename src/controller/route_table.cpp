// Every endpoint of the API in one table (STYLE.md: commands as a data table).
#include "controller/route_table.h"

#include <vector>

#include "base/strutil.h"

namespace mcf::controller {

namespace {

constexpr Access kPublic = Access::kPublic;
constexpr Access kToken = Access::kToken;

const Endpoint kEndpoints[] = {
    // Discovery, login and tokens (CF-CONTRACT §1.1).
    {"GET", "/", kPublic, getRoot, nullptr},
    {"GET", "/v3", kPublic, getV3, nullptr},
    {"GET", "/v3/info", kPublic, getInfo, nullptr},
    {"GET", "/login", kPublic, getLogin, nullptr},
    {"POST", "/oauth/token", kPublic, nullptr, postOauthToken},
    // Organizations, spaces, domains.
    {"GET", "/v3/organizations", kToken, listOrgs, nullptr},
    {"GET", "/v3/organizations/:guid", kToken, getOrg, nullptr},
    {"GET", "/v3/organizations/:guid/domains", kToken, listOrgDomains, nullptr},
    {"GET", "/v3/organizations/:guid/domains/default", kToken, getOrgDefaultDomain, nullptr},
    {"GET", "/v3/spaces", kToken, listSpaces, nullptr},
    {"GET", "/v3/spaces/:guid", kToken, getSpace, nullptr},
    {"POST", "/v3/spaces/:guid/manifest_diff", kToken, manifestDiff, nullptr},
    {"POST", "/v3/spaces/:guid/actions/apply_manifest", kToken, applyManifest, nullptr},
    {"GET", "/v3/domains", kToken, listDomains, nullptr},
    {"GET", "/v3/domains/:guid", kToken, getDomain, nullptr},
    {"GET", "/v3/stacks", kToken, listStacks, nullptr},
    {"GET", "/v3/stacks/:guid", kToken, getStack, nullptr},
    // Apps.
    {"GET", "/v3/apps", kToken, listApps, nullptr},
    {"POST", "/v3/apps", kToken, createApp, nullptr},
    {"GET", "/v3/apps/:guid", kToken, getApp, nullptr},
    {"PATCH", "/v3/apps/:guid", kToken, updateApp, nullptr},
    {"DELETE", "/v3/apps/:guid", kToken, deleteApp, nullptr},
    {"POST", "/v3/apps/:guid/actions/start", kToken, startApp, nullptr},
    {"POST", "/v3/apps/:guid/actions/stop", kToken, stopApp, nullptr},
    {"POST", "/v3/apps/:guid/actions/restart", kToken, restartApp, nullptr},
    {"POST", "/v3/apps/:guid/actions/clear_buildpack_cache", kToken, clearBuildpackCache, nullptr},
    {"GET", "/v3/apps/:guid/env", kToken, getAppEnv, nullptr},
    {"GET", "/v3/apps/:guid/environment_variables", kToken, getEnvVars, nullptr},
    {"PATCH", "/v3/apps/:guid/environment_variables", kToken, patchEnvVars, nullptr},
    {"GET", "/v3/apps/:guid/processes", kToken, listAppProcesses, nullptr},
    {"GET", "/v3/apps/:guid/processes/:type", kToken, getAppProcess, nullptr},
    {"GET", "/v3/apps/:guid/processes/:type/stats", kToken, appProcessStats, nullptr},
    {"POST", "/v3/apps/:guid/processes/:type/actions/scale", kToken, scaleAppProcess, nullptr},
    {"DELETE", "/v3/apps/:guid/processes/:type/instances/:index", kToken, restartAppInstance,
     nullptr},
    {"GET", "/v3/apps/:guid/packages", kToken, listAppPackages, nullptr},
    {"GET", "/v3/apps/:guid/builds", kToken, listAppBuilds, nullptr},
    {"GET", "/v3/apps/:guid/droplets", kToken, listAppDroplets, nullptr},
    {"GET", "/v3/apps/:guid/droplets/current", kToken, getCurrentDroplet, nullptr},
    {"GET", "/v3/apps/:guid/relationships/current_droplet", kToken, getCurrentDropletRelationship,
     nullptr},
    {"PATCH", "/v3/apps/:guid/relationships/current_droplet", kToken, setCurrentDroplet, nullptr},
    {"GET", "/v3/apps/:guid/routes", kToken, listAppRoutes, nullptr},
    {"GET", "/v3/apps/:guid/tasks", kToken, listAppTasks, nullptr},
    {"POST", "/v3/apps/:guid/tasks", kToken, createTask, nullptr},
    // Processes.
    {"GET", "/v3/processes", kToken, listProcesses, nullptr},
    {"GET", "/v3/processes/:guid", kToken, getProcess, nullptr},
    {"PATCH", "/v3/processes/:guid", kToken, updateProcess, nullptr},
    {"POST", "/v3/processes/:guid/actions/scale", kToken, scaleProcess, nullptr},
    {"GET", "/v3/processes/:guid/stats", kToken, processStats, nullptr},
    {"GET", "/v3/processes/:guid/sidecars", kToken, processSidecars, nullptr},
    // Packages, builds, droplets.
    {"GET", "/v3/packages", kToken, listPackages, nullptr},
    {"POST", "/v3/packages", kToken, createPackage, nullptr},
    {"GET", "/v3/packages/:guid", kToken, getPackage, nullptr},
    {"POST", "/v3/packages/:guid/upload", kToken, nullptr, uploadPackage},
    {"POST", "/v3/resource_matches", kToken, resourceMatches, nullptr},
    {"GET", "/v3/builds", kToken, listBuilds, nullptr},
    {"POST", "/v3/builds", kToken, createBuild, nullptr},
    {"GET", "/v3/builds/:guid", kToken, getBuild, nullptr},
    {"GET", "/v3/droplets", kToken, listDroplets, nullptr},
    {"GET", "/v3/droplets/:guid", kToken, getDroplet, nullptr},
    // Tasks (the cf CLI before v7 cancels with PUT /v3/tasks/:guid/cancel).
    {"GET", "/v3/tasks", kToken, listTasks, nullptr},
    {"GET", "/v3/tasks/:guid", kToken, getTask, nullptr},
    {"POST", "/v3/tasks/:guid/actions/cancel", kToken, cancelTask, nullptr},
    {"PUT", "/v3/tasks/:guid/cancel", kToken, cancelTask, nullptr},
    // Routes.
    {"GET", "/v3/routes", kToken, listRoutes, nullptr},
    {"POST", "/v3/routes", kToken, createRoute, nullptr},
    {"GET", "/v3/routes/:guid", kToken, getRoute, nullptr},
    {"DELETE", "/v3/routes/:guid", kToken, deleteRoute, nullptr},
    {"GET", "/v3/routes/:guid/destinations", kToken, listDestinations, nullptr},
    {"POST", "/v3/routes/:guid/destinations", kToken, addDestinations, nullptr},
    {"DELETE", "/v3/routes/:guid/destinations/:dguid", kToken, removeDestination, nullptr},
    // Audit events.
    {"GET", "/v3/audit_events", kToken, listAuditEvents, nullptr},
    {"GET", "/v3/audit_events/:guid", kToken, getAuditEvent, nullptr},
    // Jobs and deployments.
    {"GET", "/v3/jobs/:guid", kToken, getJob, nullptr},
    {"GET", "/v3/deployments", kToken, listDeployments, nullptr},
    {"POST", "/v3/deployments", kToken, createDeployment, nullptr},
    {"GET", "/v3/deployments/:guid", kToken, getDeployment, nullptr},
    {"POST", "/v3/deployments/:guid/actions/cancel", kToken, cancelDeployment, nullptr},
    // User-provided service instances and their app bindings (CF-CONTRACT §7).
    {"GET", "/v3/service_instances", kToken, listServiceInstances, nullptr},
    {"POST", "/v3/service_instances", kToken, createServiceInstance, nullptr},
    {"GET", "/v3/service_instances/:guid", kToken, getServiceInstance, nullptr},
    {"PATCH", "/v3/service_instances/:guid", kToken, updateServiceInstance, nullptr},
    {"DELETE", "/v3/service_instances/:guid", kToken, deleteServiceInstance, nullptr},
    {"GET", "/v3/service_instances/:guid/credentials", kToken, getServiceInstanceCredentials,
     nullptr},
    {"GET", "/v3/service_credential_bindings", kToken, listServiceBindings, nullptr},
    {"POST", "/v3/service_credential_bindings", kToken, createServiceBinding, nullptr},
    {"GET", "/v3/service_credential_bindings/:guid", kToken, getServiceBinding, nullptr},
    {"GET", "/v3/service_credential_bindings/:guid/details", kToken, getServiceBindingDetails,
     nullptr},
    {"DELETE", "/v3/service_credential_bindings/:guid", kToken, deleteServiceBinding, nullptr},
    // Prometheus metrics of the platform: public, as exporters on a local platform are.
    {"GET", "/metrics", kPublic, getMetrics, nullptr},
    // log-cache (CF-CONTRACT §6).
    {"GET", "/api/v1/info", kPublic, logCacheInfo, nullptr},
    {"GET", "/api/v1/read/:source_id", kToken, logCacheRead, nullptr},
};

bool match(std::string_view pattern, std::string_view path,
           std::map<std::string, std::string>& params) {
  std::vector<std::string> want = base::split(pattern, '/');
  std::vector<std::string> got = base::split(path, '/');
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i][0] == ':') {
      if (got[i].empty()) return false;
      found[want[i].substr(1)] = got[i];
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

const Endpoint* findEndpoint(std::string_view method, std::string_view path,
                             std::map<std::string, std::string>& params) {
  for (const Endpoint& e : kEndpoints) {
    if (method == e.method && match(e.pattern, path, params)) return &e;
  }
  return nullptr;
}

}  // namespace mcf::controller
