// Every endpoint of the API in one table (STYLE.md: commands as a data table).
#include "controller/route_table.h"

#include <vector>

#include "base/strutil.h"
#include "controller/quotas.h"

namespace mcf::controller {

namespace {

constexpr Access kPublic = Access::kPublic;
constexpr Access kToken = Access::kToken;

const Endpoint kEndpoints[] = {
    // Discovery, login and tokens (CF-CONTRACT §1.1).
    {"GET", "/", kPublic, getRoot, nullptr, nullptr},
    {"GET", "/v3", kPublic, getV3, nullptr, nullptr},
    {"GET", "/v3/info", kPublic, getInfo, nullptr, nullptr},
    {"GET", "/login", kPublic, getLogin, nullptr, nullptr},
    {"POST", "/oauth/token", kPublic, nullptr, postOauthToken, nullptr},
    // Organizations, spaces, domains.
    {"GET", "/v3/organizations", kToken, listOrgs, nullptr, nullptr},
    {"GET", "/v3/organizations/:guid", kToken, getOrg, nullptr, nullptr},
    {"GET", "/v3/organizations/:guid/domains", kToken, listOrgDomains, nullptr, nullptr},
    {"GET", "/v3/organizations/:guid/domains/default", kToken, getOrgDefaultDomain, nullptr, nullptr},
    {"GET", "/v3/spaces", kToken, listSpaces, nullptr, nullptr},
    {"GET", "/v3/spaces/:guid", kToken, getSpace, nullptr, nullptr},
    {"POST", "/v3/spaces/:guid/manifest_diff", kToken, manifestDiff, nullptr, nullptr},
    {"POST", "/v3/spaces/:guid/actions/apply_manifest", kToken, applyManifest, nullptr, nullptr},
    {"GET", "/v3/domains", kToken, listDomains, nullptr, nullptr},
    {"GET", "/v3/domains/:guid", kToken, getDomain, nullptr, nullptr},
    {"POST", "/v3/domains", kToken, createDomain, nullptr, nullptr},
    {"DELETE", "/v3/domains/:guid", kToken, deleteDomain, nullptr, nullptr},
    {"GET", "/v3/stacks", kToken, listStacks, nullptr, nullptr},
    {"GET", "/v3/stacks/:guid", kToken, getStack, nullptr, nullptr},
    // Admin buildpacks.
    {"GET", "/v3/buildpacks", kToken, listBuildpacks, nullptr, nullptr},
    {"POST", "/v3/buildpacks", kToken, createBuildpack, nullptr, nullptr},
    {"GET", "/v3/buildpacks/:guid", kToken, getBuildpack, nullptr, nullptr},
    {"PATCH", "/v3/buildpacks/:guid", kToken, updateBuildpack, nullptr, nullptr},
    {"DELETE", "/v3/buildpacks/:guid", kToken, deleteBuildpack, nullptr, nullptr},
    {"POST", "/v3/buildpacks/:guid/upload", kToken, nullptr, uploadBuildpack, nullptr},
    // Apps.
    {"GET", "/v3/apps", kToken, listApps, nullptr, nullptr},
    {"POST", "/v3/apps", kToken, createApp, nullptr, nullptr},
    {"GET", "/v3/apps/:guid", kToken, getApp, nullptr, nullptr},
    {"PATCH", "/v3/apps/:guid", kToken, updateApp, nullptr, nullptr},
    {"DELETE", "/v3/apps/:guid", kToken, deleteApp, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/actions/start", kToken, startApp, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/actions/stop", kToken, stopApp, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/actions/restart", kToken, restartApp, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/actions/clear_buildpack_cache", kToken, clearBuildpackCache, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/env", kToken, getAppEnv, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/environment_variables", kToken, getEnvVars, nullptr, nullptr},
    {"PATCH", "/v3/apps/:guid/environment_variables", kToken, patchEnvVars, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/processes", kToken, listAppProcesses, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/processes/:type", kToken, getAppProcess, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/processes/:type/stats", kToken, appProcessStats, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/processes/:type/actions/scale", kToken, scaleAppProcess, nullptr, nullptr},
    {"DELETE", "/v3/apps/:guid/processes/:type/instances/:index", kToken, restartAppInstance,
     nullptr, nullptr},
    {"GET", "/v3/apps/:guid/packages", kToken, listAppPackages, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/builds", kToken, listAppBuilds, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/droplets", kToken, listAppDroplets, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/droplets/current", kToken, getCurrentDroplet, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/relationships/current_droplet", kToken, getCurrentDropletRelationship,
     nullptr, nullptr},
    {"PATCH", "/v3/apps/:guid/relationships/current_droplet", kToken, setCurrentDroplet, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/routes", kToken, listAppRoutes, nullptr, nullptr},
    {"GET", "/v3/apps/:guid/tasks", kToken, listAppTasks, nullptr, nullptr},
    {"POST", "/v3/apps/:guid/tasks", kToken, createTask, nullptr, nullptr},
    // Processes.
    {"GET", "/v3/processes", kToken, listProcesses, nullptr, nullptr},
    {"GET", "/v3/processes/:guid", kToken, getProcess, nullptr, nullptr},
    {"PATCH", "/v3/processes/:guid", kToken, updateProcess, nullptr, nullptr},
    {"POST", "/v3/processes/:guid/actions/scale", kToken, scaleProcess, nullptr, nullptr},
    {"GET", "/v3/processes/:guid/stats", kToken, processStats, nullptr, nullptr},
    {"GET", "/v3/processes/:guid/sidecars", kToken, processSidecars, nullptr, nullptr},
    // Packages, builds, droplets.
    {"GET", "/v3/packages", kToken, listPackages, nullptr, nullptr},
    {"POST", "/v3/packages", kToken, createPackage, nullptr, nullptr},
    {"GET", "/v3/packages/:guid", kToken, getPackage, nullptr, nullptr},
    {"POST", "/v3/packages/:guid/upload", kToken, nullptr, uploadPackage, nullptr},
    {"POST", "/v3/resource_matches", kToken, nullptr, resourceMatches, nullptr},
    {"GET", "/v3/builds", kToken, listBuilds, nullptr, nullptr},
    {"POST", "/v3/builds", kToken, createBuild, nullptr, nullptr},
    {"GET", "/v3/builds/:guid", kToken, getBuild, nullptr, nullptr},
    {"GET", "/v3/droplets", kToken, listDroplets, nullptr, nullptr},
    {"GET", "/v3/droplets/:guid", kToken, getDroplet, nullptr, nullptr},
    // Tasks (the cf CLI before v7 cancels with PUT /v3/tasks/:guid/cancel).
    {"GET", "/v3/tasks", kToken, listTasks, nullptr, nullptr},
    {"GET", "/v3/tasks/:guid", kToken, getTask, nullptr, nullptr},
    {"POST", "/v3/tasks/:guid/actions/cancel", kToken, cancelTask, nullptr, nullptr},
    {"PUT", "/v3/tasks/:guid/cancel", kToken, cancelTask, nullptr, nullptr},
    // Routes.
    {"GET", "/v3/routes", kToken, listRoutes, nullptr, nullptr},
    {"POST", "/v3/routes", kToken, createRoute, nullptr, nullptr},
    {"GET", "/v3/routes/:guid", kToken, getRoute, nullptr, nullptr},
    {"DELETE", "/v3/routes/:guid", kToken, deleteRoute, nullptr, nullptr},
    {"PATCH", "/v3/routes/:guid", kToken, updateRoute, nullptr, nullptr},
    {"GET", "/v3/routes/:guid/destinations", kToken, listDestinations, nullptr, nullptr},
    {"POST", "/v3/routes/:guid/destinations", kToken, addDestinations, nullptr, nullptr},
    {"PATCH", "/v3/routes/:guid/destinations", kToken, replaceDestinations, nullptr, nullptr},
    {"DELETE", "/v3/routes/:guid/destinations/:dguid", kToken, removeDestination, nullptr, nullptr},
    // Audit events.
    {"GET", "/v3/audit_events", kToken, listAuditEvents, nullptr, nullptr},
    {"GET", "/v3/audit_events/:guid", kToken, getAuditEvent, nullptr, nullptr},
    // Jobs and deployments.
    {"GET", "/v3/jobs/:guid", kToken, getJob, nullptr, nullptr},
    {"GET", "/v3/deployments", kToken, listDeployments, nullptr, nullptr},
    {"POST", "/v3/deployments", kToken, createDeployment, nullptr, nullptr},
    {"GET", "/v3/deployments/:guid", kToken, getDeployment, nullptr, nullptr},
    {"POST", "/v3/deployments/:guid/actions/cancel", kToken, cancelDeployment, nullptr, nullptr},
    // User-provided service instances and their app bindings (CF-CONTRACT §7).
    {"GET", "/v3/service_instances", kToken, listServiceInstances, nullptr, nullptr},
    {"POST", "/v3/service_instances", kToken, createServiceInstance, nullptr, nullptr},
    {"GET", "/v3/service_instances/:guid", kToken, getServiceInstance, nullptr, nullptr},
    {"PATCH", "/v3/service_instances/:guid", kToken, updateServiceInstance, nullptr, nullptr},
    {"DELETE", "/v3/service_instances/:guid", kToken, deleteServiceInstance, nullptr, nullptr},
    {"GET", "/v3/service_instances/:guid/credentials", kToken, getServiceInstanceCredentials,
     nullptr, nullptr},
    {"GET", "/v3/service_instances/:guid/parameters", kToken, nullptr, getServiceInstanceParameters,
     nullptr},
    {"GET", "/v3/service_brokers", kToken, listServiceBrokers, nullptr, nullptr},
    {"POST", "/v3/service_brokers", kToken, createServiceBroker, nullptr, nullptr},
    {"GET", "/v3/service_brokers/:guid", kToken, getServiceBroker, nullptr, nullptr},
    {"PATCH", "/v3/service_brokers/:guid", kToken, updateServiceBroker, nullptr, nullptr},
    {"DELETE", "/v3/service_brokers/:guid", kToken, deleteServiceBroker, nullptr, nullptr},
    {"GET", "/v3/service_offerings", kToken, listServiceOfferings, nullptr, nullptr},
    {"GET", "/v3/service_offerings/:guid", kToken, getServiceOffering, nullptr, nullptr},
    {"GET", "/v3/service_plans", kToken, listServicePlans, nullptr, nullptr},
    {"GET", "/v3/service_plans/:guid", kToken, getServicePlan, nullptr, nullptr},
    {"DELETE", "/v3/service_plans/:guid", kToken, deleteServicePlan, nullptr, nullptr},
    {"GET", "/v3/service_plans/:guid/visibility", kToken, getServicePlanVisibility, nullptr, nullptr},
    {"PATCH", "/v3/service_plans/:guid/visibility", kToken, patchServicePlanVisibility, nullptr,
     nullptr},
    {"POST", "/v3/service_plans/:guid/visibility", kToken, postServicePlanVisibility, nullptr,
     nullptr},
    {"DELETE", "/v3/service_plans/:guid/visibility/:org_guid", kToken,
     deleteServicePlanVisibilityOrg, nullptr, nullptr},
    {"GET", "/v3/service_credential_bindings", kToken, listServiceBindings, nullptr, nullptr},
    {"POST", "/v3/service_credential_bindings", kToken, createServiceBinding, nullptr, nullptr},
    {"GET", "/v3/service_credential_bindings/:guid", kToken, getServiceBinding, nullptr, nullptr},
    {"GET", "/v3/service_credential_bindings/:guid/details", kToken, getServiceBindingDetails,
     nullptr, nullptr},
    {"DELETE", "/v3/service_credential_bindings/:guid", kToken, deleteServiceBinding, nullptr, nullptr},
    // Metadata (labels, annotations) of resources that change nothing else.
    {"PATCH", "/v3/packages/:guid", kToken, patchPackageMetadata, nullptr, nullptr},
    {"PATCH", "/v3/builds/:guid", kToken, patchBuildMetadata, nullptr, nullptr},
    {"PATCH", "/v3/droplets/:guid", kToken, patchDropletMetadata, nullptr, nullptr},
    {"PATCH", "/v3/tasks/:guid", kToken, patchTaskMetadata, nullptr, nullptr},
    {"PATCH", "/v3/deployments/:guid", kToken, patchDeploymentMetadata, nullptr, nullptr},
    {"PATCH", "/v3/service_credential_bindings/:guid", kToken, patchServiceBindingMetadata,
     nullptr, nullptr},
    {"PATCH", "/v3/domains/:guid", kToken, patchDomainMetadata, nullptr, nullptr},
    {"PATCH", "/v3/stacks/:guid", kToken, patchStackMetadata, nullptr, nullptr},
    // Users, roles, and writes of orgs and spaces (CF-CONTRACT §8); the UAA's SCIM users.
    {"POST", "/v3/organizations", kToken, createOrg, nullptr, nullptr},
    {"PATCH", "/v3/organizations/:guid", kToken, updateOrg, nullptr, nullptr},
    {"DELETE", "/v3/organizations/:guid", kToken, deleteOrg, nullptr, nullptr},
    {"POST", "/v3/spaces", kToken, createSpace, nullptr, nullptr},
    {"PATCH", "/v3/spaces/:guid", kToken, updateSpace, nullptr, nullptr},
    {"DELETE", "/v3/spaces/:guid", kToken, deleteSpace, nullptr, nullptr},
    {"GET", "/v3/roles", kToken, listRoles, nullptr, nullptr},
    {"POST", "/v3/roles", kToken, createRole, nullptr, nullptr},
    {"GET", "/v3/roles/:guid", kToken, getRole, nullptr, nullptr},
    {"DELETE", "/v3/roles/:guid", kToken, deleteRole, nullptr, nullptr},
    {"GET", "/v3/users", kToken, listUsers, nullptr, nullptr},
    {"POST", "/v3/users", kToken, createUser, nullptr, nullptr},
    {"GET", "/v3/users/:guid", kToken, getUser, nullptr, nullptr},
    {"DELETE", "/v3/users/:guid", kToken, deleteUser, nullptr, nullptr},
    {"POST", "/Users", kToken, nullptr, createUaaUser, nullptr},
    {"GET", "/Users", kToken, listUaaUsers, nullptr, nullptr},
    {"DELETE", "/Users/:id", kToken, deleteUaaUser, nullptr, nullptr},
    // Prometheus metrics of the platform: public, as exporters on a local platform are.
    {"GET", "/metrics", kPublic, getMetrics, nullptr, nullptr},
    // log-cache (CF-CONTRACT §6).
    {"GET", "/api/v1/info", kPublic, logCacheInfo, nullptr, nullptr},
    {"GET", "/api/v1/read/:source_id", kToken, logCacheRead, nullptr, nullptr},
    {"GET", "/api/v1/stream/:source_id", kToken, nullptr, nullptr, logCacheStream},
    // Organization and space quotas.
    {"GET", "/v3/organization_quotas", kToken, listOrgQuotas, nullptr, nullptr},
    {"POST", "/v3/organization_quotas", kToken, createOrgQuota, nullptr, nullptr},
    {"GET", "/v3/organization_quotas/:guid", kToken, getOrgQuota, nullptr, nullptr},
    {"PATCH", "/v3/organization_quotas/:guid", kToken, updateOrgQuota, nullptr, nullptr},
    {"DELETE", "/v3/organization_quotas/:guid", kToken, deleteOrgQuota, nullptr, nullptr},
    {"POST", "/v3/organization_quotas/:guid/relationships/organizations", kToken, applyOrgQuota, nullptr, nullptr},
    {"GET", "/v3/space_quotas", kToken, listSpaceQuotas, nullptr, nullptr},
    {"POST", "/v3/space_quotas", kToken, createSpaceQuota, nullptr, nullptr},
    {"GET", "/v3/space_quotas/:guid", kToken, getSpaceQuota, nullptr, nullptr},
    {"PATCH", "/v3/space_quotas/:guid", kToken, updateSpaceQuota, nullptr, nullptr},
    {"DELETE", "/v3/space_quotas/:guid", kToken, deleteSpaceQuota, nullptr, nullptr},
    {"POST", "/v3/space_quotas/:guid/relationships/spaces", kToken, applySpaceQuota, nullptr, nullptr},
    {"DELETE", "/v3/space_quotas/:guid/relationships/spaces/:space_guid", kToken, removeSpaceQuota, nullptr, nullptr},
    // OAuth clients (UAA's client administration, for admins).
    {"POST", "/oauth/clients", kToken, postOauthClient, nullptr, nullptr},
    {"GET", "/oauth/clients", kToken, listOauthClients, nullptr, nullptr},
    {"DELETE", "/oauth/clients/:id", kToken, deleteOauthClient, nullptr, nullptr},
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
