// Store: the platform's desired state in SQLite (the role of Cloud Foundry's CCDB).
//
// Owns: the schema, migrations by PRAGMA user_version, and every SQL statement.
// Does not own: validation or authorization (controller/), actual instances (scheduler/).
// Thread: the loop's. Each call is one short transaction (WAL, synchronous=NORMAL).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/deployment.h"
#include "model/model.h"
#include "model/quota.h"
#include "model/oauth_client.h"
#include "model/service.h"
#include "model/task.h"
#include "store/db.h"

namespace mcf::store {

using base::Result;
using base::Status;

// Filters of list calls; an empty vector means "any". Values within one filter are ORed.
struct AppFilter {
  std::vector<std::string> guids;
  std::vector<std::string> names;        // exact, case-sensitive as CC does
  std::vector<std::string> space_guids;
  std::optional<model::AppState> state;
};

// Filters of listEvents; values within one filter are ORed, empty = any.
struct EventFilter {
  std::vector<std::string> types;
  std::vector<std::string> target_guids;
  std::vector<std::string> space_guids;
};

// Filters of listDeployments; values within one filter are ORed, empty = any.
struct DeploymentFilter {
  std::vector<std::string> app_guids;
  std::vector<std::string> states;
  std::vector<std::string> status_values;
  std::vector<std::string> status_reasons;
};

// Filters of listRoles; values within one filter are ORed, empty = any.
struct RoleFilter {
  std::vector<std::string> guids;
  std::vector<std::string> types;  // "space_developer", ...
  std::vector<std::string> user_guids;
  std::vector<std::string> org_guids;
  std::vector<std::string> space_guids;
};

class Store {
 public:
  // Opens (creating if needed) the database at path and migrates it to the newest schema.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  virtual ~Store() = default;
  // Statement and commit counts and times since open (for /metrics).
  virtual DbStats dbStats() const = 0;

  // Orgs and spaces. Names are unique (orgs globally, spaces per org): kConflict otherwise.
  virtual Result<model::Org> createOrg(model::Org org) = 0;
  virtual Result<model::Org> getOrg(const std::string& guid) = 0;
  virtual Result<model::Org> findOrgByName(const std::string& name) = 0;
  virtual Result<std::vector<model::Org>> listOrgs() = 0;  // by name
  virtual Result<model::Space> createSpace(model::Space space) = 0;
  virtual Result<model::Space> getSpace(const std::string& guid) = 0;
  virtual Result<model::Space> findSpaceByName(const std::string& org_guid, const std::string& name) = 0;
  virtual Result<std::vector<model::Space>> listSpaces() = 0;  // by name
  // Renames; names clash as createOrg/createSpace report it (kConflict). Sets updated_at.
  virtual Status updateOrg(const model::Org& org) = 0;
  virtual Status updateSpace(const model::Space& space) = 0;
  // Deletes the space with everything in it, in one transaction: apps (and what belongs to
  // them), routes, service instances and their bindings, space roles. Callers stop the apps
  // first (the store only forgets).
  virtual Status deleteSpace(const std::string& guid) = 0;
  // Deletes the org, each of its spaces as deleteSpace does, its private domains (and the
  // routes on them) and its roles, in one transaction.
  virtual Status deleteOrg(const std::string& guid) = 0;

  // Users.
  virtual Result<model::User> createUser(model::User user) = 0;
  virtual Result<model::User> getUser(const std::string& guid) = 0;
  virtual Result<model::User> findUserByName(const std::string& username) = 0;
  virtual Status updateUser(const model::User& user) = 0;
  virtual Result<std::vector<model::User>> listUsers() = 0;  // by username
  virtual Status deleteUser(const std::string& guid) = 0;    // and the user's roles

  // Roles. (type, user, org, space) is unique (kConflict); the org (and space) must exist
  // (kInvalid). Listed by created_at.
  virtual Result<model::Role> createRole(model::Role role) = 0;
  virtual Result<model::Role> getRole(const std::string& guid) = 0;
  virtual Result<std::vector<model::Role>> listRoles(const RoleFilter& filter) = 0;
  virtual Status deleteRole(const std::string& guid) = 0;

