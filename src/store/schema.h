// Schema migrations: the ordered steps that bring a database to the newest schema.
#pragma once

#include <vector>

#include "store/db.h"

namespace mcf::store {

// One step: `sql` moves a database at version `version - 1` to `version`. Steps are only
// ever appended; a released step is never edited (databases in the wild already ran it).
struct Migration {
  int version;
  const char* sql;
};

const std::vector<Migration>& migrations();
int latestSchemaVersion();

// Applies every step above the database's PRAGMA user_version, each in its own transaction
// that also sets user_version. A database newer than this binary is refused (kInvalid).
Status migrate(Db& db, const std::vector<Migration>& steps = migrations());

}  // namespace mcf::store
