// The app and process tables, and deleting an app with everything that belongs to it.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

using base::Errc;

// Column lists are macros so that each statement stays one constant string.
#define MCF_APP_COLS \
  "guid, name, space_guid, state, buildpacks, stack, env, droplet_guid, created_at, updated_at"

#define MCF_PROCESS_COLS                                                                   \
  "guid, app_guid, type, command, instances, memory_in_mb, disk_in_mb, "                   \
  "log_rate_limit_in_bytes_per_second, health_check_type, health_check_timeout, "          \
  "health_check_invocation_timeout, health_check_interval, health_check_endpoint, version, " \
  "created_at, updated_at, readiness_check_type, readiness_check_invocation_timeout, "      \
  "readiness_check_interval, readiness_check_endpoint"

namespace {

Result<model::App> readApp(Stmt& row) {
  model::App app;
  app.guid = row.text(0);
  app.name = row.text(1);
  app.space_guid = row.text(2);
  auto state = decodeAppState(row.text(3));
  if (!state.ok()) return state.takeError();
  app.state = *state;
  auto buildpacks = decodeList(row.text(4), "apps.buildpacks");
  if (!buildpacks.ok()) return buildpacks.takeError();
  app.buildpacks = std::move(*buildpacks);
  app.stack = row.text(5);
  auto env = decodeMap(row.text(6), "apps.env");
  if (!env.ok()) return env.takeError();
  app.env = std::move(*env);
  app.droplet_guid = row.text(7);
  app.created_at = row.int64(8);
  app.updated_at = row.int64(9);
  return app;
}

Result<model::Process> readProcess(Stmt& row) {
  model::Process p;
  p.guid = row.text(0);
  p.app_guid = row.text(1);
  p.type = row.text(2);
  p.command = row.optText(3);
  p.instances = row.integer(4);
  p.memory_in_mb = row.integer(5);
  p.disk_in_mb = row.integer(6);
  p.log_rate_limit_in_bytes_per_second = row.int64(7);
  p.health_check.type = row.text(8);
  p.health_check.timeout = row.optInt(9);
  p.health_check.invocation_timeout = row.optInt(10);
  p.health_check.interval = row.optInt(11);
  p.health_check.endpoint = row.text(12);
  p.version = row.text(13);
  p.created_at = row.int64(14);
  p.updated_at = row.int64(15);
  p.readiness_check.type = row.text(16);
  p.readiness_check.invocation_timeout = row.optInt(17);
  p.readiness_check.interval = row.optInt(18);
  p.readiness_check.endpoint = row.text(19);
  return p;
}

// A filter value as a JSON array for json_each(), or NULL for "any".

}  // namespace

// ---- Apps

Result<model::App> SqliteStore::createApp(model::App app) {
  stamp(app.guid, app);
  Status ran = db_->run("INSERT INTO apps (" MCF_APP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        app.guid, app.name, app.space_guid, model::toString(app.state),
                        encodeList(app.buildpacks), app.stack, encodeMap(app.env),
                        app.droplet_guid, app.created_at, app.updated_at);
  ran = remap(std::move(ran), Errc::kConflict,
              fmt::format("The app name '{}' is already taken in this space.", app.name));
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid space. Ensure that the space exists and you have access to it."));
  return app;
}

Result<model::App> SqliteStore::getApp(const std::string& guid) {
  return first<model::App>(db_->query("SELECT " MCF_APP_COLS " FROM apps WHERE guid = ?", guid),
                           readApp, "App not found");
}

Result<std::vector<model::App>> SqliteStore::listApps(const AppFilter& filter) {
  // One statement for every filter combination: an absent filter binds NULL, a present one a
  // JSON array that json_each() unrolls, so the values never become SQL text.
  std::optional<std::string> state;
  if (filter.state) state = model::toString(*filter.state);
  return collect<model::App>(
      db_->query("SELECT " MCF_APP_COLS " FROM apps WHERE "
                 "(?1 IS NULL OR guid IN (SELECT value FROM json_each(?1))) AND "
                 "(?2 IS NULL OR name IN (SELECT value FROM json_each(?2))) AND "
                 "(?3 IS NULL OR space_guid IN (SELECT value FROM json_each(?3))) AND "
                 "(?4 IS NULL OR state = ?4) "
                 "ORDER BY created_at, rowid",
                 anyOf(filter.guids), anyOf(filter.names), anyOf(filter.space_guids), state),
      readApp);
}