  // Apps. Names unique per space, case-insensitively (kConflict).
  virtual Result<model::App> createApp(model::App app) = 0;
  virtual Result<model::App> getApp(const std::string& guid) = 0;
  virtual Result<std::vector<model::App>> listApps(const AppFilter& filter) = 0;  // by created_at
  virtual Status updateApp(const model::App& app) = 0;  // sets updated_at
  // Deletes the app and everything that belongs to it (processes, packages, builds,
  // droplets, route destinations).
  virtual Status deleteApp(const std::string& guid) = 0;

  // Processes (one per app and type).
  virtual Result<model::Process> createProcess(model::Process process) = 0;
  virtual Result<model::Process> getProcess(const std::string& guid) = 0;
  virtual Result<std::vector<model::Process>> listProcesses(const std::string& app_guid) = 0;  // "" = all
  virtual Status updateProcess(const model::Process& process) = 0;

  // Packages.
  virtual Result<model::Package> createPackage(model::Package package) = 0;
  virtual Result<model::Package> getPackage(const std::string& guid) = 0;
  virtual Result<std::vector<model::Package>> listPackages(const std::string& app_guid) = 0;
  virtual Status updatePackage(const model::Package& package) = 0;

  // Builds.
  virtual Result<model::Build> createBuild(model::Build build) = 0;
  virtual Result<model::Build> getBuild(const std::string& guid) = 0;
  virtual Result<std::vector<model::Build>> listBuilds(const std::string& app_guid) = 0;
  virtual Status updateBuild(const model::Build& build) = 0;

  // Droplets.
  virtual Result<model::Droplet> createDroplet(model::Droplet droplet) = 0;
  virtual Result<model::Droplet> getDroplet(const std::string& guid) = 0;
  virtual Result<std::vector<model::Droplet>> listDroplets(const std::string& app_guid) = 0;
  virtual Status updateDroplet(const model::Droplet& droplet) = 0;

  // Domains.
  virtual Result<model::Domain> createDomain(model::Domain domain) = 0;
  virtual Result<model::Domain> getDomain(const std::string& guid) = 0;
  virtual Result<model::Domain> findDomainByName(const std::string& name) = 0;
  virtual Result<std::vector<model::Domain>> listDomains() = 0;
  // The domain, its routes and their destinations.
  virtual Status deleteDomain(const std::string& guid) = 0;

  // Routes and their destinations. (host, domain, path) is unique (kConflict).
  virtual Result<model::Route> createRoute(model::Route route) = 0;
  virtual Result<model::Route> getRoute(const std::string& guid) = 0;
  virtual Result<model::Route> findRoute(const std::string& host, const std::string& domain_guid,
                                         const std::string& path) = 0;
  virtual Result<std::vector<model::Route>> listRoutes(const std::string& space_guid) = 0;  // "" = all
  virtual Status deleteRoute(const std::string& guid) = 0;  // and its destinations
  // Writes the route's options (loadbalancing); updated_at becomes now.
  virtual Status updateRoute(const model::Route& route) = 0;
  virtual Result<model::RouteDestination> addDestination(model::RouteDestination dest) = 0;
  virtual Status removeDestination(const std::string& guid) = 0;
  // Destinations of one route ("" = every route).
  virtual Result<std::vector<model::RouteDestination>> listDestinations(const std::string& route_guid) = 0;
  virtual Result<std::vector<model::RouteDestination>> listDestinationsForApp(const std::string& app_guid) = 0;

  // Tasks. createTask gives the task its app's next sequence id (1, 2, ...) and ignores the
  // one passed; kInvalid when the app does not exist.
  virtual Result<model::Task> createTask(model::Task task) = 0;
  virtual Result<model::Task> getTask(const std::string& guid) = 0;
  // One app's tasks ("" = every app's), by app and sequence id.
  virtual Result<std::vector<model::Task>> listTasks(const std::string& app_guid) = 0;
  virtual Result<std::vector<model::Task>> listTasksInState(model::TaskState state) = 0;
  // Writes name, command, state, limits and failure reason; sets updated_at.
  virtual Status updateTask(const model::Task& task) = 0;
  // Audit events (by created_at, then insertion order). They outlive their target.
  virtual Result<model::AuditEvent> createEvent(model::AuditEvent event) = 0;
  virtual Result<model::AuditEvent> getEvent(const std::string& guid) = 0;
  virtual Result<std::vector<model::AuditEvent>> listEvents(const EventFilter& filter) = 0;
  // Deployments (by created_at). Only status fields, the error and the health check time
  // change after creation.
  virtual Result<model::Deployment> createDeployment(model::Deployment deployment) = 0;
  virtual Result<model::Deployment> getDeployment(const std::string& guid) = 0;
  virtual Result<std::vector<model::Deployment>> listDeployments(const DeploymentFilter& filter) = 0;
  virtual Status updateDeployment(const model::Deployment& deployment) = 0;

