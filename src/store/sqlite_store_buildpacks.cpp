// The buildpacks table: admin buildpacks in detection order (positions 1..N, no gaps).
#include "store/sqlite_store.h"

namespace mcf::store {

using base::Errc;

#define MCF_BP_COLS \
  "guid, name, stack, position, enabled, locked, ready, filename, path, created_at, updated_at"

namespace {

constexpr const char* kBuildpackNotFound = "Buildpack not found";

Result<model::Buildpack> readBuildpack(Stmt& row) {
  model::Buildpack bp;
  bp.guid = row.text(0);
  bp.name = row.text(1);
  bp.stack = row.text(2);
  bp.position = row.integer(3);
  bp.enabled = row.integer(4) != 0;
  bp.locked = row.integer(5) != 0;
  bp.ready = row.integer(6) != 0;
  bp.filename = row.text(7);
  bp.path = row.text(8);
  bp.created_at = row.int64(9);
  bp.updated_at = row.int64(10);
  return bp;
}

// Cloud Controller's wording for a taken (name, stack).
std::string buildpackTaken(const model::Buildpack& bp) {
  if (bp.stack.empty())
    return fmt::format("Buildpack with name '{}' and an unassigned stack already exists", bp.name);
  return fmt::format("Buildpack with name '{}' and stack '{}' already exists", bp.name, bp.stack);
}

}  // namespace

Result<model::Buildpack> SqliteStore::createBuildpack(model::Buildpack bp) {
  stamp(bp.guid, bp);
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto all = listBuildpacks();
  if (!all.ok()) return all.takeError();
  int count = static_cast<int>(all->size());
  if (bp.position <= 0 || bp.position > count + 1) bp.position = count + 1;
  MCF_TRY(db_->run("UPDATE buildpacks SET position = position + 1 WHERE position >= ?",
                   bp.position));
  Status ran = db_->run("INSERT INTO buildpacks (" MCF_BP_COLS
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        bp.guid, bp.name, bp.stack, bp.position, bp.enabled, bp.locked, bp.ready,
                        bp.filename, bp.path, bp.created_at, bp.updated_at);
  MCF_TRY(remap(std::move(ran), Errc::kConflict, buildpackTaken(bp)));
  MCF_TRY(txn->commit());
  return bp;
}

Result<model::Buildpack> SqliteStore::getBuildpack(const std::string& guid) {
  return first<model::Buildpack>(
      db_->query("SELECT " MCF_BP_COLS " FROM buildpacks WHERE guid = ?", guid), readBuildpack,
      kBuildpackNotFound);
}

Result<std::vector<model::Buildpack>> SqliteStore::listBuildpacks() {
  return collect<model::Buildpack>(
      db_->query("SELECT " MCF_BP_COLS " FROM buildpacks ORDER BY position, created_at"),
      readBuildpack);
}

Status SqliteStore::updateBuildpack(const model::Buildpack& bp) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto old = getBuildpack(bp.guid);
  if (!old.ok()) return old.takeError();
  auto all = listBuildpacks();
  if (!all.ok()) return all.takeError();
  int count = static_cast<int>(all->size());
  int to = bp.position <= 0 || bp.position > count ? count : bp.position;
  int from = old->position;
  if (to < from) {
    MCF_TRY(db_->run("UPDATE buildpacks SET position = position + 1 "
                     "WHERE position >= ? AND position < ?", to, from));
  } else if (to > from) {
    MCF_TRY(db_->run("UPDATE buildpacks SET position = position - 1 "
                     "WHERE position > ? AND position <= ?", from, to));
  }
  Status ran = db_->run(
      "UPDATE buildpacks SET name = ?, stack = ?, position = ?, enabled = ?, locked = ?, "
      "ready = ?, filename = ?, path = ?, updated_at = ? WHERE guid = ?",
      bp.name, bp.stack, to, bp.enabled, bp.locked, bp.ready, bp.filename, bp.path, now(),
      bp.guid);
  MCF_TRY(requireChanged(remap(std::move(ran), Errc::kConflict, buildpackTaken(bp)),
                         kBuildpackNotFound));
  return txn->commit();
}

Status SqliteStore::deleteBuildpack(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto old = getBuildpack(guid);
  if (!old.ok()) return old.takeError();
  MCF_TRY(db_->run("DELETE FROM buildpacks WHERE guid = ?", guid));
  MCF_TRY(db_->run("UPDATE buildpacks SET position = position - 1 WHERE position > ?",
                   old->position));
  return txn->commit();
}

}  // namespace mcf::store
