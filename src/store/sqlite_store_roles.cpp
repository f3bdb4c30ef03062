// The roles table: org and space roles of users.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

using base::Errc;

#define MCF_ROLE_COLS "guid, type, user_guid, org_guid, space_guid, created_at, updated_at"

namespace {

Result<model::Role> readRole(Stmt& row) {
  model::Role role;
  role.guid = row.text(0);
  auto type = model::roleTypeFrom(row.text(1));
  if (!type)
    return base::makeError(Errc::kIo, "roles.type holds '{}', which is not a role type",
                           row.text(1));
  role.type = *type;
  role.user_guid = row.text(2);
  role.org_guid = row.text(3);
  role.space_guid = row.text(4);
  role.created_at = row.int64(5);
  role.updated_at = row.int64(6);
  return role;
}

}  // namespace

Result<model::Role> SqliteStore::createRole(model::Role role) {
  stamp(role.guid, role);
  if (model::isSpaceRole(role.type)) {
    auto space = getSpace(role.space_guid);
    if (!space.ok())
      return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and "
                                             "you have access to it.");
    role.org_guid = space->org_guid;
  } else {
    role.space_guid.clear();
    if (!getOrg(role.org_guid).ok())
      return base::makeError(Errc::kInvalid, "Invalid organization. Ensure that the "
                                             "organization exists and you have access to it.");
  }
  if (!getUser(role.user_guid).ok())
    return base::makeError(Errc::kInvalid, "Invalid user. Ensure that the user exists and you "
                                           "have access to it.");
  Status ran = db_->run("INSERT INTO roles (" MCF_ROLE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                        role.guid, model::toString(role.type), role.user_guid, role.org_guid,
                        role.space_guid, role.created_at, role.updated_at);
  MCF_TRY(remap(std::move(ran), Errc::kConflict,
                fmt::format("The user already has the {} role here.", model::toString(role.type))));
  return role;
}

Result<model::Role> SqliteStore::getRole(const std::string& guid) {
  return first<model::Role>(db_->query("SELECT " MCF_ROLE_COLS " FROM roles WHERE guid = ?", guid),
                            readRole, "Role not found");
}

Result<std::vector<model::Role>> SqliteStore::listRoles(const RoleFilter& f) {
  return collect<model::Role>(
      db_->query("SELECT " MCF_ROLE_COLS " FROM roles WHERE "
                 "(?1 IS NULL OR guid IN (SELECT value FROM json_each(?1))) AND "
                 "(?2 IS NULL OR type IN (SELECT value FROM json_each(?2))) AND "
                 "(?3 IS NULL OR user_guid IN (SELECT value FROM json_each(?3))) AND "
                 "(?4 IS NULL OR org_guid IN (SELECT value FROM json_each(?4))) AND "
                 "(?5 IS NULL OR space_guid IN (SELECT value FROM json_each(?5))) "
                 "ORDER BY created_at, rowid",
                 anyOf(f.guids), anyOf(f.types), anyOf(f.user_guids), anyOf(f.org_guids),
                 anyOf(f.space_guids)),
      readRole);
}

Status SqliteStore::deleteRole(const std::string& guid) {
  return requireChanged(db_->run("DELETE FROM roles WHERE guid = ?", guid), "Role not found");
}

#undef MCF_ROLE_COLS

}  // namespace mcf::store
