// The service_instances and service_credential_bindings tables, the brokers' catalogs
// (service_brokers, service_offerings, service_plans, service_plan_orgs), and VCAP_SERVICES of
// an app.
#include <optional>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/ids.h"

#include "store/columns.h"
#include "store/sqlite_store.h"

namespace mcf::store {

using base::Errc;

#define MCF_SI_COLS                                                                           \
  "guid, name, space_guid, type, credentials, syslog_drain_url, route_service_url, tags, "  \
  "created_at, updated_at, plan_guid, dashboard_url, op_type, op_state, op_description, "   \
  "op_broker_operation, op_started_at, op_plan_guid"
#define MCF_SB_COLS                                                                         \
  "guid, name, type, app_guid, instance_guid, created_at, updated_at, credentials, "      \
  "syslog_drain_url, volume_mounts, op_type, op_state, op_description, op_broker_operation, " \
  "op_started_at"
#define MCF_BROKER_COLS "guid, name, url, username, password, created_at, updated_at"
#define MCF_OFFERING_COLS                                                                    \
  "guid, broker_guid, catalog_id, name, description, available, bindable, plan_updateable, " \
  "instances_retrievable, bindings_retrievable, tags, requires, metadata, created_at, "     \
  "updated_at"
#define MCF_PLAN_COLS                                                                        \
  "guid, offering_guid, catalog_id, name, description, available, free, bindable, "         \
  "plan_updateable, maximum_polling_duration, schemas, metadata, maintenance_info, "       \
  "visibility, created_at, updated_at"

namespace {

constexpr const char* kInstanceNotFound = "Service instance not found";

Result<nlohmann::json> readJson(const std::string& text, const char* column, bool want_object) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || (want_object ? !j.is_object() : !j.is_array()))
    return base::makeError(Errc::kIo, "The column {} holds no JSON {}; the database was edited "
                           "or damaged", column, want_object ? "object" : "array");
  return j;
}

model::LastOperation readOperation(Stmt& row, int col) {
  model::LastOperation op;
  op.type = row.text(col);
  op.state = row.text(col + 1);
  op.description = row.text(col + 2);
  op.broker_operation = row.text(col + 3);
  op.started_at = row.int64(col + 4);
  return op;
}

Result<model::ServiceInstance> readInstance(Stmt& row) {
  model::ServiceInstance si;
  si.guid = row.text(0);
  si.name = row.text(1);
  si.space_guid = row.text(2);
  si.type = row.text(3);
  auto creds = nlohmann::json::parse(row.text(4), nullptr, false);
  if (creds.is_discarded() || !creds.is_object())
    return base::makeError(Errc::kIo, "The column service_instances.credentials of {} holds no "
                           "JSON object; the database was edited or damaged", si.guid);
  si.credentials = std::move(creds);
  si.syslog_drain_url = row.text(5);
  si.route_service_url = row.text(6);
  auto tags = decodeList(row.text(7), "service_instances.tags");
  if (!tags.ok()) return tags.takeError();
  si.tags = std::move(*tags);
  si.created_at = row.int64(8);
  si.updated_at = row.int64(9);
  si.plan_guid = row.text(10);
  si.dashboard_url = row.text(11);
  si.last_operation = readOperation(row, 12);
  si.pending_plan_guid = row.text(17);
  return si;
}

Result<model::ServiceBinding> readBinding(Stmt& row) {
  model::ServiceBinding b;
  b.guid = row.text(0);
  b.name = row.text(1);
  b.type = row.text(2);
  b.app_guid = row.isNull(3) ? "" : row.text(3);
  b.instance_guid = row.text(4);
  b.created_at = row.int64(5);
  b.updated_at = row.int64(6);
  auto creds = readJson(row.text(7), "service_credential_bindings.credentials", true);
  if (!creds.ok()) return creds.takeError();
  b.credentials = std::move(*creds);
  b.syslog_drain_url = row.text(8);
  auto mounts = readJson(row.text(9), "service_credential_bindings.volume_mounts", false);
  if (!mounts.ok()) return mounts.takeError();
  b.volume_mounts = std::move(*mounts);
  b.last_operation = readOperation(row, 10);
  return b;
}

