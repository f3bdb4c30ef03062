// The deployments table: rolling deployments and their status.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

#define MCF_DEPLOYMENT_COLS                                                                  \
  "guid, app_guid, state, status_value, status_reason, strategy, max_in_flight, "            \
  "droplet_guid, previous_droplet_guid, process_guid, version, previous_version, error, "    \
  "last_healthcheck, last_status_change, created_at, updated_at"

namespace {

Result<model::Deployment> readDeployment(Stmt& row) {
  model::Deployment d;
  d.guid = row.text(0);
  d.app_guid = row.text(1);
  d.state = row.text(2);
  d.status_value = row.text(3);
  d.status_reason = row.text(4);
  d.strategy = row.text(5);
  d.max_in_flight = row.integer(6);
  d.droplet_guid = row.text(7);
  d.previous_droplet_guid = row.text(8);
  d.process_guid = row.text(9);
  d.version = row.text(10);
  d.previous_version = row.text(11);
  d.error = row.text(12);
  d.last_healthcheck = row.int64(13);
  d.last_status_change = row.int64(14);
  d.created_at = row.int64(15);
  d.updated_at = row.int64(16);
  return d;
}


}  // namespace

Result<model::Deployment> SqliteStore::createDeployment(model::Deployment d) {
  stamp(d.guid, d);
  if (d.last_status_change == 0) d.last_status_change = d.created_at;
  MCF_TRY(remap(db_->run("INSERT INTO deployments (" MCF_DEPLOYMENT_COLS ") VALUES "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         d.guid, d.app_guid, d.state, d.status_value, d.status_reason, d.strategy,
                         d.max_in_flight, d.droplet_guid, d.previous_droplet_guid, d.process_guid,
                         d.version, d.previous_version, d.error, d.last_healthcheck,
                         d.last_status_change, d.created_at, d.updated_at),
                base::Errc::kInvalid, kInvalidApp));
  return d;
}

Result<model::Deployment> SqliteStore::getDeployment(const std::string& guid) {
  return first<model::Deployment>(
      db_->query("SELECT " MCF_DEPLOYMENT_COLS " FROM deployments WHERE guid = ?", guid),
      readDeployment, "Deployment not found");
}

Result<std::vector<model::Deployment>> SqliteStore::listDeployments(const DeploymentFilter& f) {
  return collect<model::Deployment>(
      db_->query("SELECT " MCF_DEPLOYMENT_COLS " FROM deployments WHERE "
                 "(?1 IS NULL OR app_guid IN (SELECT value FROM json_each(?1))) AND "
                 "(?2 IS NULL OR state IN (SELECT value FROM json_each(?2))) AND "
                 "(?3 IS NULL OR status_value IN (SELECT value FROM json_each(?3))) AND "
                 "(?4 IS NULL OR status_reason IN (SELECT value FROM json_each(?4))) "
                 "ORDER BY created_at, rowid",
                 anyOf(f.app_guids), anyOf(f.states), anyOf(f.status_values),
                 anyOf(f.status_reasons)),
      readDeployment);
}

Status SqliteStore::updateDeployment(const model::Deployment& d) {
  return requireChanged(
      db_->run("UPDATE deployments SET state = ?, status_value = ?, status_reason = ?, "
               "error = ?, last_healthcheck = ?, last_status_change = ?, updated_at = ? "
               "WHERE guid = ?",
               d.state, d.status_value, d.status_reason, d.error, d.last_healthcheck,
               d.last_status_change, now(), d.guid),
      "Deployment not found");
}

#undef MCF_DEPLOYMENT_COLS

}  // namespace mcf::store
