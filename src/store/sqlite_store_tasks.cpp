// The tasks table: one-off commands of apps and the states the task runner moves them through.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

using base::Errc;

#define MCF_TASK_COLS                                                                         \
  "guid, app_guid, sequence_id, name, command, state, memory_in_mb, disk_in_mb, "           \
  "log_rate_limit_in_bytes_per_second, failure_reason, droplet_guid, created_at, updated_at"

namespace {

Result<model::Task> readTask(Stmt& row) {
  model::Task t;
  t.guid = row.text(0);
  t.app_guid = row.text(1);
  t.sequence_id = row.int64(2);
  t.name = row.text(3);
  t.command = row.text(4);
  auto state = decodeTaskState(row.text(5));
  if (!state.ok()) return state.takeError();
  t.state = *state;
  t.memory_in_mb = row.integer(6);
  t.disk_in_mb = row.integer(7);
  t.log_rate_limit_in_bytes_per_second = row.int64(8);
  t.failure_reason = row.text(9);
  t.droplet_guid = row.text(10);
  t.created_at = row.int64(11);
  t.updated_at = row.int64(12);
  return t;
}

}  // namespace

Result<model::Task> SqliteStore::createTask(model::Task t) {
  stamp(t.guid, t);
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto next = first<int64_t>(
      db_->query("SELECT COALESCE(MAX(sequence_id), 0) + 1 FROM tasks WHERE app_guid = ?",
                 t.app_guid),
      [](Stmt& row) -> Result<int64_t> { return row.int64(0); }, "no sequence id");
  if (!next.ok()) return next.takeError();
  t.sequence_id = *next;
  Status ran = db_->run(
      "INSERT INTO tasks (" MCF_TASK_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      t.guid, t.app_guid, t.sequence_id, t.name, t.command, model::toString(t.state),
      t.memory_in_mb, t.disk_in_mb, t.log_rate_limit_in_bytes_per_second, t.failure_reason,
      t.droplet_guid, t.created_at, t.updated_at);
  MCF_TRY(remap(std::move(ran), Errc::kInvalid, kInvalidApp));
  MCF_TRY(txn->commit());
  return t;
}

Result<model::Task> SqliteStore::getTask(const std::string& guid) {
  return first<model::Task>(
      db_->query("SELECT " MCF_TASK_COLS " FROM tasks WHERE guid = ?", guid), readTask,
      "Task not found");
}

Result<std::vector<model::Task>> SqliteStore::listTasks(const std::string& app_guid) {
  return collect<model::Task>(
      db_->query("SELECT " MCF_TASK_COLS " FROM tasks WHERE (?1 = '' OR app_guid = ?1) "
                 "ORDER BY created_at, app_guid, sequence_id",
                 app_guid),
      readTask);
}

Result<std::vector<model::Task>> SqliteStore::listTasksInState(model::TaskState state) {
  return collect<model::Task>(
      db_->query("SELECT " MCF_TASK_COLS " FROM tasks WHERE state = ? "
                 "ORDER BY created_at, app_guid, sequence_id",
                 model::toString(state)),
      readTask);
}

Status SqliteStore::updateTask(const model::Task& t) {
  return requireChanged(
      db_->run("UPDATE tasks SET name = ?, command = ?, state = ?, memory_in_mb = ?, "
               "disk_in_mb = ?, log_rate_limit_in_bytes_per_second = ?, failure_reason = ?, "
               "updated_at = ? WHERE guid = ?",
               t.name, t.command, model::toString(t.state), t.memory_in_mb, t.disk_in_mb,
               t.log_rate_limit_in_bytes_per_second, t.failure_reason, now(), t.guid),
      "Task not found");
}

}  // namespace mcf::store