Result<model::ServiceBroker> readBroker(Stmt& row) {
  model::ServiceBroker b;
  b.guid = row.text(0);
  b.name = row.text(1);
  b.url = row.text(2);
  b.username = row.text(3);
  b.password = row.text(4);
  b.created_at = row.int64(5);
  b.updated_at = row.int64(6);
  return b;
}

Result<model::ServiceOffering> readOffering(Stmt& row) {
  model::ServiceOffering o;
  o.guid = row.text(0);
  o.broker_guid = row.text(1);
  o.catalog_id = row.text(2);
  o.name = row.text(3);
  o.description = row.text(4);
  o.available = row.boolean(5);
  o.bindable = row.boolean(6);
  o.plan_updateable = row.boolean(7);
  o.instances_retrievable = row.boolean(8);
  o.bindings_retrievable = row.boolean(9);
  auto tags = decodeList(row.text(10), "service_offerings.tags");
  if (!tags.ok()) return tags.takeError();
  o.tags = std::move(*tags);
  auto requires_ = decodeList(row.text(11), "service_offerings.requires");
  if (!requires_.ok()) return requires_.takeError();
  o.requires_ = std::move(*requires_);
  auto meta = readJson(row.text(12), "service_offerings.metadata", true);
  if (!meta.ok()) return meta.takeError();
  o.metadata = std::move(*meta);
  o.created_at = row.int64(13);
  o.updated_at = row.int64(14);
  return o;
}

Result<model::ServicePlan> readPlan(Stmt& row) {
  model::ServicePlan p;
  p.guid = row.text(0);
  p.offering_guid = row.text(1);
  p.catalog_id = row.text(2);
  p.name = row.text(3);
  p.description = row.text(4);
  p.available = row.boolean(5);
  p.free = row.boolean(6);
  if (!row.isNull(7)) p.bindable = row.boolean(7);
  if (!row.isNull(8)) p.plan_updateable = row.boolean(8);
  p.maximum_polling_duration = row.int64(9);
  for (auto [col, into, name] : {std::tuple{10, &p.schemas, "service_plans.schemas"},
                                 std::tuple{11, &p.metadata, "service_plans.metadata"},
                                 std::tuple{12, &p.maintenance_info, "service_plans.maintenance_info"}}) {
    auto j = readJson(row.text(col), name, true);
    if (!j.ok()) return j.takeError();
    *into = std::move(*j);
  }
  p.visibility = row.text(13);
  p.created_at = row.int64(14);
  p.updated_at = row.int64(15);
  return p;
}

std::optional<int64_t> optBool(const std::optional<bool>& b) {
  if (!b) return std::nullopt;
  return *b ? 1 : 0;
}

std::optional<std::string> nullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string nameTaken(const std::string& name) {
  return fmt::format("The service instance name is taken: {}.", name);
}

}  // namespace

Result<model::ServiceInstance> SqliteStore::createServiceInstance(model::ServiceInstance si) {
  stamp(si.guid, si);
  const model::LastOperation& op = si.last_operation;
  Status ran = db_->run("INSERT INTO service_instances (" MCF_SI_COLS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        si.guid, si.name, si.space_guid, si.type, si.credentials.dump(),
                        si.syslog_drain_url, si.route_service_url, encodeList(si.tags),
                        si.created_at, si.updated_at, si.plan_guid, si.dashboard_url, op.type,
                        op.state, op.description, op.broker_operation, op.started_at,
                        si.pending_plan_guid);
  ran = remap(std::move(ran), Errc::kConflict, nameTaken(si.name));
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid space. Ensure that the space exists and you have access to it."));
  return si;
}

Result<model::ServiceInstance> SqliteStore::getServiceInstance(const std::string& guid) {
  return first<model::ServiceInstance>(
      db_->query("SELECT " MCF_SI_COLS " FROM service_instances WHERE guid = ?", guid),
      readInstance, kInstanceNotFound);
}

