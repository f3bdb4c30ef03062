// The package, build and droplet tables: what staging reads and writes.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

using base::Errc;

// Column lists are macros so that each statement stays one constant string.
#define MCF_PACKAGE_COLS \
  "guid, app_guid, type, state, checksum_sha256, blob_key, error, created_at, updated_at, " \
  "content_digest"

#define MCF_BUILD_COLS                                                                       \
  "guid, app_guid, package_guid, droplet_guid, state, error, buildpacks, stack, "            \
  "staging_memory_in_mb, staging_disk_in_mb, created_by_guid, created_by_name, "             \
  "created_by_email, created_at, updated_at"

#define MCF_DROPLET_COLS                                                                     \
  "guid, app_guid, package_guid, build_guid, state, error, process_types, execution_metadata, " \
  "checksum_sha256, blob_key, buildpacks, stack, created_at, updated_at, staging_key"

namespace {

Result<model::Package> readPackage(Stmt& row) {
  model::Package p;
  p.guid = row.text(0);
  p.app_guid = row.text(1);
  p.type = row.text(2);
  auto state = decodePackageState(row.text(3));
  if (!state.ok()) return state.takeError();
  p.state = *state;
  p.checksum_sha256 = row.text(4);
  p.blob_key = row.text(5);
  p.error = row.text(6);
  p.created_at = row.int64(7);
  p.updated_at = row.int64(8);
  p.content_digest = row.text(9);
  return p;
}

Result<model::Build> readBuild(Stmt& row) {
  model::Build b;
  b.guid = row.text(0);
  b.app_guid = row.text(1);
  b.package_guid = row.text(2);
  b.droplet_guid = row.text(3);
  auto state = decodeBuildState(row.text(4));
  if (!state.ok()) return state.takeError();
  b.state = *state;
  b.error = row.text(5);
  auto buildpacks = decodeList(row.text(6), "builds.buildpacks");
  if (!buildpacks.ok()) return buildpacks.takeError();
  b.buildpacks = std::move(*buildpacks);
  b.stack = row.text(7);
  b.staging_memory_in_mb = row.integer(8);
  b.staging_disk_in_mb = row.integer(9);
  b.created_by_guid = row.text(10);
  b.created_by_name = row.text(11);
  b.created_by_email = row.text(12);
  b.created_at = row.int64(13);
  b.updated_at = row.int64(14);
  return b;
}

Result<model::Droplet> readDroplet(Stmt& row) {
  model::Droplet d;
  d.guid = row.text(0);
  d.app_guid = row.text(1);
  d.package_guid = row.text(2);
  d.build_guid = row.text(3);
  auto state = decodeDropletState(row.text(4));
  if (!state.ok()) return state.takeError();
  d.state = *state;
  d.error = row.text(5);
  auto types = decodeMap(row.text(6), "droplets.process_types");
  if (!types.ok()) return types.takeError();
  d.process_types = std::move(*types);
  d.execution_metadata = row.text(7);
  d.checksum_sha256 = row.text(8);
  d.blob_key = row.text(9);
  auto buildpacks = decodeBuildpacks(row.text(10), "droplets.buildpacks");
  if (!buildpacks.ok()) return buildpacks.takeError();
  d.buildpacks = std::move(*buildpacks);
  d.stack = row.text(11);
  d.created_at = row.int64(12);
  d.updated_at = row.int64(13);
  d.staging_key = row.text(14);
  return d;
}

}  // namespace

// ---- Packages

Result<model::Package> SqliteStore::createPackage(model::Package p) {
  stamp(p.guid, p);
  Status ran = db_->run(
      "INSERT INTO packages (" MCF_PACKAGE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p.guid,
      p.app_guid, p.type, model::toString(p.state), p.checksum_sha256, p.blob_key, p.error,
      p.created_at, p.updated_at, p.content_digest);
  MCF_TRY(remap(std::move(ran), Errc::kInvalid, kInvalidApp));
  return p;
}

Result<model::Package> SqliteStore::getPackage(const std::string& guid) {
  return first<model::Package>(
      db_->query("SELECT " MCF_PACKAGE_COLS " FROM packages WHERE guid = ?", guid), readPackage,
      "Package not found");
}

