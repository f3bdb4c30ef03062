// The audit events table.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

#define MCF_EVENT_COLS                                                                       \
  "guid, type, actor_guid, actor_type, actor_name, target_guid, target_type, target_name, " \
  "space_guid, org_guid, data, created_at, updated_at"

namespace {

Result<model::AuditEvent> readEvent(Stmt& row) {
  model::AuditEvent e;
  e.guid = row.text(0);
  e.type = row.text(1);
  e.actor_guid = row.text(2);
  e.actor_type = row.text(3);
  e.actor_name = row.text(4);
  e.target_guid = row.text(5);
  e.target_type = row.text(6);
  e.target_name = row.text(7);
  e.space_guid = row.text(8);
  e.org_guid = row.text(9);
  e.data = row.text(10);
  e.created_at = row.int64(11);
  e.updated_at = row.int64(12);
  return e;
}


}  // namespace

Result<model::AuditEvent> SqliteStore::createEvent(model::AuditEvent e) {
  stamp(e.guid, e);
  if (e.data.empty()) e.data = "{}";
  MCF_TRY(db_->run("INSERT INTO events (" MCF_EVENT_COLS ") "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   e.guid, e.type, e.actor_guid, e.actor_type, e.actor_name, e.target_guid,
                   e.target_type, e.target_name, e.space_guid, e.org_guid, e.data, e.created_at,
                   e.updated_at));
  return e;
}

Result<model::AuditEvent> SqliteStore::getEvent(const std::string& guid) {
  return first<model::AuditEvent>(
      db_->query("SELECT " MCF_EVENT_COLS " FROM events WHERE guid = ?", guid), readEvent,
      "Event not found");
}

Result<std::vector<model::AuditEvent>> SqliteStore::listEvents(const EventFilter& filter) {
  return collect<model::AuditEvent>(
      db_->query("SELECT " MCF_EVENT_COLS " FROM events WHERE "
                 "(?1 IS NULL OR type IN (SELECT value FROM json_each(?1))) AND "
                 "(?2 IS NULL OR target_guid IN (SELECT value FROM json_each(?2))) AND "
                 "(?3 IS NULL OR space_guid IN (SELECT value FROM json_each(?3))) "
                 "ORDER BY created_at, rowid",
                 anyOf(filter.types), anyOf(filter.target_guids), anyOf(filter.space_guids)),
      readEvent);
}

#undef MCF_EVENT_COLS

}  // namespace mcf::store