Result<std::vector<model::ServiceInstance>> SqliteStore::listServiceInstances(
    const std::string& space_guid) {
  return collect<model::ServiceInstance>(
      db_->query("SELECT " MCF_SI_COLS " FROM service_instances "
                 "WHERE (?1 = '' OR space_guid = ?1) ORDER BY name, created_at",
                 space_guid),
      readInstance);
}

Status SqliteStore::updateServiceInstance(const model::ServiceInstance& si) {
  Status ran = db_->run(
      "UPDATE service_instances SET name = ?, credentials = ?, syslog_drain_url = ?, "
      "route_service_url = ?, tags = ?, updated_at = ?, plan_guid = ?, dashboard_url = ?, "
      "op_type = ?, op_state = ?, op_description = ?, op_broker_operation = ?, "
      "op_started_at = ?, op_plan_guid = ? WHERE guid = ?",
      si.name, si.credentials.dump(), si.syslog_drain_url, si.route_service_url,
      encodeList(si.tags), now(), si.plan_guid, si.dashboard_url, si.last_operation.type,
      si.last_operation.state, si.last_operation.description,
      si.last_operation.broker_operation, si.last_operation.started_at, si.pending_plan_guid,
      si.guid);
  return requireChanged(remap(std::move(ran), Errc::kConflict, nameTaken(si.name)),
                        kInstanceNotFound);
}

Status SqliteStore::deleteServiceInstance(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto bound = first<int64_t>(
      db_->query("SELECT count(*) FROM service_credential_bindings WHERE instance_guid = ?", guid),
      [](Stmt& row) -> Result<int64_t> { return row.int64(0); }, "count returned no row");
  if (!bound.ok()) return bound.takeError();
  if (*bound > 0)
    return base::makeError(Errc::kConflict, "The service instance still has {} binding(s)",
                           *bound);
  MCF_TRY(requireChanged(db_->run("DELETE FROM service_instances WHERE guid = ?", guid),
                         kInstanceNotFound));
  return txn->commit();
}

Result<model::ServiceBinding> SqliteStore::createServiceBinding(model::ServiceBinding b) {
  stamp(b.guid, b);
  const model::LastOperation& op = b.last_operation;
  Status ran = db_->run("INSERT INTO service_credential_bindings (" MCF_SB_COLS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        b.guid, b.name, b.type, nullIfEmpty(b.app_guid), b.instance_guid,
                        b.created_at, b.updated_at, b.credentials.dump(), b.syslog_drain_url,
                        b.volume_mounts.dump(), op.type, op.state, op.description,
                        op.broker_operation, op.started_at);
  ran = remap(std::move(ran), Errc::kConflict,
              b.type == "key"
                  ? fmt::format("The binding name is invalid. Key binding names must be unique. "
                                "The service instance already has a key binding with name '{}'.",
                                b.name)
                  : std::string("The app is already bound to the service instance."));
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid app or service instance. Ensure that both exist and you have access to "
                "them."));
  return b;
}

Result<model::ServiceBinding> SqliteStore::getServiceBinding(const std::string& guid) {
  return first<model::ServiceBinding>(
      db_->query("SELECT " MCF_SB_COLS " FROM service_credential_bindings WHERE guid = ?", guid),
      readBinding, "Service credential binding not found");
}

Result<std::vector<model::ServiceBinding>> SqliteStore::listServiceBindings(
    const std::string& app_guid, const std::string& instance_guid) {
  return collect<model::ServiceBinding>(
      db_->query("SELECT " MCF_SB_COLS " FROM service_credential_bindings "
                 "WHERE type = 'app' AND (?1 = '' OR app_guid = ?1) "
                 "AND (?2 = '' OR instance_guid = ?2) ORDER BY created_at, rowid",
                 app_guid, instance_guid),
      readBinding);
}

Status SqliteStore::deleteServiceBinding(const std::string& guid) {
  return requireChanged(
      db_->run("DELETE FROM service_credential_bindings WHERE guid = ?", guid),
      "Service credential binding not found");
}

