// The organization_quotas and space_quotas tables and which org or space each applies to.
#include <string>

#include "store/sqlite_store.h"

namespace mcf::store {

using base::Errc;
using model::QuotaKind;

namespace {

#define MCF_QUOTA_COLS                                                                        \
  "guid, name, total_memory_in_mb, per_process_memory_in_mb, total_instances, per_app_tasks, " \
  "log_rate_limit_in_bytes_per_second, paid_services_allowed, total_service_instances, "      \
  "total_service_keys, total_routes, total_reserved_ports, total_domains, created_at, "       \
  "updated_at"

// The SQL of one kind; the table names are fixed text, never input.
struct QuotaSql {
  std::string insert, get, list, update, del, applied_to, applied, apply, remove;
  const char* not_found;
  const char* what;  // "Organization Quota" / "Space Quota"
};

QuotaSql makeSql(bool org) {
  std::string table = org ? "organization_quotas" : "space_quotas";
  std::string assign = org ? "org_quota_assignments" : "space_quota_assignments";
  std::string target = org ? "org_guid" : "space_guid";
  std::string cols = MCF_QUOTA_COLS ", org_guid";
  if (org) cols = MCF_QUOTA_COLS ", ''";
  QuotaSql s;
  s.insert = "INSERT INTO " + table + " (" MCF_QUOTA_COLS + std::string(org ? "" : ", org_guid") +
             ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?" + (org ? "" : ", ?") + ")";
  s.get = "SELECT " + cols + " FROM " + table + " WHERE guid = ?";
  s.list = "SELECT " + cols + " FROM " + table + " ORDER BY name, created_at";
  s.update = "UPDATE " + table +
             " SET name = ?, total_memory_in_mb = ?, per_process_memory_in_mb = ?, "
             "total_instances = ?, per_app_tasks = ?, log_rate_limit_in_bytes_per_second = ?, "
             "paid_services_allowed = ?, total_service_instances = ?, total_service_keys = ?, "
             "total_routes = ?, total_reserved_ports = ?, total_domains = ?, updated_at = ? "
             "WHERE guid = ?";
  s.del = "DELETE FROM " + table + " WHERE guid = ?";
  s.applied_to = "SELECT " + target + " FROM " + assign + " WHERE quota_guid = ? ORDER BY " + target;
  s.applied = "SELECT quota_guid FROM " + assign + " WHERE " + target + " = ?";
  s.apply = "INSERT INTO " + assign + " (" + target + ", quota_guid) VALUES (?, ?) ON CONFLICT (" +
            target + ") DO UPDATE SET quota_guid = excluded.quota_guid";
  s.remove = "DELETE FROM " + assign + " WHERE " + target + " = ? AND quota_guid = ?";
  s.not_found = org ? "Organization quota not found" : "Space quota not found";
  s.what = org ? "Organization Quota" : "Space Quota";
  return s;
}

const QuotaSql& sql(QuotaKind kind) {
  static const QuotaSql kOrg = makeSql(true);
  static const QuotaSql kSpace = makeSql(false);
  return kind == QuotaKind::kOrg ? kOrg : kSpace;
}

std::optional<int64_t> optInt64(Stmt& row, int col) {
  if (row.isNull(col)) return std::nullopt;
  return row.int64(col);
}

Result<model::Quota> readQuota(Stmt& row) {
  model::Quota q;
  q.guid = row.text(0);
  q.name = row.text(1);
  q.limits.total_memory_in_mb = optInt64(row, 2);
  q.limits.per_process_memory_in_mb = optInt64(row, 3);
  q.limits.total_instances = optInt64(row, 4);
  q.limits.per_app_tasks = optInt64(row, 5);
  q.limits.log_rate_limit_in_bytes_per_second = optInt64(row, 6);
  q.limits.paid_services_allowed = row.boolean(7);
  q.limits.total_service_instances = optInt64(row, 8);
  q.limits.total_service_keys = optInt64(row, 9);
  q.limits.total_routes = optInt64(row, 10);
  q.limits.total_reserved_ports = optInt64(row, 11);
  q.limits.total_domains = optInt64(row, 12);
  q.created_at = row.int64(13);
  q.updated_at = row.int64(14);
  q.org_guid = row.text(15);
  return q;
}

Result<std::string> readText(Stmt& row) { return row.text(0); }

}  // namespace

