// Store::open, appRouteUrls, and the organization, space, user, domain and setting tables.
#include "store/sqlite_store.h"

#include <set>

#include "base/ids.h"
#include "store/schema.h"

namespace mcf::store {

using base::Errc;

std::vector<std::string> appRouteUrls(Store& store, const std::string& app_guid) {
  std::vector<std::string> urls;
  auto dests = store.listDestinationsForApp(app_guid);
  if (!dests.ok()) return urls;
  std::set<std::string> seen;
  for (const auto& d : *dests) {
    if (!seen.insert(d.route_guid).second) continue;
    auto route = store.getRoute(d.route_guid);
    if (!route.ok()) continue;
    auto domain = store.getDomain(route->domain_guid);
    if (domain.ok()) urls.push_back(model::routeUrl(*route, domain->name));
  }
  return urls;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  auto db = Db::open(path);
  if (!db.ok()) return db.takeError();
  MCF_TRY(migrate(**db));
  return std::unique_ptr<Store>(new SqliteStore(std::move(*db)));
}

void SqliteStore::stamp(std::string& guid, model::Stamps& stamps) const {
  if (guid.empty()) guid = base::newGuid();
  if (stamps.created_at == 0) stamps.created_at = now();
  if (stamps.updated_at == 0) stamps.updated_at = stamps.created_at;
}

Status SqliteStore::requireChanged(Status ran, const char* not_found) const {
  if (!ran.ok()) return ran;
  if (db_->changes() == 0) return base::Error{Errc::kNotFound, not_found};
  return {};
}

Status SqliteStore::remap(Status ran, Errc code, std::string message) {
  if (ran.ok() || ran.error().code != code) return ran;
  if (ran.error().message.starts_with(kDuplicateGuid)) return ran;
  return base::Error{code, std::move(message)};
}

// ---- Orgs

namespace {

Result<model::Org> readOrg(Stmt& row) {
  model::Org org;
  org.guid = row.text(0);
  org.name = row.text(1);
  org.created_at = row.int64(2);
  org.updated_at = row.int64(3);
  return org;
}

}  // namespace

Result<model::Org> SqliteStore::createOrg(model::Org org) {
  stamp(org.guid, org);
  MCF_TRY(remap(db_->run("INSERT INTO orgs (guid, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                         org.guid, org.name, org.created_at, org.updated_at),
                Errc::kConflict, fmt::format("Organization '{}' already exists.", org.name)));
  return org;
}

Result<model::Org> SqliteStore::getOrg(const std::string& guid) {
  return first<model::Org>(
      db_->query("SELECT guid, name, created_at, updated_at FROM orgs WHERE guid = ?", guid),
      readOrg, "Organization not found");
}

Result<model::Org> SqliteStore::findOrgByName(const std::string& name) {
  return first<model::Org>(
      db_->query("SELECT guid, name, created_at, updated_at FROM orgs WHERE name = ?", name),
      readOrg, "Organization not found");
}

Result<std::vector<model::Org>> SqliteStore::listOrgs() {
  return collect<model::Org>(
      db_->query("SELECT guid, name, created_at, updated_at FROM orgs ORDER BY name, rowid"),
      readOrg);
}

// ---- Spaces

namespace {

Result<model::Space> readSpace(Stmt& row) {
  model::Space space;
  space.guid = row.text(0);
  space.name = row.text(1);
  space.org_guid = row.text(2);
  space.created_at = row.int64(3);
  space.updated_at = row.int64(4);
  return space;
}

}  // namespace

Result<model::Space> SqliteStore::createSpace(model::Space space) {
  stamp(space.guid, space);
  Status ran = db_->run(
      "INSERT INTO spaces (guid, name, org_guid, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
      space.guid, space.name, space.org_guid, space.created_at, space.updated_at);
  ran = remap(std::move(ran), Errc::kConflict,
              fmt::format("Name must be unique per organization: the space '{}' exists already.",
                          space.name));
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid organization. Ensure the organization exists and you have access to it."));
  return space;
}

Result<model::Space> SqliteStore::getSpace(const std::string& guid) {
  return first<model::Space>(
      db_->query("SELECT guid, name, org_guid, created_at, updated_at FROM spaces WHERE guid = ?",
                 guid),
      readSpace, "Space not found");
}

Result<model::Space> SqliteStore::findSpaceByName(const std::string& org_guid,
                                                  const std::string& name) {
  return first<model::Space>(
      db_->query("SELECT guid, name, org_guid, created_at, updated_at FROM spaces "
                 "WHERE org_guid = ? AND name = ?",
                 org_guid, name),
      readSpace, "Space not found");
}

Result<std::vector<model::Space>> SqliteStore::listSpaces() {
  return collect<model::Space>(
      db_->query("SELECT guid, name, org_guid, created_at, updated_at FROM spaces "
                 "ORDER BY name, rowid"),
      readSpace);
}

// ---- Users

// Column lists are macros so that each statement stays one constant string.
#define MCF_USER_COLS \
  "guid, username, email, origin, password_hash, admin, created_at, updated_at, global_scope"

namespace {

Result<model::User> readUser(Stmt& row) {
  model::User user;
  user.guid = row.text(0);
  user.username = row.text(1);
  user.email = row.text(2);
  user.origin = row.text(3);
  user.password_hash = row.text(4);
  user.admin = row.boolean(5);
  user.created_at = row.int64(6);
  user.updated_at = row.int64(7);
  user.global_scope = row.text(8);
  return user;
}

}  // namespace

Result<model::User> SqliteStore::createUser(model::User user) {
  stamp(user.guid, user);
  MCF_TRY(remap(db_->run("INSERT INTO users (" MCF_USER_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         user.guid, user.username, user.email, user.origin, user.password_hash,
                         user.admin, user.created_at, user.updated_at, user.global_scope),
                Errc::kConflict, fmt::format("The username '{}' is already taken.", user.username)));
  return user;
}

Result<model::User> SqliteStore::getUser(const std::string& guid) {
  return first<model::User>(db_->query("SELECT " MCF_USER_COLS " FROM users WHERE guid = ?", guid),
                            readUser, "User not found");
}

Result<model::User> SqliteStore::findUserByName(const std::string& username) {
  return first<model::User>(
      db_->query("SELECT " MCF_USER_COLS " FROM users WHERE username = ?", username), readUser,
      "User not found");
}

Status SqliteStore::updateUser(const model::User& user) {
  Status ran = db_->run(
      "UPDATE users SET username = ?, email = ?, origin = ?, password_hash = ?, admin = ?, "
      "global_scope = ?, updated_at = ? WHERE guid = ?",
      user.username, user.email, user.origin, user.password_hash, user.admin, user.global_scope,
      now(), user.guid);
  ran = remap(std::move(ran), Errc::kConflict,
              fmt::format("The username '{}' is already taken.", user.username));
  return requireChanged(std::move(ran), "User not found");
}

Result<std::vector<model::User>> SqliteStore::listUsers() {
  return collect<model::User>(
      db_->query("SELECT " MCF_USER_COLS " FROM users ORDER BY username, rowid"), readUser);
}

Status SqliteStore::deleteUser(const std::string& guid) {
  // The user's roles go with it (ON DELETE CASCADE, and explicitly for connections that
  // run without foreign keys).
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  MCF_TRY(db_->run("DELETE FROM roles WHERE user_guid = ?", guid));
  MCF_TRY(requireChanged(db_->run("DELETE FROM users WHERE guid = ?", guid), "User not found"));
  return txn->commit();
}

#undef MCF_USER_COLS

// ---- Domains

namespace {

Result<model::Domain> readDomain(Stmt& row) {
  model::Domain domain;
  domain.guid = row.text(0);
  domain.name = row.text(1);
  domain.internal = row.boolean(2);
  domain.created_at = row.int64(3);
  domain.updated_at = row.int64(4);
  domain.org_guid = row.text(5);
  return domain;
}

}  // namespace

Result<model::Domain> SqliteStore::createDomain(model::Domain domain) {
  stamp(domain.guid, domain);
  MCF_TRY(remap(
      db_->run("INSERT INTO domains (guid, name, internal, created_at, updated_at, org_guid) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               domain.guid, domain.name, domain.internal, domain.created_at, domain.updated_at,
               domain.org_guid),
      Errc::kConflict, fmt::format("The domain name \"{}\" is already in use.", domain.name)));
  return domain;
}

Result<model::Domain> SqliteStore::getDomain(const std::string& guid) {
  return first<model::Domain>(
      db_->query("SELECT guid, name, internal, created_at, updated_at, org_guid FROM domains WHERE guid = ?",
                 guid),
      readDomain, "Domain not found");
}

Result<model::Domain> SqliteStore::findDomainByName(const std::string& name) {
  return first<model::Domain>(
      db_->query("SELECT guid, name, internal, created_at, updated_at, org_guid FROM domains WHERE name = ?",
                 name),
      readDomain, "Domain not found");
}

Result<std::vector<model::Domain>> SqliteStore::listDomains() {
  return collect<model::Domain>(
      db_->query("SELECT guid, name, internal, created_at, updated_at, org_guid FROM domains "
                 "ORDER BY created_at, rowid"),
      readDomain);
}

Status SqliteStore::deleteDomain(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  MCF_TRY(db_->run("DELETE FROM route_destinations WHERE route_guid IN "
                   "(SELECT guid FROM routes WHERE domain_guid = ?)",
                   guid));
  MCF_TRY(db_->run("DELETE FROM routes WHERE domain_guid = ?", guid));
  MCF_TRY(requireChanged(db_->run("DELETE FROM domains WHERE guid = ?", guid), "Domain not found"));
  return txn->commit();
}

// ---- Settings

Result<std::optional<std::string>> SqliteStore::getSetting(const std::string& key) {
  auto stmt = db_->query("SELECT value FROM settings WHERE key = ?", key);
  if (!stmt.ok()) return stmt.takeError();
  auto row = stmt->step();
  if (!row.ok()) return row.takeError();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

Status SqliteStore::setSetting(const std::string& key, const std::string& value) {
  return db_->run(
      "INSERT INTO settings (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key, value);
}

}  // namespace mcf::store