Status SqliteStore::updateServiceBinding(const model::ServiceBinding& b) {
  const model::LastOperation& op = b.last_operation;
  return requireChanged(
      db_->run("UPDATE service_credential_bindings SET credentials = ?, syslog_drain_url = ?, "
               "volume_mounts = ?, op_type = ?, op_state = ?, op_description = ?, "
               "op_broker_operation = ?, op_started_at = ?, updated_at = ? WHERE guid = ?",
               b.credentials.dump(), b.syslog_drain_url, b.volume_mounts.dump(), op.type,
               op.state, op.description, op.broker_operation, op.started_at, now(), b.guid),
      "Service credential binding not found");
}

Result<std::vector<model::ServiceBinding>> SqliteStore::listServiceKeys(
    const std::string& instance_guid) {
  return collect<model::ServiceBinding>(
      db_->query("SELECT " MCF_SB_COLS " FROM service_credential_bindings "
                 "WHERE type = 'key' AND (?1 = '' OR instance_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 instance_guid),
      readBinding);
}

Result<std::vector<model::ServiceInstance>> SqliteStore::listServiceInstancesInProgress() {
  return collect<model::ServiceInstance>(
      db_->query("SELECT " MCF_SI_COLS " FROM service_instances WHERE op_state = 'in progress' "
                 "ORDER BY updated_at"),
      readInstance);
}

Result<std::vector<model::ServiceBinding>> SqliteStore::listServiceBindingsInProgress() {
  return collect<model::ServiceBinding>(
      db_->query("SELECT " MCF_SB_COLS " FROM service_credential_bindings "
                 "WHERE op_state = 'in progress' ORDER BY updated_at"),
      readBinding);
}

Result<model::ServiceBroker> SqliteStore::createServiceBroker(model::ServiceBroker broker) {
  stamp(broker.guid, broker);
  MCF_TRY(remap(db_->run("INSERT INTO service_brokers (" MCF_BROKER_COLS
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                         broker.guid, broker.name, broker.url, broker.username, broker.password,
                         broker.created_at, broker.updated_at),
                Errc::kConflict, "Name must be unique"));
  return broker;
}

Result<model::ServiceBroker> SqliteStore::getServiceBroker(const std::string& guid) {
  return first<model::ServiceBroker>(
      db_->query("SELECT " MCF_BROKER_COLS " FROM service_brokers WHERE guid = ?", guid),
      readBroker, "Service broker not found");
}

Result<std::vector<model::ServiceBroker>> SqliteStore::listServiceBrokers() {
  return collect<model::ServiceBroker>(
      db_->query("SELECT " MCF_BROKER_COLS " FROM service_brokers ORDER BY name"), readBroker);
}

Status SqliteStore::updateServiceBroker(const model::ServiceBroker& broker) {
  Status ran = db_->run("UPDATE service_brokers SET name = ?, url = ?, username = ?, "
                        "password = ?, updated_at = ? WHERE guid = ?",
                        broker.name, broker.url, broker.username, broker.password, now(),
                        broker.guid);
  return requireChanged(remap(std::move(ran), Errc::kConflict, "Name must be unique"),
                        "Service broker not found");
}

Status SqliteStore::deleteServiceBroker(const std::string& guid) {
  return requireChanged(db_->run("DELETE FROM service_brokers WHERE guid = ?", guid),
                        "Service broker not found");
}

Status SqliteStore::syncCatalog(const std::string& broker_guid,
                                const std::vector<model::CatalogService>& catalog,
                                const std::string& new_plan_visibility) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto offerings = listServiceOfferings(broker_guid);
  if (!offerings.ok()) return offerings.takeError();
  int64_t t = now();
  std::vector<std::string> kept_offerings, kept_plans;
  for (const auto& svc : catalog) {
    const model::ServiceOffering& o = svc.offering;
    std::string offering_guid;
    for (const auto& old : *offerings)
      if (old.catalog_id == o.catalog_id) offering_guid = old.guid;
    if (offering_guid.empty()) {
      offering_guid = base::newGuid();
      MCF_TRY(db_->run("INSERT INTO service_offerings (" MCF_OFFERING_COLS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       offering_guid, broker_guid, o.catalog_id, o.name, o.description, true,
                       o.bindable, o.plan_updateable, o.instances_retrievable,
                       o.bindings_retrievable, encodeList(o.tags), encodeList(o.requires_),
                       o.metadata.dump(), t, t));
    } else {
      MCF_TRY(db_->run("UPDATE service_offerings SET name = ?, description = ?, available = 1, "
                       "bindable = ?, plan_updateable = ?, instances_retrievable = ?, "
                       "bindings_retrievable = ?, tags = ?, requires = ?, metadata = ?, "
                       "updated_at = ? WHERE guid = ?",
                       o.name, o.description, o.bindable, o.plan_updateable,
                       o.instances_retrievable, o.bindings_retrievable, encodeList(o.tags),
                       encodeList(o.requires_), o.metadata.dump(), t, offering_guid));
    }
    kept_offerings.push_back(offering_guid);
    auto plans = listServicePlans(offering_guid);
    if (!plans.ok()) return plans.takeError();
    for (const auto& p : svc.plans) {
      std::string plan_guid;
      for (const auto& old : *plans)
        if (old.catalog_id == p.catalog_id) plan_guid = old.guid;
      if (plan_guid.empty()) {
        plan_guid = base::newGuid();
        MCF_TRY(db_->run("INSERT INTO service_plans (" MCF_PLAN_COLS
                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         plan_guid, offering_guid, p.catalog_id, p.name, p.description, true,
                         p.free, optBool(p.bindable), optBool(p.plan_updateable),
                         p.maximum_polling_duration, p.schemas.dump(), p.metadata.dump(),
                         p.maintenance_info.dump(), new_plan_visibility, t, t));
      } else {
        MCF_TRY(db_->run("UPDATE service_plans SET name = ?, description = ?, available = 1, "
                         "free = ?, bindable = ?, plan_updateable = ?, "
                         "maximum_polling_duration = ?, schemas = ?, metadata = ?, "
                         "maintenance_info = ?, updated_at = ? WHERE guid = ?",
                         p.name, p.description, p.free, optBool(p.bindable),
                         optBool(p.plan_updateable), p.maximum_polling_duration,
                         p.schemas.dump(), p.metadata.dump(), p.maintenance_info.dump(), t,
                         plan_guid));
      }
      kept_plans.push_back(plan_guid);
    }
  }
  // What the catalog no longer lists goes, unless instances still use it.
#define MCF_PLAN_IN_USE \
  "EXISTS (SELECT 1 FROM service_instances WHERE plan_guid = service_plans.guid)"
  MCF_TRY(db_->run("UPDATE service_plans SET available = 0, updated_at = ?1 "
                   "WHERE offering_guid IN (SELECT guid FROM service_offerings "
                   "WHERE broker_guid = ?2) AND guid NOT IN (SELECT value FROM "
                   "json_each(?3)) AND " MCF_PLAN_IN_USE,
                   t, broker_guid, encodeList(kept_plans)));
  MCF_TRY(db_->run("DELETE FROM service_plans WHERE offering_guid IN (SELECT guid "
                   "FROM service_offerings WHERE broker_guid = ?1) AND guid NOT IN "
                   "(SELECT value FROM json_each(?2)) AND NOT " MCF_PLAN_IN_USE,
                   broker_guid, encodeList(kept_plans)));
#undef MCF_PLAN_IN_USE
  MCF_TRY(db_->run("UPDATE service_offerings SET available = 0, updated_at = ?1 "
                   "WHERE broker_guid = ?2 AND guid NOT IN (SELECT value FROM json_each(?3)) "
                   "AND EXISTS (SELECT 1 FROM service_plans WHERE offering_guid = "
                   "service_offerings.guid)",
                   t, broker_guid, encodeList(kept_offerings)));
  MCF_TRY(db_->run("DELETE FROM service_offerings WHERE broker_guid = ?1 AND guid NOT IN "
                   "(SELECT value FROM json_each(?2)) AND NOT EXISTS (SELECT 1 FROM "
                   "service_plans WHERE offering_guid = service_offerings.guid)",
                   broker_guid, encodeList(kept_offerings)));
  return txn->commit();
}

