// SQLite connection, statement cache and transactions; maps SQLite codes to base::Errc.
#include "store/db.h"

#include <sqlite3.h>

#include <chrono>

namespace mcf::store {

using base::Errc;
using base::Error;

namespace {

// Another microcf (or a sqlite3 shell) holding a write lock gets this long to finish.
constexpr int kBusyTimeoutMs = 5000;

Errc codeFor(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Errc::kConflict;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Errc::kInvalid;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::kUnavailable;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return Errc::kInternal;  // NOT NULL etc.: we bind every column
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::kUnavailable;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM: return Errc::kIo;
    default: return Errc::kInternal;
  }
}

}  // namespace

// ---- Stmt

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), leased_(other.leased_) {}

Stmt::~Stmt() {
  if (stmt_ == nullptr) return;
  if (leased_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *leased_ = false;
}

void Stmt::bind(int i, std::string_view value) {
  sqlite3_bind_text64(stmt_, i, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Stmt::bind(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }

void Stmt::bind(int i, std::nullopt_t) { sqlite3_bind_null(stmt_, i); }

namespace {

uint64_t monoNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

Result<bool> Stmt::step() {
  uint64_t t0 = monoNs();
  int rc = sqlite3_step(stmt_);
  db_->stats_.steps += 1;
  db_->stats_.step_ns += monoNs() - t0;
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->errorFrom(rc, "query failed");
}

Status Stmt::run() {
  for (;;) {
    auto row = step();
    if (!row.ok()) return row.takeError();
    if (!*row) return {};
  }
}

std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::optional<std::string> Stmt::optText(int col) const {
  if (isNull(col)) return std::nullopt;
  return text(col);
}

std::optional<int> Stmt::optInt(int col) const {
  if (isNull(col)) return std::nullopt;
  return integer(col);
}

// ---- Txn

Txn::~Txn() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Status Txn::commit() {
  uint64_t t0 = monoNs();
  MCF_TRY(db_->exec("COMMIT"));
  db_->stats_.commits += 1;
  db_->stats_.commit_ns += monoNs() - t0;
  db_ = nullptr;
  return {};
}

// ---- Db

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string why = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close_v2(handle);
    return base::makeError(Errc::kIo,
                           "Cannot open the database {}: {}. Check that its folder exists and "
                           "is writable by this user.",
                           path, why);
  }
  std::unique_ptr<Db> db(new Db(handle, path));
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  // WAL lets readers (e.g. `sqlite3 microcf.db` while debugging) run beside the writer;
  // NORMAL is durable against application crashes, which is what a laptop platform needs.
  MCF_TRY(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  return db;
}

Db::~Db() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(handle_);
}

Error Db::errorFrom(int rc, std::string_view what) const {
  Errc code = codeFor(rc);
  std::string detail = sqlite3_errmsg(handle_);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return base::makeError(code, "{} ({}). Create it with a new guid.", kDuplicateGuid, detail);
  }
  switch (code) {
    case Errc::kConflict:
    case Errc::kInvalid:
      return base::makeError(code, "{}: {}", what, detail);
    case Errc::kUnavailable:
      return base::makeError(code,
                             "The database {} is busy ({}). Is another microcf running on the "
                             "same data directory? Try again in a moment.",
                             path_, detail);
    case Errc::kIo:
      return base::makeError(code, "The database {} failed: {}. Check free disk space and "
                             "the file's permissions.", path_, detail);
    default:
      return base::makeError(code, "Database {} failed ({}): {}", path_, what, detail);
  }
}

Status Db::exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);  // errorFrom reads the same text from the handle
  if (rc != SQLITE_OK) return errorFrom(rc, "statement failed");
  return {};
}

Result<Stmt> Db::prepare(const char* sql) {
  Cached& cached = cache_[sql];
  if (cached.stmt != nullptr && !cached.leased) {
    cached.leased = true;
    return Stmt(this, cached.stmt, &cached.leased);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(handle_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return errorFrom(rc, "prepare failed");
  if (cached.stmt == nullptr) {
    cached.stmt = stmt;
    cached.leased = true;
    return Stmt(this, stmt, &cached.leased);
  }
  // The cached copy is in use further up the stack (a nested query): use a private one.
  return Stmt(this, stmt, nullptr);
}

Result<Txn> Db::begin() {
  MCF_TRY(exec("BEGIN IMMEDIATE"));
  return Txn(this);
}

int64_t Db::changes() const { return sqlite3_changes64(handle_); }

}  // namespace mcf::store