  // Service instances. Names are unique per space (kConflict "The service instance name is
  // taken: NAME."). Deleting one that still has bindings fails with kConflict.
  virtual Result<model::ServiceInstance> createServiceInstance(model::ServiceInstance si) = 0;
  virtual Result<model::ServiceInstance> getServiceInstance(const std::string& guid) = 0;
  // One space's instances ("" = every space's), by name.
  virtual Result<std::vector<model::ServiceInstance>> listServiceInstances(const std::string& space_guid) = 0;
  // Writes name, credentials, URLs and tags; sets updated_at.
  virtual Status updateServiceInstance(const model::ServiceInstance& si) = 0;
  virtual Status deleteServiceInstance(const std::string& guid) = 0;
  // Credential bindings of apps. An app is bound to an instance once (kConflict "The app is
  // already bound to the service instance."); kInvalid when the app or instance is gone.
  virtual Result<model::ServiceBinding> createServiceBinding(model::ServiceBinding b) = 0;
  virtual Result<model::ServiceBinding> getServiceBinding(const std::string& guid) = 0;
  // Filtered by app and/or instance ("" = any), by created_at.
  virtual Result<std::vector<model::ServiceBinding>> listServiceBindings(
      const std::string& app_guid, const std::string& instance_guid) = 0;
  virtual Status deleteServiceBinding(const std::string& guid) = 0;
  // Writes credentials, drain, volume mounts and the last operation; sets updated_at.
  virtual Status updateServiceBinding(const model::ServiceBinding& b) = 0;
  // The service keys of an instance ("" = every instance), by created_at.
  virtual Result<std::vector<model::ServiceBinding>> listServiceKeys(
      const std::string& instance_guid) = 0;
  // Instances and bindings whose last operation is still "in progress" (polling resumes after
  // a restart).
  virtual Result<std::vector<model::ServiceInstance>> listServiceInstancesInProgress() = 0;
  virtual Result<std::vector<model::ServiceBinding>> listServiceBindingsInProgress() = 0;

  // Service brokers. Names are unique (kConflict "Name must be unique"). Deleting one deletes
  // its offerings and plans; the caller refuses first when instances use them.
  virtual Result<model::ServiceBroker> createServiceBroker(model::ServiceBroker broker) = 0;
  virtual Result<model::ServiceBroker> getServiceBroker(const std::string& guid) = 0;
  virtual Result<std::vector<model::ServiceBroker>> listServiceBrokers() = 0;
  virtual Status updateServiceBroker(const model::ServiceBroker& broker) = 0;
  virtual Status deleteServiceBroker(const std::string& guid) = 0;
  // Replaces a broker's catalog in one transaction: offerings and plans are matched by their
  // catalog ids and updated in place (guids, visibility and instances stay); those no longer
  // listed are deleted, or marked unavailable when instances still use their plans. New plans
  // get new_plan_visibility.
  virtual Status syncCatalog(const std::string& broker_guid,
                             const std::vector<model::CatalogService>& catalog,
                             const std::string& new_plan_visibility) = 0;
  // Offerings of a broker ("" = every broker's), by name.
  virtual Result<std::vector<model::ServiceOffering>> listServiceOfferings(
      const std::string& broker_guid) = 0;
  virtual Result<model::ServiceOffering> getServiceOffering(const std::string& guid) = 0;
  // Plans of an offering ("" = every offering's), by offering then name.
  virtual Result<std::vector<model::ServicePlan>> listServicePlans(
      const std::string& offering_guid) = 0;
  virtual Result<model::ServicePlan> getServicePlan(const std::string& guid) = 0;
  // Sets a plan's visibility type; with "organization", org_guids are added to its orgs
  // (replace = true drops the others first); other types drop every org.
  virtual Status setServicePlanVisibility(const std::string& plan_guid, const std::string& type,
                                          const std::vector<std::string>& org_guids,
                                          bool replace) = 0;
  virtual Status removeServicePlanOrg(const std::string& plan_guid, const std::string& org_guid) = 0;
  virtual Result<std::vector<std::string>> servicePlanOrgs(const std::string& plan_guid) = 0;

