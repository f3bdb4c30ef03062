// SqliteStore: Store on one SQLite file; the only implementation of store/store.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/db.h"
#include "store/store.h"

namespace mcf::store {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  DbStats dbStats() const override { return db_->stats(); }

  Result<model::Org> createOrg(model::Org org) override;
  Result<model::Org> getOrg(const std::string& guid) override;
  Result<model::Org> findOrgByName(const std::string& name) override;
  Result<std::vector<model::Org>> listOrgs() override;
  Result<model::Space> createSpace(model::Space space) override;
  Result<model::Space> getSpace(const std::string& guid) override;
  Result<model::Space> findSpaceByName(const std::string& org_guid, const std::string& name) override;
  Result<std::vector<model::Space>> listSpaces() override;
  Status updateOrg(const model::Org& org) override;
  Status updateSpace(const model::Space& space) override;
  Status deleteSpace(const std::string& guid) override;
  Status deleteOrg(const std::string& guid) override;

  Result<model::User> createUser(model::User user) override;
  Result<model::User> getUser(const std::string& guid) override;
  Result<model::User> findUserByName(const std::string& username) override;
  Status updateUser(const model::User& user) override;
  Result<std::vector<model::User>> listUsers() override;
  Status deleteUser(const std::string& guid) override;

  Result<model::Role> createRole(model::Role role) override;
  Result<model::Role> getRole(const std::string& guid) override;
  Result<std::vector<model::Role>> listRoles(const RoleFilter& filter) override;
  Status deleteRole(const std::string& guid) override;
  Result<model::OauthClient> createClient(model::OauthClient client) override;
  Result<model::OauthClient> getClient(const std::string& client_id) override;
  Result<std::vector<model::OauthClient>> listClients() override;
  Status deleteClient(const std::string& client_id) override;

  Result<model::App> createApp(model::App app) override;
  Result<model::App> getApp(const std::string& guid) override;
  Result<std::vector<model::App>> listApps(const AppFilter& filter) override;
  Status updateApp(const model::App& app) override;
  Status deleteApp(const std::string& guid) override;

  Result<model::Process> createProcess(model::Process process) override;
  Result<model::Process> getProcess(const std::string& guid) override;
  Result<std::vector<model::Process>> listProcesses(const std::string& app_guid) override;
  Status updateProcess(const model::Process& process) override;

  Result<model::Package> createPackage(model::Package package) override;
  Result<model::Package> getPackage(const std::string& guid) override;
  Result<std::vector<model::Package>> listPackages(const std::string& app_guid) override;
  Status updatePackage(const model::Package& package) override;

  Result<model::Build> createBuild(model::Build build) override;
  Result<model::Build> getBuild(const std::string& guid) override;
  Result<std::vector<model::Build>> listBuilds(const std::string& app_guid) override;
  Status updateBuild(const model::Build& build) override;

  Result<model::Droplet> createDroplet(model::Droplet droplet) override;
  Result<model::Droplet> getDroplet(const std::string& guid) override;
  Result<std::vector<model::Droplet>> listDroplets(const std::string& app_guid) override;
  Status updateDroplet(const model::Droplet& droplet) override;

  Result<model::Domain> createDomain(model::Domain domain) override;
  Result<model::Domain> getDomain(const std::string& guid) override;
  Result<model::Domain> findDomainByName(const std::string& name) override;
  Result<std::vector<model::Domain>> listDomains() override;
  Status deleteDomain(const std::string& guid) override;

  Result<model::Route> createRoute(model::Route route) override;
  Result<model::Route> getRoute(const std::string& guid) override;
  Result<model::Route> findRoute(const std::string& host, const std::string& domain_guid,
                                 const std::string& path) override;
  Result<std::vector<model::Route>> listRoutes(const std::string& space_guid) override;
  Status deleteRoute(const std::string& guid) override;
  Status updateRoute(const model::Route& route) override;
  Result<model::RouteDestination> addDestination(model::RouteDestination dest) override;
  Status removeDestination(const std::string& guid) override;
  Result<std::vector<model::RouteDestination>> listDestinations(const std::string& route_guid) override;
  Result<std::vector<model::RouteDestination>> listDestinationsForApp(const std::string& app_guid) override;

  Result<model::Task> createTask(model::Task task) override;
  Result<model::Task> getTask(const std::string& guid) override;
  Result<std::vector<model::Task>> listTasks(const std::string& app_guid) override;
  Result<std::vector<model::Task>> listTasksInState(model::TaskState state) override;
  Status updateTask(const model::Task& task) override;
  Result<model::AuditEvent> createEvent(model::AuditEvent event) override;
  Result<model::AuditEvent> getEvent(const std::string& guid) override;
  Result<std::vector<model::AuditEvent>> listEvents(const EventFilter& filter) override;
  Result<model::Deployment> createDeployment(model::Deployment deployment) override;
  Result<model::Deployment> getDeployment(const std::string& guid) override;
  Result<std::vector<model::Deployment>> listDeployments(const DeploymentFilter& filter) override;
  Status updateDeployment(const model::Deployment& deployment) override;