Result<std::vector<model::Package>> SqliteStore::listPackages(const std::string& app_guid) {
  return collect<model::Package>(
      db_->query("SELECT " MCF_PACKAGE_COLS " FROM packages WHERE (?1 = '' OR app_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 app_guid),
      readPackage);
}

Status SqliteStore::updatePackage(const model::Package& p) {
  return requireChanged(
      db_->run("UPDATE packages SET type = ?, state = ?, checksum_sha256 = ?, blob_key = ?, "
               "error = ?, content_digest = ?, updated_at = ? WHERE guid = ?",
               p.type, model::toString(p.state), p.checksum_sha256, p.blob_key, p.error,
               p.content_digest, now(), p.guid),
      "Package not found");
}

// ---- Builds

Result<model::Build> SqliteStore::createBuild(model::Build b) {
  stamp(b.guid, b);
  Status ran = db_->run(
      "INSERT INTO builds (" MCF_BUILD_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      b.guid, b.app_guid, b.package_guid, b.droplet_guid, model::toString(b.state), b.error,
      encodeList(b.buildpacks), b.stack, b.staging_memory_in_mb, b.staging_disk_in_mb,
      b.created_by_guid, b.created_by_name, b.created_by_email, b.created_at, b.updated_at);
  MCF_TRY(remap(std::move(ran), Errc::kInvalid, kInvalidApp));
  return b;
}

Result<model::Build> SqliteStore::getBuild(const std::string& guid) {
  return first<model::Build>(
      db_->query("SELECT " MCF_BUILD_COLS " FROM builds WHERE guid = ?", guid), readBuild,
      "Build not found");
}

Result<std::vector<model::Build>> SqliteStore::listBuilds(const std::string& app_guid) {
  return collect<model::Build>(
      db_->query("SELECT " MCF_BUILD_COLS " FROM builds WHERE (?1 = '' OR app_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 app_guid),
      readBuild);
}

Status SqliteStore::updateBuild(const model::Build& b) {
  return requireChanged(
      db_->run("UPDATE builds SET package_guid = ?, droplet_guid = ?, state = ?, error = ?, "
               "buildpacks = ?, stack = ?, staging_memory_in_mb = ?, staging_disk_in_mb = ?, "
               "updated_at = ? WHERE guid = ?",
               b.package_guid, b.droplet_guid, model::toString(b.state), b.error,
               encodeList(b.buildpacks), b.stack, b.staging_memory_in_mb, b.staging_disk_in_mb,
               now(), b.guid),
      "Build not found");
}

// ---- Droplets

Result<model::Droplet> SqliteStore::createDroplet(model::Droplet d) {
  stamp(d.guid, d);
  Status ran = db_->run(
      "INSERT INTO droplets (" MCF_DROPLET_COLS
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      d.guid, d.app_guid, d.package_guid, d.build_guid, model::toString(d.state), d.error,
      encodeMap(d.process_types), d.execution_metadata, d.checksum_sha256, d.blob_key,
      encodeBuildpacks(d.buildpacks), d.stack, d.created_at, d.updated_at, d.staging_key);
  MCF_TRY(remap(std::move(ran), Errc::kInvalid, kInvalidApp));
  return d;
}

Result<model::Droplet> SqliteStore::getDroplet(const std::string& guid) {
  return first<model::Droplet>(
      db_->query("SELECT " MCF_DROPLET_COLS " FROM droplets WHERE guid = ?", guid), readDroplet,
      "Droplet not found");
}

Result<std::vector<model::Droplet>> SqliteStore::listDroplets(const std::string& app_guid) {
  return collect<model::Droplet>(
      db_->query("SELECT " MCF_DROPLET_COLS " FROM droplets WHERE (?1 = '' OR app_guid = ?1) "
                 "ORDER BY created_at, rowid",
                 app_guid),
      readDroplet);
}

Status SqliteStore::updateDroplet(const model::Droplet& d) {
  return requireChanged(
      db_->run("UPDATE droplets SET package_guid = ?, build_guid = ?, state = ?, error = ?, "
               "process_types = ?, execution_metadata = ?, checksum_sha256 = ?, blob_key = ?, "
               "buildpacks = ?, stack = ?, staging_key = ?, updated_at = ? WHERE guid = ?",
               d.package_guid, d.build_guid, model::toString(d.state), d.error,
               encodeMap(d.process_types), d.execution_metadata, d.checksum_sha256, d.blob_key,
               encodeBuildpacks(d.buildpacks), d.stack, d.staging_key, now(), d.guid),
      "Droplet not found");
}

#undef MCF_PACKAGE_COLS
#undef MCF_BUILD_COLS
#undef MCF_DROPLET_COLS

}  // namespace mcf::store
