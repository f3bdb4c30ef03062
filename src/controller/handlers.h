// Every endpoint's handler, grouped by the file (resource family) that implements it. The route
// table (route_table.cpp) is the one place that says which method and path reach which.
#pragma once

#include <functional>

#include "controller/api.h"

namespace mcf::controller {

using SyncHandler = Reply (*)(Api& api, const Call& call);
// For endpoints whose work leaves the loop: done runs exactly once, maybe later.
using Done = std::function<void(Reply)>;
using AsyncHandler = void (*)(Api& api, Call&& call, Done done);
// For endpoints that answer with a body in pieces (Server-Sent Events): an error answers the
// request as usual; success means the handler answered through responder (usually stream()).
using StreamHandler = base::Status (*)(Api& api, Call&& call, http::Responder responder);

// root.cpp and oauth.cpp: discovery and login, no token needed.
Reply getRoot(Api& api, const Call& call);
Reply getV3(Api& api, const Call& call);
Reply getInfo(Api& api, const Call& call);
Reply getLogin(Api& api, const Call& call);
Reply getMetrics(Api& api, const Call& call);  // root.cpp
void postOauthToken(Api& api, Call&& call, Done done);  // password checks leave the loop
// OAuth clients (UAA's /oauth/clients), for admins.
Reply postOauthClient(Api& api, const Call& call);
Reply listOauthClients(Api& api, const Call& call);
Reply deleteOauthClient(Api& api, const Call& call);

// spaces_orgs.cpp
Reply listOrgs(Api& api, const Call& call);
Reply getOrg(Api& api, const Call& call);
Reply getOrgDefaultDomain(Api& api, const Call& call);
Reply listOrgDomains(Api& api, const Call& call);
Reply listSpaces(Api& api, const Call& call);
Reply getSpace(Api& api, const Call& call);
Reply listDomains(Api& api, const Call& call);
Reply getDomain(Api& api, const Call& call);
Reply createDomain(Api& api, const Call& call);
Reply deleteDomain(Api& api, const Call& call);

// stacks.cpp
Reply listStacks(Api& api, const Call& call);
Reply getStack(Api& api, const Call& call);

// buildpacks.cpp
Reply listBuildpacks(Api& api, const Call& call);
Reply getBuildpack(Api& api, const Call& call);
Reply createBuildpack(Api& api, const Call& call);
Reply updateBuildpack(Api& api, const Call& call);
Reply deleteBuildpack(Api& api, const Call& call);
void uploadBuildpack(Api& api, Call&& call, Done done);

// apps.cpp
Reply createApp(Api& api, const Call& call);
Reply listApps(Api& api, const Call& call);
Reply getApp(Api& api, const Call& call);
Reply updateApp(Api& api, const Call& call);
Reply deleteApp(Api& api, const Call& call);
Reply startApp(Api& api, const Call& call);
Reply stopApp(Api& api, const Call& call);
Reply restartApp(Api& api, const Call& call);
Reply clearBuildpackCache(Api& api, const Call& call);

// app_env.cpp
Reply getAppEnv(Api& api, const Call& call);
Reply getEnvVars(Api& api, const Call& call);
Reply patchEnvVars(Api& api, const Call& call);

// processes.cpp
Reply listProcesses(Api& api, const Call& call);
Reply getProcess(Api& api, const Call& call);
Reply updateProcess(Api& api, const Call& call);
Reply scaleProcess(Api& api, const Call& call);
Reply processStats(Api& api, const Call& call);
Reply processSidecars(Api& api, const Call& call);
Reply listAppProcesses(Api& api, const Call& call);
Reply getAppProcess(Api& api, const Call& call);
Reply scaleAppProcess(Api& api, const Call& call);
Reply appProcessStats(Api& api, const Call& call);
Reply restartAppInstance(Api& api, const Call& call);

// audit_events.cpp
Reply listAuditEvents(Api& api, const Call& call);
Reply getAuditEvent(Api& api, const Call& call);

// packages.cpp and package_upload.cpp
Reply createPackage(Api& api, const Call& call);
Reply getPackage(Api& api, const Call& call);
Reply listPackages(Api& api, const Call& call);
Reply listAppPackages(Api& api, const Call& call);
void resourceMatches(Api& api, Call&& call, Done done);  // stat calls leave the loop
void uploadPackage(Api& api, Call&& call, Done done);

// builds.cpp
Reply createBuild(Api& api, const Call& call);
Reply getBuild(Api& api, const Call& call);
Reply listBuilds(Api& api, const Call& call);
Reply listAppBuilds(Api& api, const Call& call);

// droplets.cpp
Reply getDroplet(Api& api, const Call& call);
Reply listDroplets(Api& api, const Call& call);
Reply listAppDroplets(Api& api, const Call& call);
Reply getCurrentDroplet(Api& api, const Call& call);
Reply getCurrentDropletRelationship(Api& api, const Call& call);
Reply setCurrentDroplet(Api& api, const Call& call);

// routes.cpp
Reply listRoutes(Api& api, const Call& call);
Reply createRoute(Api& api, const Call& call);
Reply getRoute(Api& api, const Call& call);
Reply deleteRoute(Api& api, const Call& call);
Reply updateRoute(Api& api, const Call& call);
Reply replaceDestinations(Api& api, const Call& call);
Reply listDestinations(Api& api, const Call& call);
Reply addDestinations(Api& api, const Call& call);
Reply removeDestination(Api& api, const Call& call);
Reply listAppRoutes(Api& api, const Call& call);

// tasks.cpp
Reply createTask(Api& api, const Call& call);
Reply getTask(Api& api, const Call& call);
Reply listTasks(Api& api, const Call& call);
Reply listAppTasks(Api& api, const Call& call);
Reply cancelTask(Api& api, const Call& call);

// manifests.cpp
Reply manifestDiff(Api& api, const Call& call);
Reply applyManifest(Api& api, const Call& call);

// jobs.cpp
Reply getJob(Api& api, const Call& call);

// deployments.cpp
Reply createDeployment(Api& api, const Call& call);
Reply getDeployment(Api& api, const Call& call);
Reply listDeployments(Api& api, const Call& call);
Reply cancelDeployment(Api& api, const Call& call);

// services.cpp: user-provided service instances and app bindings
Reply createServiceInstance(Api& api, const Call& call);
Reply listServiceInstances(Api& api, const Call& call);
Reply getServiceInstance(Api& api, const Call& call);
Reply getServiceInstanceCredentials(Api& api, const Call& call);
Reply updateServiceInstance(Api& api, const Call& call);
Reply deleteServiceInstance(Api& api, const Call& call);
Reply createServiceBinding(Api& api, const Call& call);
Reply listServiceBindings(Api& api, const Call& call);
Reply getServiceBinding(Api& api, const Call& call);
Reply getServiceBindingDetails(Api& api, const Call& call);
Reply deleteServiceBinding(Api& api, const Call& call);
void getServiceInstanceParameters(Api& api, Call&& call, Done done);

// service_brokers.cpp
Reply listServiceBrokers(Api& api, const Call& call);
Reply getServiceBroker(Api& api, const Call& call);
Reply createServiceBroker(Api& api, const Call& call);
Reply updateServiceBroker(Api& api, const Call& call);
Reply deleteServiceBroker(Api& api, const Call& call);
Reply listServiceOfferings(Api& api, const Call& call);
Reply getServiceOffering(Api& api, const Call& call);
Reply listServicePlans(Api& api, const Call& call);
Reply getServicePlan(Api& api, const Call& call);
Reply deleteServicePlan(Api& api, const Call& call);
Reply getServicePlanVisibility(Api& api, const Call& call);
Reply patchServicePlanVisibility(Api& api, const Call& call);
Reply postServicePlanVisibility(Api& api, const Call& call);
Reply deleteServicePlanVisibilityOrg(Api& api, const Call& call);
void registerBuiltin(Api& api, const std::string& name, const std::string& url,
                     std::function<void(base::Status)> done);

// org_space_writes.cpp
Reply createOrg(Api& api, const Call& call);
Reply updateOrg(Api& api, const Call& call);
Reply deleteOrg(Api& api, const Call& call);
Reply createSpace(Api& api, const Call& call);
Reply updateSpace(Api& api, const Call& call);
Reply deleteSpace(Api& api, const Call& call);

// roles.cpp
Reply listRoles(Api& api, const Call& call);
Reply getRole(Api& api, const Call& call);
Reply createRole(Api& api, const Call& call);
Reply deleteRole(Api& api, const Call& call);

// users.cpp
Reply listUsers(Api& api, const Call& call);
Reply getUser(Api& api, const Call& call);
Reply createUser(Api& api, const Call& call);
Reply deleteUser(Api& api, const Call& call);

// uaa_users.cpp: the UAA's SCIM users (password hashing leaves the loop)
void createUaaUser(Api& api, Call&& call, Done done);
Reply listUaaUsers(Api& api, const Call& call);
Reply deleteUaaUser(Api& api, const Call& call);

// log_cache.cpp
Reply logCacheInfo(Api& api, const Call& call);
Reply logCacheRead(Api& api, const Call& call);
base::Status logCacheStream(Api& api, Call&& call, http::Responder responder);

// metadata_endpoints.cpp: PATCH {"metadata"} of resources that change nothing else.
Reply patchPackageMetadata(Api& api, const Call& call);
Reply patchBuildMetadata(Api& api, const Call& call);
Reply patchDropletMetadata(Api& api, const Call& call);
Reply patchTaskMetadata(Api& api, const Call& call);
Reply patchDeploymentMetadata(Api& api, const Call& call);
Reply patchServiceBindingMetadata(Api& api, const Call& call);
Reply patchDomainMetadata(Api& api, const Call& call);
Reply patchStackMetadata(Api& api, const Call& call);

}  // namespace mcf::controller