Result<model::Quota> SqliteStore::createQuota(QuotaKind kind, model::Quota q) {
  stamp(q.guid, q);
  q.applied_to.clear();
  const auto& l = q.limits;
  const QuotaSql& s = sql(kind);
  Status ran = kind == QuotaKind::kOrg
      ? db_->run(s.insert.c_str(), q.guid, q.name, l.total_memory_in_mb,
                 l.per_process_memory_in_mb, l.total_instances, l.per_app_tasks,
                 l.log_rate_limit_in_bytes_per_second, l.paid_services_allowed,
                 l.total_service_instances, l.total_service_keys, l.total_routes,
                 l.total_reserved_ports, l.total_domains, q.created_at, q.updated_at)
      : db_->run(s.insert.c_str(), q.guid, q.name, l.total_memory_in_mb,
                 l.per_process_memory_in_mb, l.total_instances, l.per_app_tasks,
                 l.log_rate_limit_in_bytes_per_second, l.paid_services_allowed,
                 l.total_service_instances, l.total_service_keys, l.total_routes,
                 l.total_reserved_ports, l.total_domains, q.created_at, q.updated_at,
                 q.org_guid);
  if (!ran.ok() && ran.error().code == Errc::kInvalid && kind == QuotaKind::kSpace)
    return base::Error{Errc::kInvalid, "Organization not found"};
  MCF_TRY(remap(std::move(ran), Errc::kConflict,
                fmt::format("{} '{}' already exists.", s.what, q.name)));
  return q;
}

Result<model::Quota> SqliteStore::getQuota(QuotaKind kind, const std::string& guid) {
  const QuotaSql& s = sql(kind);
  auto q = first<model::Quota>(db_->query(s.get.c_str(), guid), readQuota, s.not_found);
  if (!q.ok()) return q;
  auto applied = collect<std::string>(db_->query(s.applied_to.c_str(), guid), readText);
  if (!applied.ok()) return applied.takeError();
  q->applied_to = std::move(*applied);
  return q;
}

Result<std::vector<model::Quota>> SqliteStore::listQuotas(QuotaKind kind) {
  const QuotaSql& s = sql(kind);
  auto all = collect<model::Quota>(db_->query(s.list.c_str()), readQuota);
  if (!all.ok()) return all;
  for (auto& q : *all) {
    auto applied = collect<std::string>(db_->query(s.applied_to.c_str(), q.guid), readText);
    if (!applied.ok()) return applied.takeError();
    q.applied_to = std::move(*applied);
  }
  return all;
}

Status SqliteStore::updateQuota(QuotaKind kind, const model::Quota& q) {
  const auto& l = q.limits;
  const QuotaSql& s = sql(kind);
  Status ran = db_->run(s.update.c_str(), q.name, l.total_memory_in_mb,
                        l.per_process_memory_in_mb, l.total_instances, l.per_app_tasks,
                        l.log_rate_limit_in_bytes_per_second, l.paid_services_allowed,
                        l.total_service_instances, l.total_service_keys, l.total_routes,
                        l.total_reserved_ports, l.total_domains, now(), q.guid);
  return requireChanged(remap(std::move(ran), Errc::kConflict,
                              fmt::format("{} '{}' already exists.", s.what, q.name)),
                        s.not_found);
}

Status SqliteStore::deleteQuota(QuotaKind kind, const std::string& guid) {
  const QuotaSql& s = sql(kind);
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  auto applied = collect<std::string>(db_->query(s.applied_to.c_str(), guid), readText);
  if (!applied.ok()) return applied.takeError();
  if (!applied->empty()) {
    return base::Error{Errc::kInvalid,
                       kind == QuotaKind::kOrg
                           ? "This quota is applied to one or more organizations. Remove this "
                             "quota from all organizations before deleting."
                           : "This quota is applied to one or more spaces. Remove this quota "
                             "from all spaces before deleting."};
  }
  MCF_TRY(requireChanged(db_->run(s.del.c_str(), guid), s.not_found));
  return txn->commit();
}

Result<std::optional<std::string>> SqliteStore::appliedQuota(QuotaKind kind,
                                                             const std::string& target_guid) {
  auto stmt = db_->query(sql(kind).applied.c_str(), target_guid);
  if (!stmt.ok()) return stmt.takeError();
  auto row = stmt->step();
  if (!row.ok()) return row.takeError();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

Status SqliteStore::applyQuota(QuotaKind kind, const std::string& quota_guid,
                               const std::string& target_guid) {
  Status ran = db_->run(sql(kind).apply.c_str(), target_guid, quota_guid);
  if (!ran.ok() && ran.error().code == Errc::kInvalid) {
    return base::Error{Errc::kNotFound, kind == QuotaKind::kOrg
                                            ? "Organization or organization quota not found"
                                            : "Space or space quota not found"};
  }
  return ran;
}

Status SqliteStore::removeQuota(QuotaKind kind, const std::string& quota_guid,
                                const std::string& target_guid) {
  return requireChanged(db_->run(sql(kind).remove.c_str(), target_guid, quota_guid),
                        "The quota is not applied to this space");
}

}  // namespace mcf::store
