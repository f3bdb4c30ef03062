// Tests of the SQLite layer: binding, the statement cache, transactions and migrations.
#include "store/db.h"

#include <doctest/doctest.h>

#include "store/schema.h"
#include "store/testing/temp_store.h"

using namespace mcf::store;
using mcf::base::Errc;

namespace {

std::unique_ptr<Db> memoryDb() {
  auto db = Db::open(":memory:");
  REQUIRE(db.ok());
  REQUIRE(db.value()->exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").ok());
  return std::move(*db);
}

Result<int> count(Db& db) {
  return first<int>(db.query("SELECT count(*) FROM t"),
                    [](Stmt& row) -> Result<int> { return row.integer(0); }, "no row");
}

Result<int> userVersion(Db& db) {
  return first<int>(db.query("PRAGMA user_version"),
                    [](Stmt& row) -> Result<int> { return row.integer(0); }, "no row");
}

}  // namespace

TEST_CASE("bound text is stored literally, never run as SQL") {
  auto db = memoryDb();
  const std::string evil = "x'); DROP TABLE t; --";
  REQUIRE(db->run("INSERT INTO t (k, v) VALUES (?, ?)", evil, 1).ok());
  auto got = first<std::string>(db->query("SELECT k FROM t WHERE v = ?", 1),
                                [](Stmt& row) -> Result<std::string> { return row.text(0); },
                                "missing");
  REQUIRE(got.ok());
  CHECK(*got == evil);
  CHECK(count(*db).value() == 1);
}

TEST_CASE("a duplicate key is kConflict and a missing row is kNotFound with the given text") {
  auto db = memoryDb();
  REQUIRE(db->run("INSERT INTO t (k, v) VALUES (?, ?)", "a", 1).ok());
  Status dup = db->run("INSERT INTO t (k, v) VALUES (?, ?)", "a", 2);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  auto none = first<int>(db->query("SELECT v FROM t WHERE k = ?", "zzz"),
                         [](Stmt& row) -> Result<int> { return row.integer(0); }, "Thing not found");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == Errc::kNotFound);
  CHECK(none.error().message == "Thing not found");
}

TEST_CASE("the same statement can run nested inside itself (the cache hands out a copy)") {
  auto db = memoryDb();
  for (int i = 0; i < 3; ++i)
    REQUIRE(db->run("INSERT INTO t (k, v) VALUES (?, ?)", std::to_string(i), i).ok());
  const char* sql = "SELECT k, v FROM t WHERE v >= ? ORDER BY v";
  auto outer = db->query(sql, 0);
  REQUIRE(outer.ok());
  int rows = 0, inner_rows = 0;
  while (outer->step().value()) {
    ++rows;
    auto inner = collect<int>(db->query(sql, outer->integer(1)),
                              [](Stmt& row) -> Result<int> { return row.integer(1); });
    REQUIRE(inner.ok());
    inner_rows += static_cast<int>(inner->size());
  }
  CHECK(rows == 3);
  CHECK(inner_rows == 3 + 2 + 1);
  // And after both are done the cached one is reusable with fresh bindings.
  auto again = collect<int>(db->query(sql, 2), [](Stmt& row) -> Result<int> { return row.integer(1); });
  REQUIRE(again.ok());
  CHECK(*again == std::vector<int>{2});
}

TEST_CASE("a transaction that is not committed is rolled back") {
  auto db = memoryDb();
  {
    auto txn = db->begin();
    REQUIRE(txn.ok());
    REQUIRE(db->run("INSERT INTO t (k, v) VALUES (?, ?)", "a", 1).ok());
  }
  CHECK(count(*db).value() == 0);
  {
    auto txn = db->begin();
    REQUIRE(txn.ok());
    REQUIRE(db->run("INSERT INTO t (k, v) VALUES (?, ?)", "a", 1).ok());
    REQUIRE(txn->commit().ok());
  }
  CHECK(count(*db).value() == 1);
}

TEST_CASE("migrations run in order, record user_version and stop at a failing step") {
  auto opened = Db::open(":memory:");
  REQUIRE(opened.ok());
  Db& db = **opened;
  std::vector<Migration> steps = {
      {1, "CREATE TABLE a (x INTEGER)"},
      {2, "ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT ''"},
  };
  REQUIRE(migrate(db, steps).ok());
  CHECK(userVersion(db).value() == 2);
  REQUIRE(migrate(db, steps).ok());  // idempotent: nothing left to apply

  steps.push_back({3, "CREATE TABLE b (x INTEGER); THIS IS NOT SQL"});
  Status bad = migrate(db, steps);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("schema version 3") != std::string::npos);
  CHECK(userVersion(db).value() == 2);
  // The failed step's first statement was rolled back with it.
  CHECK_FALSE(db.exec("SELECT * FROM b").ok());
}

TEST_CASE("a database from a newer microcf is refused, saying so") {
  TempStore tmp;
  REQUIRE(tmp.ok());
  {
    auto db = Db::open(tmp.path());
    REQUIRE(db.ok());
    CHECK(userVersion(**db).value() == latestSchemaVersion());
    REQUIRE(db.value()->exec("PRAGMA user_version = 999").ok());
  }
  auto refused = Store::open(tmp.path());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Errc::kInvalid);
  CHECK(refused.error().message.find("newer microcf") != std::string::npos);
  CHECK(refused.error().message.find("999") != std::string::npos);
}

TEST_CASE("a database in a folder that does not exist is an actionable kIo") {
  auto db = Db::open("/nonexistent-mcf-dir/sub/microcf.db");
  REQUIRE_FALSE(db.ok());
  CHECK(db.error().code == Errc::kIo);
  CHECK(db.error().message.find("/nonexistent-mcf-dir/sub/microcf.db") != std::string::npos);
}

TEST_CASE("a database file is opened in WAL mode with synchronous=NORMAL and foreign keys on") {
  TempStore tmp;
  REQUIRE(tmp.ok());
  auto db = Db::open(tmp.path());
  REQUIRE(db.ok());
  auto pragma = [&](const char* sql) {
    return first<std::string>(db.value()->query(sql),
                              [](Stmt& row) -> Result<std::string> { return row.text(0); },
                              "no row")
        .value();
  };
  CHECK(pragma("PRAGMA journal_mode") == "wal");
  CHECK(pragma("PRAGMA synchronous") == "1");  // NORMAL
  CHECK(pragma("PRAGMA foreign_keys") == "1");
  CHECK(pragma("PRAGMA user_version") == std::to_string(latestSchemaVersion()));
}
