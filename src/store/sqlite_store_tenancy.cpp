// Renaming and deleting orgs and spaces; a delete takes what lives in them along.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

using base::Errc;

Status SqliteStore::updateOrg(const model::Org& org) {
  Status ran = db_->run("UPDATE orgs SET name = ?, updated_at = ? WHERE guid = ?", org.name, now(),
                        org.guid);
  MCF_TRY(remap(std::move(ran), Errc::kConflict,
                fmt::format("Organization '{}' already exists.", org.name)));
  if (db_->changes() == 0) return base::Error{Errc::kNotFound, "Organization not found"};
  return {};
}

Status SqliteStore::updateSpace(const model::Space& space) {
  Status ran = db_->run("UPDATE spaces SET name = ?, updated_at = ? WHERE guid = ?", space.name,
                        now(), space.guid);
  MCF_TRY(remap(std::move(ran), Errc::kConflict,
                fmt::format("Name must be unique per organization: the space '{}' exists "
                            "already.", space.name)));
  if (db_->changes() == 0) return base::Error{Errc::kNotFound, "Space not found"};
  return {};
}

Status SqliteStore::deleteSpaceRows(const std::string& guid) {
  // Apps take their processes, packages, builds, droplets, tasks, deployments, route
  // destinations and service bindings along (ON DELETE CASCADE); instances can go after.
  MCF_TRY(db_->run("DELETE FROM apps WHERE space_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM service_credential_bindings WHERE instance_guid IN "
                   "(SELECT guid FROM service_instances WHERE space_guid = ?)", guid));
  MCF_TRY(db_->run("DELETE FROM service_instances WHERE space_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM routes WHERE space_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM roles WHERE space_guid = ?", guid));
  return requireChanged(db_->run("DELETE FROM spaces WHERE guid = ?", guid), "Space not found");
}

Status SqliteStore::deleteSpace(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  MCF_TRY(deleteSpaceRows(guid));
  return txn->commit();
}

Status SqliteStore::deleteOrg(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto spaces = collect<std::string>(db_->query("SELECT guid FROM spaces WHERE org_guid = ?", guid),
                                     [](Stmt& row) -> Result<std::string> { return row.text(0); });
  if (!spaces.ok()) return spaces.takeError();
  for (const auto& space : *spaces) MCF_TRY(deleteSpaceRows(space));
  // Routes of other orgs on this org's private domains cannot outlive the domain.
  MCF_TRY(db_->run("DELETE FROM routes WHERE domain_guid IN "
                   "(SELECT guid FROM domains WHERE org_guid = ?)", guid));
  MCF_TRY(db_->run("DELETE FROM domains WHERE org_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM roles WHERE org_guid = ?", guid));
  MCF_TRY(requireChanged(db_->run("DELETE FROM orgs WHERE guid = ?", guid),
                         "Organization not found"));
  return txn->commit();
}

}  // namespace mcf::store