Result<std::vector<model::ServiceOffering>> SqliteStore::listServiceOfferings(
    const std::string& broker_guid) {
  return collect<model::ServiceOffering>(
      db_->query("SELECT " MCF_OFFERING_COLS " FROM service_offerings "
                 "WHERE (?1 = '' OR broker_guid = ?1) ORDER BY name, created_at",
                 broker_guid),
      readOffering);
}

Result<model::ServiceOffering> SqliteStore::getServiceOffering(const std::string& guid) {
  return first<model::ServiceOffering>(
      db_->query("SELECT " MCF_OFFERING_COLS " FROM service_offerings WHERE guid = ?", guid),
      readOffering, "Service offering not found");
}

Result<std::vector<model::ServicePlan>> SqliteStore::listServicePlans(
    const std::string& offering_guid) {
  return collect<model::ServicePlan>(
      db_->query("SELECT " MCF_PLAN_COLS " FROM service_plans "
                 "WHERE (?1 = '' OR offering_guid = ?1) ORDER BY offering_guid, name",
                 offering_guid),
      readPlan);
}

Result<model::ServicePlan> SqliteStore::getServicePlan(const std::string& guid) {
  return first<model::ServicePlan>(
      db_->query("SELECT " MCF_PLAN_COLS " FROM service_plans WHERE guid = ?", guid), readPlan,
      "Service plan not found");
}

