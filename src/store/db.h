// Db: a thin owner of one SQLite connection with a cache of prepared statements.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mcf::store {

using base::Result;
using base::Status;

class Db;

// How a violated PRIMARY KEY (a guid used twice: a caller's bug, not a user's name clash)
// starts its kConflict message, so that callers can tell it from a taken name.
inline constexpr std::string_view kDuplicateGuid = "A resource with this guid already exists";

// Where the database's time goes, since it was opened (for /metrics).
struct DbStats {
  uint64_t steps = 0;    // sqlite3_step calls
  uint64_t step_ns = 0;  // time in them
  uint64_t commits = 0;  // transactions committed
  uint64_t commit_ns = 0;
};

// One use of a prepared statement: bind, step, read columns. Resets (and so releases the
// cached statement for the next user) on destruction. Move-only.
class Stmt {
 public:
  // leased is the cache's in-use flag of stmt (cleared on destruction), or nullptr when this
  // Stmt owns stmt and finalizes it.
  Stmt(const Db* db, sqlite3_stmt* stmt, bool* leased) : db_(db), stmt_(stmt), leased_(leased) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite. An empty optional binds NULL.
  void bind(int i, std::string_view value);
  void bind(int i, const std::string& value) { bind(i, std::string_view(value)); }
  void bind(int i, const char* value) { bind(i, std::string_view(value)); }
  void bind(int i, int64_t value);
  void bind(int i, int value) { bind(i, static_cast<int64_t>(value)); }
  void bind(int i, bool value) { bind(i, static_cast<int64_t>(value ? 1 : 0)); }
  void bind(int i, std::nullopt_t);
  template <typename T>
  void bind(int i, const std::optional<T>& value) {
    if (value) bind(i, *value);
    else bind(i, std::nullopt);
  }

  // Advances one row: true when a row is ready to read, false when done. A violated unique
  // constraint comes back as kConflict, a foreign key as kInvalid, with SQLite's text.
  Result<bool> step();
  // Steps to the end (for statements that return no rows).
  Status run();

  // Columns are 0-based, as in SQLite. NULL reads as "" / 0 / nullopt.
  std::string text(int col) const;
  int64_t int64(int col) const;
  int integer(int col) const { return static_cast<int>(int64(col)); }
  bool boolean(int col) const { return int64(col) != 0; }
  bool isNull(int col) const;
  std::optional<std::string> optText(int col) const;
  std::optional<int> optInt(int col) const;

 private:
  const Db* db_;
  sqlite3_stmt* stmt_;
  bool* leased_;
};

// A transaction that rolls back unless committed. Move-only.
class Txn {
 public:
  explicit Txn(Db* db) : db_(db) {}
  Txn(Txn&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  ~Txn();
  Status commit();

 private:
  Db* db_;
};

class Db {
 public:
  // Opens (creating if needed) the file and sets WAL, synchronous=NORMAL, foreign keys and
  // a busy timeout. "" or ":memory:" opens a private in-memory database (tests).
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL without parameters (schema, pragmas); may hold several statements.
  Status exec(const std::string& sql);
  // A prepared statement for sql, from the cache when it is not already in use. sql is
  // fixed text: every value goes through bind(), so nothing a user types becomes SQL.
  Result<Stmt> prepare(const char* sql);
  // prepare() and bind args to parameters 1..N.
  template <typename... Args>
  Result<Stmt> query(const char* sql, const Args&... args) {
    auto stmt = prepare(sql);
    if (!stmt.ok()) return stmt;
    int i = 0;
    (stmt->bind(++i, args), ...);
    return stmt;
  }
  // query() and step it to the end.
  template <typename... Args>
  Status run(const char* sql, const Args&... args) {
    auto stmt = query(sql, args...);
    if (!stmt.ok()) return stmt.takeError();
    return stmt->run();
  }

  Result<Txn> begin();  // BEGIN IMMEDIATE: writers queue here instead of failing at commit
  int64_t changes() const;  // rows changed by the last statement
  const DbStats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

 private:
  friend class Stmt;
  friend class Txn;
  Db(sqlite3* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  base::Error errorFrom(int rc, std::string_view what) const;

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool leased = false;
  };
  sqlite3* handle_;
  std::string path_;
  mutable DbStats stats_;  // Stmt counts its steps here
  std::unordered_map<std::string, Cached> cache_;  // by SQL text
};

// Reads every row of stmt with read (Stmt& -> Result<T>).
template <typename T, typename F>
Result<std::vector<T>> collect(Result<Stmt> stmt, F read) {
  if (!stmt.ok()) return stmt.takeError();
  std::vector<T> out;
  for (;;) {
    auto row = stmt->step();
    if (!row.ok()) return row.takeError();
    if (!*row) return out;
    auto value = read(*stmt);
    if (!value.ok()) return value.takeError();
    out.push_back(std::move(*value));
  }
}

// Reads the first row of stmt with read; kNotFound with not_found when there is none.
template <typename T, typename F>
Result<T> first(Result<Stmt> stmt, F read, const char* not_found) {
  if (!stmt.ok()) return stmt.takeError();
  auto row = stmt->step();
  if (!row.ok()) return row.takeError();
  if (!*row) return base::Error{base::Errc::kNotFound, not_found};
  return read(*stmt);
}

}  // namespace mcf::store
