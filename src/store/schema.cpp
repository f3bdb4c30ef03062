// The schema, as migration steps, and the code that applies them.
#include "store/schema.h"

#include <fmt/format.h>

namespace mcf::store {

namespace {

// Version 1: the state `cf push` needs. Timestamps are integer seconds since the epoch;
// lists and maps are JSON text. Host names compare case-insensitively (DNS does), as do
// app names within a space and user names (UAA does); everything else compares exactly.
constexpr const char* kV1 = R"sql(
CREATE TABLE orgs (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE spaces (
  guid TEXT PRIMARY KEY NOT NULL,
  org_guid TEXT NOT NULL REFERENCES orgs(guid),
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_guid, name)
);

CREATE TABLE users (
  guid TEXT PRIMARY KEY NOT NULL,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email TEXT NOT NULL,
  origin TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  admin INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE apps (
  guid TEXT PRIMARY KEY NOT NULL,
  space_guid TEXT NOT NULL REFERENCES spaces(guid),
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  buildpacks TEXT NOT NULL,
  stack TEXT NOT NULL,
  env TEXT NOT NULL,
  droplet_guid TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX apps_space_name ON apps (space_guid, name COLLATE NOCASE);
CREATE INDEX apps_created ON apps (created_at);

CREATE TABLE processes (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  type TEXT NOT NULL,
  command TEXT,
  instances INTEGER NOT NULL,
  memory_in_mb INTEGER NOT NULL,
  disk_in_mb INTEGER NOT NULL,
  log_rate_limit_in_bytes_per_second INTEGER NOT NULL,
  health_check_type TEXT NOT NULL,
  health_check_timeout INTEGER,
  health_check_invocation_timeout INTEGER,
  health_check_interval INTEGER,
  health_check_endpoint TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_guid, type)
);

CREATE TABLE packages (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  checksum_sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX packages_app ON packages (app_guid, created_at);

CREATE TABLE builds (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  package_guid TEXT NOT NULL,
  droplet_guid TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  buildpacks TEXT NOT NULL,
  stack TEXT NOT NULL,
  staging_memory_in_mb INTEGER NOT NULL,
  staging_disk_in_mb INTEGER NOT NULL,
  created_by_guid TEXT NOT NULL,
  created_by_name TEXT NOT NULL,
  created_by_email TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX builds_app ON builds (app_guid, created_at);

CREATE TABLE droplets (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  package_guid TEXT NOT NULL,
  build_guid TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  process_types TEXT NOT NULL,
  execution_metadata TEXT NOT NULL,
  checksum_sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  buildpacks TEXT NOT NULL,
  stack TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX droplets_app ON droplets (app_guid, created_at);

CREATE TABLE domains (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  internal INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE routes (
  guid TEXT PRIMARY KEY NOT NULL,
  host TEXT NOT NULL COLLATE NOCASE,
  path TEXT NOT NULL,
  domain_guid TEXT NOT NULL REFERENCES domains(guid),
  space_guid TEXT NOT NULL REFERENCES spaces(guid),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (host, domain_guid, path)
);
CREATE INDEX routes_space ON routes (space_guid);

CREATE TABLE route_destinations (
  guid TEXT PRIMARY KEY NOT NULL,
  route_guid TEXT NOT NULL REFERENCES routes(guid) ON DELETE CASCADE,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  process_type TEXT NOT NULL,
  port INTEGER NOT NULL,
  protocol TEXT NOT NULL
);
CREATE INDEX route_destinations_route ON route_destinations (route_guid);
CREATE INDEX route_destinations_app ON route_destinations (app_guid);

CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
)sql";

// Version 2: audit events, and the readiness check of processes (Cloud Foundry's
// readiness_health_check; "process" = every running instance gets traffic).
constexpr const char* kV2 = R"sql(
CREATE TABLE events (
  guid TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  actor_guid TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  target_guid TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_name TEXT NOT NULL,
  space_guid TEXT NOT NULL,
  org_guid TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX events_target ON events (target_guid, created_at);
CREATE INDEX events_created ON events (created_at);

ALTER TABLE processes ADD COLUMN readiness_check_type TEXT NOT NULL DEFAULT 'process';
ALTER TABLE processes ADD COLUMN readiness_check_invocation_timeout INTEGER;
ALTER TABLE processes ADD COLUMN readiness_check_interval INTEGER;
ALTER TABLE processes ADD COLUMN readiness_check_endpoint TEXT NOT NULL DEFAULT '';
)sql";

// Version 3: tasks (one-off commands of an app). sequence_id counts per app from 1; state and
// failure_reason are written by the task runner as the task moves.
constexpr const char* kV3 = R"sql(
CREATE TABLE tasks (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  sequence_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  command TEXT NOT NULL,
  state TEXT NOT NULL,
  memory_in_mb INTEGER NOT NULL,
  disk_in_mb INTEGER NOT NULL,
  log_rate_limit_in_bytes_per_second INTEGER NOT NULL,
  failure_reason TEXT NOT NULL,
  droplet_guid TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_guid, sequence_id)
);
CREATE INDEX tasks_state ON tasks (state);
)sql";

// Version 4: rolling deployments. Only the active ones matter to the scheduler; finished ones
// stay for GET /v3/deployments. Timestamps in seconds like every other table.
constexpr const char* kV4 = R"sql(
CREATE TABLE deployments (
  guid TEXT PRIMARY KEY NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  state TEXT NOT NULL,
  status_value TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  strategy TEXT NOT NULL,
  max_in_flight INTEGER NOT NULL,
  droplet_guid TEXT NOT NULL,
  previous_droplet_guid TEXT NOT NULL,
  process_guid TEXT NOT NULL,
  version TEXT NOT NULL,
  previous_version TEXT NOT NULL,
  error TEXT NOT NULL,
  last_healthcheck INTEGER NOT NULL,
  last_status_change INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deployments_app ON deployments (app_guid, status_value);
)sql";

// Private domains (owned by one org) and route options.
constexpr const char* kV5 = R"sql(
ALTER TABLE domains ADD COLUMN org_guid TEXT NOT NULL DEFAULT '';
ALTER TABLE routes ADD COLUMN loadbalancing TEXT NOT NULL DEFAULT '';
)sql";

// Version 6: user-provided service instances and their app bindings. An instance's name is
// unique per space; an app is bound to an instance at most once. Bindings go with their app;
// an instance with bindings cannot be deleted (RESTRICT), the controller names them first.
constexpr const char* kV6 = R"sql(
CREATE TABLE service_instances (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  space_guid TEXT NOT NULL REFERENCES spaces(guid),
  type TEXT NOT NULL,
  credentials TEXT NOT NULL,
  syslog_drain_url TEXT NOT NULL,
  route_service_url TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX service_instances_space_name ON service_instances (space_guid, name);
CREATE TABLE service_credential_bindings (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  app_guid TEXT NOT NULL REFERENCES apps(guid) ON DELETE CASCADE,
  instance_guid TEXT NOT NULL REFERENCES service_instances(guid) ON DELETE RESTRICT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX service_bindings_app_instance
  ON service_credential_bindings (app_guid, instance_guid);
CREATE INDEX service_bindings_instance ON service_credential_bindings (instance_guid);
)sql";

// Packages know their content, droplets what they were staged from: re-pushing an unchanged
// app reuses its droplet.
constexpr const char* kV7 = R"sql(
ALTER TABLE packages ADD COLUMN content_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE droplets ADD COLUMN staging_key TEXT NOT NULL DEFAULT '';
)sql";

// Admin buildpacks; stack '' is Cloud Controller's null stack (any stack), so that
// (name, stack) stays unique for it too.
constexpr const char* kV8 = R"sql(
CREATE TABLE buildpacks (
  guid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  stack TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  locked INTEGER NOT NULL DEFAULT 0,
  ready INTEGER NOT NULL DEFAULT 0,
  filename TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (name, stack)
);
)sql";

// Roles: who may do what in which org or space (space_guid '' for org roles, org_guid set
// for both). A user's global scope beyond cloud_controller.read/write: '' or
// cloud_controller.admin_read_only or cloud_controller.global_auditor (admin stays a flag).
constexpr const char* kV9 = R"sql(
CREATE TABLE roles (
  guid TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  user_guid TEXT NOT NULL REFERENCES users(guid) ON DELETE CASCADE,
  org_guid TEXT NOT NULL REFERENCES orgs(guid) ON DELETE CASCADE,
  space_guid TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (type, user_guid, org_guid, space_guid)
);
CREATE INDEX roles_user ON roles (user_guid);
CREATE INDEX roles_space ON roles (space_guid);
ALTER TABLE users ADD COLUMN global_scope TEXT NOT NULL DEFAULT '';
)sql";

// Organization and space quotas (NULL limit = unlimited), and which quota an org or space
// has. Every org has an organization quota: "default" (unlimited) unless another is set,
// given by the trigger when the org is created, as Cloud Controller does.
constexpr const char* kV10 = R"sql(
CREATE TABLE organization_quotas (
  guid TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  total_memory_in_mb INTEGER,
  per_process_memory_in_mb INTEGER,
  total_instances INTEGER,
  per_app_tasks INTEGER,
  log_rate_limit_in_bytes_per_second INTEGER,
  paid_services_allowed INTEGER NOT NULL DEFAULT 1,
  total_service_instances INTEGER,
  total_service_keys INTEGER,
  total_routes INTEGER,
  total_reserved_ports INTEGER,
  total_domains INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE space_quotas (
  guid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  org_guid TEXT NOT NULL REFERENCES orgs(guid) ON DELETE CASCADE,
  total_memory_in_mb INTEGER,
  per_process_memory_in_mb INTEGER,
  total_instances INTEGER,
  per_app_tasks INTEGER,
  log_rate_limit_in_bytes_per_second INTEGER,
  paid_services_allowed INTEGER NOT NULL DEFAULT 1,
  total_service_instances INTEGER,
  total_service_keys INTEGER,
  total_routes INTEGER,
  total_reserved_ports INTEGER,
  total_domains INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_guid, name)
);
CREATE TABLE org_quota_assignments (
  org_guid TEXT PRIMARY KEY REFERENCES orgs(guid) ON DELETE CASCADE,
  quota_guid TEXT NOT NULL REFERENCES organization_quotas(guid)
);
CREATE INDEX org_quota_assignments_quota ON org_quota_assignments(quota_guid);
CREATE TABLE space_quota_assignments (
  space_guid TEXT PRIMARY KEY REFERENCES spaces(guid) ON DELETE CASCADE,
  quota_guid TEXT NOT NULL REFERENCES space_quotas(guid)
);
CREATE INDEX space_quota_assignments_quota ON space_quota_assignments(quota_guid);
INSERT INTO organization_quotas (guid, name, created_at, updated_at) VALUES (
  lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
    substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
    substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
  'default', CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER));