  // Admin buildpacks, by position (1..N without gaps). (name, stack) is unique (kConflict
  // "Buildpack with name 'x' and stack 'y' already exists"). Creating at position p (clamped to
  // 1..N+1; 0 = last) moves the ones at p and after down by one; updating to another position
  // (clamped to 1..N) moves the ones between; deleting closes the gap.
  virtual Result<model::Buildpack> createBuildpack(model::Buildpack bp) = 0;
  virtual Result<model::Buildpack> getBuildpack(const std::string& guid) = 0;
  virtual Result<std::vector<model::Buildpack>> listBuildpacks() = 0;
  // Writes every field (position as above); sets updated_at.
  virtual Status updateBuildpack(const model::Buildpack& bp) = 0;
  virtual Status deleteBuildpack(const std::string& guid) = 0;

  // Organization quotas (names unique: kConflict "Organization Quota 'x' already exists.") and
  // space quotas (names unique per org: kConflict "Space Quota 'x' already exists."). get and
  // list fill applied_to. Deleting one still applied to an org or space fails with kInvalid.
  virtual Result<model::Quota> createQuota(model::QuotaKind kind, model::Quota quota) = 0;
  virtual Result<model::Quota> getQuota(model::QuotaKind kind, const std::string& guid) = 0;
  virtual Result<std::vector<model::Quota>> listQuotas(model::QuotaKind kind) = 0;  // by name
  // Writes name and limits; sets updated_at.
  virtual Status updateQuota(model::QuotaKind kind, const model::Quota& quota) = 0;
  virtual Status deleteQuota(model::QuotaKind kind, const std::string& guid) = 0;
  // The quota applied to an org (organization quota) or space (space quota); nullopt = none.
  virtual Result<std::optional<std::string>> appliedQuota(model::QuotaKind kind,
                                                          const std::string& target_guid) = 0;
  // Applies the quota to the org or space (replacing its previous one); kNotFound when
  // either is gone.
  virtual Status applyQuota(model::QuotaKind kind, const std::string& quota_guid,
                            const std::string& target_guid) = 0;
  // Removes the space quota from the space (space quotas only; kNotFound if not applied).
  virtual Status removeQuota(model::QuotaKind kind, const std::string& quota_guid,
                             const std::string& target_guid) = 0;
  // OAuth clients of the token endpoint, by client_id (kConflict "Client already exists: x";
  // kNotFound "Client not found"). Listed by client_id.
  virtual Result<model::OauthClient> createClient(model::OauthClient client) = 0;
  virtual Result<model::OauthClient> getClient(const std::string& client_id) = 0;
  virtual Result<std::vector<model::OauthClient>> listClients() = 0;
  virtual Status deleteClient(const std::string& client_id) = 0;
  // Metadata (labels, annotations) by resource type ("app", "route", "space", ...) and guid.
  // A resource without any reads as empty. setMetadata replaces both maps (empty maps remove
  // the row). Rows go with their resource when it is deleted.
  virtual Result<model::Metadata> getMetadata(const std::string& resource_type,
                                              const std::string& guid) = 0;
  virtual Status setMetadata(const std::string& resource_type, const std::string& guid,
                             const model::Metadata& metadata) = 0;
  // Every stored metadata of one resource type, by guid (for lists and label selectors).
  virtual Result<std::map<std::string, model::Metadata>> listMetadata(
      const std::string& resource_type) = 0;

  // Small key/value settings of the platform (e.g. the token signing key's id).
  virtual Result<std::optional<std::string>> getSetting(const std::string& key) = 0;
  virtual Status setSetting(const std::string& key, const std::string& value) = 0;
};

// The app's routes as VCAP_APPLICATION lists them ("hello.localhost", "hello.localhost/api"),
// each route once however many destinations the app has on it.
std::vector<std::string> appRouteUrls(Store& store, const std::string& app_guid);

// The app's bindings with their instances, oldest first (for VCAP_SERVICES and drains).
std::vector<model::BoundService> appBoundServices(Store& store, const std::string& app_guid);
// VCAP_SERVICES of the app as a JSON string ("{}" without bindings).
std::string appVcapServices(Store& store, const std::string& app_guid);

}  // namespace mcf::store
