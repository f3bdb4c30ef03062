// The service_instances and service_credential_bindings tables, and VCAP_SERVICES of an app.
#include <nlohmann/json.hpp>

#include "store/columns.h"
#include "store/sqlite_store.h"

namespace mcf::store {

using base::Errc;

#define MCF_SI_COLS                                                                           \
  "guid, name, space_guid, type, credentials, syslog_drain_url, route_service_url, tags, "  \
  "created_at, updated_at"
#define MCF_SB_COLS "guid, name, type, app_guid, instance_guid, created_at, updated_at"

namespace {

constexpr const char* kInstanceNotFound = "Service instance not found";

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
  return si;
}

Result<model::ServiceBinding> readBinding(Stmt& row) {
  model::ServiceBinding b;
  b.guid = row.text(0);
  b.name = row.text(1);
  b.type = row.text(2);
  b.app_guid = row.text(3);
  b.instance_guid = row.text(4);
  b.created_at = row.int64(5);
  b.updated_at = row.int64(6);
  return b;
}

std::string nameTaken(const std::string& name) {
  return fmt::format("The service instance name is taken: {}.", name);
}

}  // namespace

Result<model::ServiceInstance> SqliteStore::createServiceInstance(model::ServiceInstance si) {
  stamp(si.guid, si);
  Status ran = db_->run("INSERT INTO service_instances (" MCF_SI_COLS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        si.guid, si.name, si.space_guid, si.type, si.credentials.dump(),
                        si.syslog_drain_url, si.route_service_url, encodeList(si.tags),
                        si.created_at, si.updated_at);
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
      "route_service_url = ?, tags = ?, updated_at = ? WHERE guid = ?",
      si.name, si.credentials.dump(), si.syslog_drain_url, si.route_service_url,
      encodeList(si.tags), now(), si.guid);
  return requireChanged(remap(std::move(ran), Errc::kConflict, nameTaken(si.name)),
                        kInstanceNotFound);
}

Status SqliteStore::deleteServiceInstance(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto bound = listServiceBindings("", guid);
  if (!bound.ok()) return bound.takeError();
  if (!bound->empty())
    return base::makeError(Errc::kConflict, "The service instance still has {} binding(s)",
                           bound->size());
  MCF_TRY(requireChanged(db_->run("DELETE FROM service_instances WHERE guid = ?", guid),
                         kInstanceNotFound));
  return txn->commit();
}

Result<model::ServiceBinding> SqliteStore::createServiceBinding(model::ServiceBinding b) {
  stamp(b.guid, b);
  Status ran = db_->run("INSERT INTO service_credential_bindings (" MCF_SB_COLS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                        b.guid, b.name, b.type, b.app_guid, b.instance_guid, b.created_at,
                        b.updated_at);
  ran = remap(std::move(ran), Errc::kConflict, "The app is already bound to the service instance.");
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
                 "WHERE (?1 = '' OR app_guid = ?1) AND (?2 = '' OR instance_guid = ?2) "
                 "ORDER BY created_at, rowid",
                 app_guid, instance_guid),
      readBinding);
}

Status SqliteStore::deleteServiceBinding(const std::string& guid) {
  return requireChanged(
      db_->run("DELETE FROM service_credential_bindings WHERE guid = ?", guid),
      "Service credential binding not found");
}

std::vector<model::BoundService> appBoundServices(Store& store, const std::string& app_guid) {
  std::vector<model::BoundService> out;
  auto bindings = store.listServiceBindings(app_guid, "");
  if (!bindings.ok()) return out;
  for (auto& b : *bindings) {
    auto si = store.getServiceInstance(b.instance_guid);
    if (si.ok()) out.push_back({std::move(b), std::move(*si)});
  }
  return out;
}

std::string appVcapServices(Store& store, const std::string& app_guid) {
  return model::vcapServices(appBoundServices(store, app_guid)).dump();
}

}  // namespace mcf::store