INSERT INTO org_quota_assignments (org_guid, quota_guid)
  SELECT orgs.guid, q.guid FROM orgs, organization_quotas q WHERE q.name = 'default';
CREATE TRIGGER orgs_default_quota AFTER INSERT ON orgs BEGIN
  INSERT INTO org_quota_assignments (org_guid, quota_guid)
    SELECT NEW.guid, guid FROM organization_quotas WHERE name = 'default';
END;
)sql";

// Version 11: labels and annotations of every resource (CC v3 metadata), one row per
// resource with both maps as JSON objects. Triggers delete a resource's row with it, however
// it goes (its own delete, or a cascade from its app, domain, space...).
constexpr const char* kV11 = R"sql(
CREATE TABLE metadata (
  resource_type TEXT NOT NULL,
  guid TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  annotations TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (resource_type, guid)
);
CREATE TRIGGER metadata_apps AFTER DELETE ON apps BEGIN
  DELETE FROM metadata WHERE resource_type = 'app' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_processes AFTER DELETE ON processes BEGIN
  DELETE FROM metadata WHERE resource_type = 'process' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_packages AFTER DELETE ON packages BEGIN
  DELETE FROM metadata WHERE resource_type = 'package' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_builds AFTER DELETE ON builds BEGIN
  DELETE FROM metadata WHERE resource_type = 'build' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_droplets AFTER DELETE ON droplets BEGIN
  DELETE FROM metadata WHERE resource_type = 'droplet' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_routes AFTER DELETE ON routes BEGIN
  DELETE FROM metadata WHERE resource_type = 'route' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_domains AFTER DELETE ON domains BEGIN
  DELETE FROM metadata WHERE resource_type = 'domain' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_tasks AFTER DELETE ON tasks BEGIN
  DELETE FROM metadata WHERE resource_type = 'task' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_deployments AFTER DELETE ON deployments BEGIN
  DELETE FROM metadata WHERE resource_type = 'deployment' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_service_instances AFTER DELETE ON service_instances BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_instance' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_service_credential_bindings AFTER DELETE ON service_credential_bindings BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_credential_binding' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_buildpacks AFTER DELETE ON buildpacks BEGIN
  DELETE FROM metadata WHERE resource_type = 'buildpack' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_orgs AFTER DELETE ON orgs BEGIN
  DELETE FROM metadata WHERE resource_type = 'organization' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_spaces AFTER DELETE ON spaces BEGIN
  DELETE FROM metadata WHERE resource_type = 'space' AND guid = OLD.guid;