Status SqliteStore::updateApp(const model::App& app) {
  Status ran = db_->run(
      "UPDATE apps SET name = ?, state = ?, buildpacks = ?, stack = ?, env = ?, droplet_guid = ?, "
      "updated_at = ? WHERE guid = ?",
      app.name, model::toString(app.state), encodeList(app.buildpacks), app.stack,
      encodeMap(app.env), app.droplet_guid, now(), app.guid);
  ran = remap(std::move(ran), Errc::kConflict,
              fmt::format("The app name '{}' is already taken in this space.", app.name));
  return requireChanged(std::move(ran), "App not found");
}

Status SqliteStore::deleteApp(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  // The foreign keys cascade too; deleting explicitly keeps the contract visible here and
  // does not depend on PRAGMA foreign_keys being on for this connection.
  MCF_TRY(db_->run("DELETE FROM route_destinations WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM service_credential_bindings WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM tasks WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM deployments WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM processes WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM droplets WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM builds WHERE app_guid = ?", guid));
  MCF_TRY(db_->run("DELETE FROM packages WHERE app_guid = ?", guid));
  MCF_TRY(requireChanged(db_->run("DELETE FROM apps WHERE guid = ?", guid), "App not found"));
  return txn->commit();
}

// ---- Processes

Result<model::Process> SqliteStore::createProcess(model::Process p) {
  stamp(p.guid, p);
  const model::HealthCheck& hc = p.health_check;
  const model::HealthCheck& rc = p.readiness_check;
  Status ran = db_->run(
      "INSERT INTO processes (" MCF_PROCESS_COLS ") "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      p.guid, p.app_guid, p.type, p.command, p.instances, p.memory_in_mb, p.disk_in_mb,
      p.log_rate_limit_in_bytes_per_second, hc.type, hc.timeout, hc.invocation_timeout,
      hc.interval, hc.endpoint, p.version, p.created_at, p.updated_at, rc.type,
      rc.invocation_timeout, rc.interval, rc.endpoint);
  ran = remap(std::move(ran), Errc::kConflict,
              fmt::format("The app already has a process of type '{}'.", p.type));
  MCF_TRY(remap(std::move(ran), Errc::kInvalid, kInvalidApp));
  return p;
}

Result<model::Process> SqliteStore::getProcess(const std::string& guid) {
  return first<model::Process>(
      db_->query("SELECT " MCF_PROCESS_COLS " FROM processes WHERE guid = ?", guid), readProcess,
      "Process not found");
}

Result<std::vector<model::Process>> SqliteStore::listProcesses(const std::string& app_guid) {
  return collect<model::Process>(
      db_->query("SELECT " MCF_PROCESS_COLS " FROM processes WHERE (?1 = '' OR app_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 app_guid),
      readProcess);
}

Status SqliteStore::updateProcess(const model::Process& p) {
  const model::HealthCheck& hc = p.health_check;
  const model::HealthCheck& rc = p.readiness_check;
  return requireChanged(
      db_->run("UPDATE processes SET command = ?, instances = ?, memory_in_mb = ?, "
               "disk_in_mb = ?, log_rate_limit_in_bytes_per_second = ?, health_check_type = ?, "
               "health_check_timeout = ?, health_check_invocation_timeout = ?, "
               "health_check_interval = ?, health_check_endpoint = ?, version = ?, "
               "updated_at = ?, readiness_check_type = ?, readiness_check_invocation_timeout = ?, "
               "readiness_check_interval = ?, readiness_check_endpoint = ? WHERE guid = ?",
               p.command, p.instances, p.memory_in_mb, p.disk_in_mb,
               p.log_rate_limit_in_bytes_per_second, hc.type, hc.timeout, hc.invocation_timeout,
               hc.interval, hc.endpoint, p.version, now(), rc.type, rc.invocation_timeout,
               rc.interval, rc.endpoint, p.guid),
      "Process not found");
}

#undef MCF_APP_COLS
#undef MCF_PROCESS_COLS

}  // namespace mcf::store
