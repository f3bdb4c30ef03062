// The route and route destination tables.
#include "store/sqlite_store.h"

#include "base/ids.h"

namespace mcf::store {

using base::Errc;

#define MCF_ROUTE_COLS \
  "guid, host, path, domain_guid, space_guid, created_at, updated_at, loadbalancing"
#define MCF_DEST_COLS "guid, route_guid, app_guid, process_type, port, protocol"

namespace {

Result<model::Route> readRoute(Stmt& row) {
  model::Route r;
  r.guid = row.text(0);
  r.host = row.text(1);
  r.path = row.text(2);
  r.domain_guid = row.text(3);
  r.space_guid = row.text(4);
  r.created_at = row.int64(5);
  r.updated_at = row.int64(6);
  r.loadbalancing = row.text(7);
  return r;
}

Result<model::RouteDestination> readDestination(Stmt& row) {
  model::RouteDestination d;
  d.guid = row.text(0);
  d.route_guid = row.text(1);
  d.app_guid = row.text(2);
  d.process_type = row.text(3);
  d.port = row.integer(4);
  d.protocol = row.text(5);
  return d;
}

// Cloud Controller's wording for a taken route.
std::string routeTaken(const model::Route& r, const std::string& domain_name) {
  std::string path = r.path.empty() ? "" : fmt::format(" and path '{}'", r.path);
  if (r.host.empty()) return fmt::format("Route already exists{} for domain '{}'.", path, domain_name);
  return fmt::format("Route already exists with host '{}'{} for domain '{}'.", r.host, path,
                     domain_name);
}

}  // namespace

// ---- Routes

Result<model::Route> SqliteStore::createRoute(model::Route route) {
  stamp(route.guid, route);
  Status ran = db_->run("INSERT INTO routes (" MCF_ROUTE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        route.guid, route.host, route.path, route.domain_guid, route.space_guid,
                        route.created_at, route.updated_at, route.loadbalancing);
  if (!ran.ok() && ran.error().code == Errc::kConflict &&
      !ran.error().message.starts_with(kDuplicateGuid)) {
    auto domain = getDomain(route.domain_guid);
    return base::Error{Errc::kConflict,
                       routeTaken(route, domain.ok() ? domain->name : route.domain_guid)};
  }
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid domain or space. Ensure that both exist and you have access to them."));
  return route;
}

Result<model::Route> SqliteStore::getRoute(const std::string& guid) {
  return first<model::Route>(
      db_->query("SELECT " MCF_ROUTE_COLS " FROM routes WHERE guid = ?", guid), readRoute,
      "Route not found");
}

Result<model::Route> SqliteStore::findRoute(const std::string& host, const std::string& domain_guid,
                                            const std::string& path) {
  return first<model::Route>(
      db_->query("SELECT " MCF_ROUTE_COLS " FROM routes "
                 "WHERE host = ? AND domain_guid = ? AND path = ?",
                 host, domain_guid, path),
      readRoute, "Route not found");
}

Result<std::vector<model::Route>> SqliteStore::listRoutes(const std::string& space_guid) {
  return collect<model::Route>(
      db_->query("SELECT " MCF_ROUTE_COLS " FROM routes WHERE (?1 = '' OR space_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 space_guid),
      readRoute);
}

Status SqliteStore::deleteRoute(const std::string& guid) {
  auto txn = db_->begin();
  if (!txn.ok()) return txn.takeError();
  MCF_TRY(db_->run("DELETE FROM route_destinations WHERE route_guid = ?", guid));
  MCF_TRY(requireChanged(db_->run("DELETE FROM routes WHERE guid = ?", guid), "Route not found"));
  return txn->commit();
}

Status SqliteStore::updateRoute(const model::Route& route) {
  return requireChanged(db_->run("UPDATE routes SET loadbalancing = ?, updated_at = ? "
                                 "WHERE guid = ?",
                                 route.loadbalancing, now(), route.guid),
                        "Route not found");
}

// ---- Destinations

Result<model::RouteDestination> SqliteStore::addDestination(model::RouteDestination d) {
  if (d.guid.empty()) d.guid = base::newGuid();
  Status ran = db_->run("INSERT INTO route_destinations (" MCF_DEST_COLS ") VALUES (?, ?, ?, ?, ?, ?)",
                        d.guid, d.route_guid, d.app_guid, d.process_type, d.port, d.protocol);
  MCF_TRY(remap(std::move(ran), Errc::kInvalid,
                "Invalid route or app. Ensure that both exist and you have access to them."));
  return d;
}

Status SqliteStore::removeDestination(const std::string& guid) {
  return requireChanged(db_->run("DELETE FROM route_destinations WHERE guid = ?", guid),
                        "Destination not found");
}

Result<std::vector<model::RouteDestination>> SqliteStore::listDestinations(
    const std::string& route_guid) {
  return collect<model::RouteDestination>(
      db_->query("SELECT " MCF_DEST_COLS " FROM route_destinations "
                 "WHERE (?1 = '' OR route_guid = ?1) ORDER BY rowid",
                 route_guid),
      readDestination);
}

Result<std::vector<model::RouteDestination>> SqliteStore::listDestinationsForApp(
    const std::string& app_guid) {
  return collect<model::RouteDestination>(
      db_->query("SELECT " MCF_DEST_COLS " FROM route_destinations WHERE app_guid = ? "
                 "ORDER BY rowid",
                 app_guid),
      readDestination);
}

#undef MCF_ROUTE_COLS
#undef MCF_DEST_COLS

}  // namespace mcf::store