Status SqliteStore::setServicePlanVisibility(const std::string& plan_guid,
                                             const std::string& type,
                                             const std::vector<std::string>& org_guids,
                                             bool replace) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  MCF_TRY(requireChanged(db_->run("UPDATE service_plans SET visibility = ?, updated_at = ? "
                                  "WHERE guid = ?", type, now(), plan_guid),
                         "Service plan not found"));
  if (type != model::kVisibilityOrganization || replace)
    MCF_TRY(db_->run("DELETE FROM service_plan_orgs WHERE plan_guid = ?", plan_guid));
  if (type == model::kVisibilityOrganization)
    for (const auto& org : org_guids)
      MCF_TRY(remap(db_->run("INSERT OR IGNORE INTO service_plan_orgs (plan_guid, org_guid) "
                             "VALUES (?, ?)", plan_guid, org),
                    Errc::kInvalid, fmt::format("Could not find organization with guid '{}'.", org)));
  return txn->commit();
}

Status SqliteStore::removeServicePlanOrg(const std::string& plan_guid, const std::string& org_guid) {
  return requireChanged(db_->run("DELETE FROM service_plan_orgs WHERE plan_guid = ? AND "
                                 "org_guid = ?", plan_guid, org_guid),
                        "Organization not found for this service plan");
}

Result<std::vector<std::string>> SqliteStore::servicePlanOrgs(const std::string& plan_guid) {
  return collect<std::string>(
      db_->query("SELECT org_guid FROM service_plan_orgs WHERE plan_guid = ? ORDER BY org_guid",
                 plan_guid),
      [](Stmt& row) -> Result<std::string> { return row.text(0); });
}

std::vector<model::BoundService> appBoundServices(Store& store, const std::string& app_guid) {
  std::vector<model::BoundService> out;
  auto bindings = store.listServiceBindings(app_guid, "");
  if (!bindings.ok()) return out;
  for (auto& b : *bindings) {
    auto si = store.getServiceInstance(b.instance_guid);
    if (!si.ok()) continue;
    model::BoundService bound{std::move(b), std::move(*si), "", "", {}};
    if (bound.instance.type == model::kManaged) {
      if (auto plan = store.getServicePlan(bound.instance.plan_guid); plan.ok()) {
        bound.plan = plan->name;
        if (auto o = store.getServiceOffering(plan->offering_guid); o.ok()) {
          bound.label = o->name;
          bound.offering_tags = o->tags;
        }
      }
    }
    out.push_back(std::move(bound));
  }
  return out;
}

std::string appVcapServices(Store& store, const std::string& app_guid) {
  return model::vcapServices(appBoundServices(store, app_guid)).dump();
}

}  // namespace mcf::store