END;
)sql";

// OAuth clients for the client_credentials grant; lists are space-separated as UAA's scopes.
constexpr const char* kV12 = R"sql(
CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY NOT NULL,
  secret_hash TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  authorities TEXT NOT NULL DEFAULT '',
  grant_types TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql";

// Version 13: service brokers, their catalogs (offerings and plans) and plan visibility;
// managed service instances (plan, dashboard, last operation with the broker's operation so
// that polling resumes after a restart); bindings rebuilt so that service keys (type "key")
// have no app and bindings of managed instances keep their own credentials.
constexpr const char* kV13 = R"sql(
CREATE TABLE service_brokers (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  username TEXT NOT NULL,
  password TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE service_offerings (
  guid TEXT PRIMARY KEY NOT NULL,
  broker_guid TEXT NOT NULL REFERENCES service_brokers(guid) ON DELETE CASCADE,
  catalog_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  available INTEGER NOT NULL,
  bindable INTEGER NOT NULL,
  plan_updateable INTEGER NOT NULL,
  instances_retrievable INTEGER NOT NULL,
  bindings_retrievable INTEGER NOT NULL,
  tags TEXT NOT NULL,
  requires TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (broker_guid, catalog_id)
);
CREATE TABLE service_plans (
  guid TEXT PRIMARY KEY NOT NULL,
  offering_guid TEXT NOT NULL REFERENCES service_offerings(guid) ON DELETE CASCADE,
  catalog_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  available INTEGER NOT NULL,
  free INTEGER NOT NULL,
  bindable INTEGER,
  plan_updateable INTEGER,
  maximum_polling_duration INTEGER NOT NULL,
  schemas TEXT NOT NULL,
  metadata TEXT NOT NULL,
  maintenance_info TEXT NOT NULL,
  visibility TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (offering_guid, catalog_id)
);
CREATE TABLE service_plan_orgs (
  plan_guid TEXT NOT NULL REFERENCES service_plans(guid) ON DELETE CASCADE,
  org_guid TEXT NOT NULL REFERENCES orgs(guid) ON DELETE CASCADE,
  PRIMARY KEY (plan_guid, org_guid)
);
ALTER TABLE service_instances ADD COLUMN plan_guid TEXT NOT NULL DEFAULT '';
ALTER TABLE service_instances ADD COLUMN dashboard_url TEXT NOT NULL DEFAULT '';
ALTER TABLE service_instances ADD COLUMN op_type TEXT NOT NULL DEFAULT 'create';
ALTER TABLE service_instances ADD COLUMN op_state TEXT NOT NULL DEFAULT 'succeeded';
ALTER TABLE service_instances ADD COLUMN op_description TEXT NOT NULL DEFAULT '';
ALTER TABLE service_instances ADD COLUMN op_broker_operation TEXT NOT NULL DEFAULT '';
ALTER TABLE service_instances ADD COLUMN op_started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE service_instances ADD COLUMN op_plan_guid TEXT NOT NULL DEFAULT '';
CREATE INDEX service_instances_plan ON service_instances (plan_guid);
CREATE TABLE service_credential_bindings_v13 (
  guid TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  app_guid TEXT REFERENCES apps(guid) ON DELETE CASCADE,
  instance_guid TEXT NOT NULL REFERENCES service_instances(guid) ON DELETE RESTRICT,
  credentials TEXT NOT NULL DEFAULT '{}',
  syslog_drain_url TEXT NOT NULL DEFAULT '',
  volume_mounts TEXT NOT NULL DEFAULT '[]',
  op_type TEXT NOT NULL DEFAULT 'create',
  op_state TEXT NOT NULL DEFAULT 'succeeded',
  op_description TEXT NOT NULL DEFAULT '',
  op_broker_operation TEXT NOT NULL DEFAULT '',
  op_started_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO service_credential_bindings_v13
  (guid, name, type, app_guid, instance_guid, created_at, updated_at)
  SELECT guid, name, type, app_guid, instance_guid, created_at, updated_at
  FROM service_credential_bindings;
DROP TABLE service_credential_bindings;
ALTER TABLE service_credential_bindings_v13 RENAME TO service_credential_bindings;
CREATE UNIQUE INDEX service_bindings_app_instance
  ON service_credential_bindings (app_guid, instance_guid);
CREATE INDEX service_bindings_instance ON service_credential_bindings (instance_guid);
CREATE UNIQUE INDEX service_keys_instance_name
  ON service_credential_bindings (instance_guid, name) WHERE type = 'key';
CREATE TRIGGER metadata_service_credential_bindings AFTER DELETE ON service_credential_bindings BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_credential_binding' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_service_brokers AFTER DELETE ON service_brokers BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_broker' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_service_offerings AFTER DELETE ON service_offerings BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_offering' AND guid = OLD.guid;
END;
CREATE TRIGGER metadata_service_plans AFTER DELETE ON service_plans BEGIN
  DELETE FROM metadata WHERE resource_type = 'service_plan' AND guid = OLD.guid;
END;
)sql";

Result<int> userVersion(Db& db) {
  return first<int>(db.query("PRAGMA user_version"),
                    [](Stmt& row) -> Result<int> { return row.integer(0); },
                    "PRAGMA user_version returned no row");
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kSteps = {
      {1, kV1},
      {2, kV2},
      {3, kV3},
      {4, kV4},
      {5, kV5},
      {6, kV6},
      {7, kV7},
      {8, kV8},
      {9, kV9},
      {10, kV10},
      {11, kV11},
      {12, kV12},
      {13, kV13},
  };
  return kSteps;
}

int latestSchemaVersion() { return migrations().back().version; }

Status migrate(Db& db, const std::vector<Migration>& steps) {
  auto current = userVersion(db);
  if (!current.ok()) return current.takeError();
  int latest = steps.empty() ? 0 : steps.back().version;
  if (*current > latest) {
    return base::makeError(base::Errc::kInvalid,
                           "The database {} was written by a newer microcf (schema version {}; "
                           "this microcf knows up to {}). Run the newer microcf, or move the "
                           "data directory aside to start from scratch.",
                           db.path(), *current, latest);
  }
  for (const Migration& step : steps) {
    if (step.version <= *current) continue;
    auto txn = db.begin();
    if (!txn.ok()) return txn.takeError();
    // Another process on the same file may have migrated while we waited for the lock.
    auto now = userVersion(db);
    if (!now.ok()) return now.takeError();
    if (*now >= step.version) continue;
    auto applied = db.exec(step.sql);
    if (!applied.ok()) {
      return base::makeError(applied.error().code, "Upgrading the database {} to schema version "
                             "{} failed: {}", db.path(), step.version, applied.error().message);
    }
    // PRAGMA takes no parameters; the version is our own integer, not input.
    MCF_TRY(db.exec(fmt::format("PRAGMA user_version = {}", step.version)));
    MCF_TRY(txn->commit());
  }
  return {};
}

}  // namespace mcf::store