  Result<model::ServiceInstance> createServiceInstance(model::ServiceInstance si) override;
  Result<model::ServiceInstance> getServiceInstance(const std::string& guid) override;
  Result<std::vector<model::ServiceInstance>> listServiceInstances(const std::string& space_guid) override;
  Status updateServiceInstance(const model::ServiceInstance& si) override;
  Status deleteServiceInstance(const std::string& guid) override;
  Result<model::ServiceBinding> createServiceBinding(model::ServiceBinding b) override;
  Result<model::ServiceBinding> getServiceBinding(const std::string& guid) override;
  Result<std::vector<model::ServiceBinding>> listServiceBindings(
      const std::string& app_guid, const std::string& instance_guid) override;
  Status deleteServiceBinding(const std::string& guid) override;
  Status updateServiceBinding(const model::ServiceBinding& b) override;
  Result<std::vector<model::ServiceBinding>> listServiceKeys(const std::string& instance_guid) override;
  Result<std::vector<model::ServiceInstance>> listServiceInstancesInProgress() override;
  Result<std::vector<model::ServiceBinding>> listServiceBindingsInProgress() override;
  Result<model::ServiceBroker> createServiceBroker(model::ServiceBroker broker) override;
  Result<model::ServiceBroker> getServiceBroker(const std::string& guid) override;
  Result<std::vector<model::ServiceBroker>> listServiceBrokers() override;
  Status updateServiceBroker(const model::ServiceBroker& broker) override;
  Status deleteServiceBroker(const std::string& guid) override;
  Status syncCatalog(const std::string& broker_guid, const std::vector<model::CatalogService>& catalog,
                     const std::string& new_plan_visibility) override;
  Result<std::vector<model::ServiceOffering>> listServiceOfferings(const std::string& broker_guid) override;
  Result<model::ServiceOffering> getServiceOffering(const std::string& guid) override;
  Result<std::vector<model::ServicePlan>> listServicePlans(const std::string& offering_guid) override;
  Result<model::ServicePlan> getServicePlan(const std::string& guid) override;
  Status setServicePlanVisibility(const std::string& plan_guid, const std::string& type,
                                  const std::vector<std::string>& org_guids, bool replace) override;
  Status removeServicePlanOrg(const std::string& plan_guid, const std::string& org_guid) override;
  Result<std::vector<std::string>> servicePlanOrgs(const std::string& plan_guid) override;

  Result<model::Buildpack> createBuildpack(model::Buildpack bp) override;
  Result<model::Buildpack> getBuildpack(const std::string& guid) override;
  Result<std::vector<model::Buildpack>> listBuildpacks() override;
  Status updateBuildpack(const model::Buildpack& bp) override;
  Status deleteBuildpack(const std::string& guid) override;

  Result<model::Quota> createQuota(model::QuotaKind kind, model::Quota quota) override;
  Result<model::Quota> getQuota(model::QuotaKind kind, const std::string& guid) override;
  Result<std::vector<model::Quota>> listQuotas(model::QuotaKind kind) override;
  Status updateQuota(model::QuotaKind kind, const model::Quota& quota) override;
  Status deleteQuota(model::QuotaKind kind, const std::string& guid) override;
  Result<std::optional<std::string>> appliedQuota(model::QuotaKind kind,
                                                  const std::string& target_guid) override;
  Status applyQuota(model::QuotaKind kind, const std::string& quota_guid,
                    const std::string& target_guid) override;
  Status removeQuota(model::QuotaKind kind, const std::string& quota_guid,
                     const std::string& target_guid) override;
  Result<model::Metadata> getMetadata(const std::string& resource_type,
                                      const std::string& guid) override;
  Status setMetadata(const std::string& resource_type, const std::string& guid,
                     const model::Metadata& metadata) override;
  Result<std::map<std::string, model::Metadata>> listMetadata(
      const std::string& resource_type) override;

  Result<std::optional<std::string>> getSetting(const std::string& key) override;
  Status setSetting(const std::string& key, const std::string& value) override;

 private:
  int64_t now() const { return clock_.nowNs() / 1000000000; }
  // Fills a new row's guid (when empty) and timestamps (when zero).
  void stamp(std::string& guid, model::Stamps& stamps) const;
  // An UPDATE/DELETE that touched no row means the guid does not exist.
  Status requireChanged(Status ran, const char* not_found) const;
  // ran, with a failure of kind code (kConflict: unique, kInvalid: foreign key) reworded
  // from SQLite's text to what a user should read.
  static Status remap(Status ran, base::Errc code, std::string message);
  // deleteSpace's rows, inside the caller's transaction.
  Status deleteSpaceRows(const std::string& guid);
  static constexpr const char* kInvalidApp =
      "Invalid app. Ensure that the app exists and you have access to it.";

  std::unique_ptr<Db> db_;
  base::SystemClock clock_;
};

}  // namespace mcf::store
