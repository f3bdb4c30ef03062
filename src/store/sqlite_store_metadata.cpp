// The metadata table: labels and annotations of any resource, by type and guid.
#include "store/sqlite_store.h"

#include "store/columns.h"

namespace mcf::store {

Result<model::Metadata> SqliteStore::getMetadata(const std::string& resource_type,
                                                 const std::string& guid) {
  auto stmt = db_->query("SELECT labels, annotations FROM metadata "
                         "WHERE resource_type = ? AND guid = ?",
                         resource_type, guid);
  if (!stmt.ok()) return stmt.takeError();
  auto row = stmt->step();
  if (!row.ok()) return row.takeError();
  model::Metadata m;
  if (!*row) return m;
  auto labels = decodeMap(stmt->text(0), "metadata.labels");
  if (!labels.ok()) return labels.takeError();
  auto annotations = decodeMap(stmt->text(1), "metadata.annotations");
  if (!annotations.ok()) return annotations.takeError();
  m.labels = std::move(*labels);
  m.annotations = std::move(*annotations);
  return m;
}

Status SqliteStore::setMetadata(const std::string& resource_type, const std::string& guid,
                                const model::Metadata& m) {
  if (m.labels.empty() && m.annotations.empty())
    return db_->run("DELETE FROM metadata WHERE resource_type = ? AND guid = ?", resource_type,
                    guid);
  return db_->run(
      "INSERT INTO metadata (resource_type, guid, labels, annotations) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (resource_type, guid) DO UPDATE SET labels = excluded.labels, "
      "annotations = excluded.annotations",
      resource_type, guid, encodeMap(m.labels), encodeMap(m.annotations));
}

Result<std::map<std::string, model::Metadata>> SqliteStore::listMetadata(
    const std::string& resource_type) {
  auto stmt = db_->query("SELECT guid, labels, annotations FROM metadata WHERE resource_type = ?",
                         resource_type);
  if (!stmt.ok()) return stmt.takeError();
  std::map<std::string, model::Metadata> out;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return row.takeError();
    if (!*row) break;
    auto labels = decodeMap(stmt->text(1), "metadata.labels");
    if (!labels.ok()) return labels.takeError();
    auto annotations = decodeMap(stmt->text(2), "metadata.annotations");
    if (!annotations.ok()) return annotations.takeError();
    out[stmt->text(0)] = model::Metadata{std::move(*labels), std::move(*annotations)};
  }
  return out;
}

}  // namespace mcf::store
