// The three engines: PostgreSQL and MariaDB (one shared server each, a database per
// instance) and Redis (a server per instance). Admin work runs the engine's own client inside
// the server's container.
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "services/builtin/broker.h"

namespace mcf::services::builtin {

using base::Errc;
using base::makeError;
using nlohmann::json;

namespace {

using Argv = std::vector<std::string>;
using Done = std::function<void(base::Status)>;

// Runs admin commands one after the other; stops at the first failure.
void runSteps(DataServer& server, std::vector<Argv> steps, Done done, size_t at = 0) {
  if (at >= steps.size()) {
    done({});
    return;
  }
  Argv argv = steps[at];
  server.admin(argv, [&server, steps = std::move(steps), done = std::move(done),
                      at](base::Result<std::string> out) mutable {
    if (!out.ok()) {
      done(out.error());
      return;
    }
    runSteps(server, std::move(steps), std::move(done), at + 1);
  });
}

std::string hostPath(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return base::joinPath(root, path.substr(1));
}

bool exists(const std::string& root, const std::string& path) {
  return base::pathExists(hostPath(root, path));
}

// The first of paths that exists under root, as a path inside containers; "" if none.
std::string firstOf(const std::string& root, std::initializer_list<const char*> paths) {
  for (const char* p : paths)
    if (exists(root, p)) return p;
  return "";
}

std::string dbName() { return "cf_" + base::randomHex(8); }
std::string userName() { return "u_" + base::randomHex(8); }

// ---------------------------------------------------------------------------------------------
// A shared server with one database per instance (PostgreSQL, MariaDB).
class SharedServerBroker : public Broker {
 public:
  using Broker::Broker;

  std::vector<DataServer*> servers() override {
    if (!server_proc_) return {};
    return {server_proc_.get()};
  }

  void shutdown(std::function<void()> done) override {
    if (!server_proc_) {
      done();
      return;
    }
    server_proc_->shutdown(std::move(done));
  }

 protected:
  virtual ServerRecipe recipe() = 0;
  virtual int port() const = 0;

  DataServer& server() {
    if (!server_proc_) {
      server_proc_ = std::make_unique<DataServer>(loop_, backend_, recipe(), config_.timing);
      server_proc_->setPreferredIp(server_.value("ip", ""));
      server_proc_->on_ip = [this](const std::string& ip) {
        if (server_.value("ip", "") == ip) return;
        server_["ip"] = ip;
        (void)save();
      };
    }
    return *server_proc_;
  }

  void startServers() override {
    if (instances_.empty() || !installed()) return;
    std::string name = offering_.product;
    server().ensure([name](base::Status st) {
      if (!st.ok()) MCF_WARN("services", "{}", st.error().message);
    });
  }

  std::string dataDir() const { return base::joinPath(dir_, "data"); }

  std::unique_ptr<DataServer> server_proc_;
};

// ---------------------------------------------------------------------------------------------
class PostgresBroker : public SharedServerBroker {
 public:
  using SharedServerBroker::SharedServerBroker;

  bool installed() const override { return !binDir().empty(); }

 protected:
  // /usr/lib/postgresql/<newest>/bin, where postgres and initdb are; "" if none.
  std::string binDir() const {
    std::string base = hostPath(config_.root, "/usr/lib/postgresql");
    std::error_code ec;
    int best = -1;
    for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
      std::string v = e.path().filename().string();
      int n = std::atoi(v.c_str());
      std::string bin = "/usr/lib/postgresql/" + v + "/bin";
      if (n > best && exists(config_.root, bin + "/postgres") &&
          exists(config_.root, bin + "/initdb") && exists(config_.root, bin + "/psql"))
        best = n;
    }
    return best < 0 ? "" : "/usr/lib/postgresql/" + std::to_string(best) + "/bin";
  }

  int port() const override { return 5432; }

  ServerRecipe recipe() override {
    std::string bin = binDir();
    std::string data = dataDir();
    ServerRecipe r;
    r.name = "PostgreSQL";
    r.handle = "microcf-postgresql";
    r.data_dir = data;
    r.memory_mb = config_.memory_mb;
    r.init = {"/bin/sh", "-c",
              "rm -rf /tmp/data/pg && " + bin +
                  "/initdb -D /tmp/data/pg -U postgres -E UTF8 --locale=C --auth-local=trust "
                  "--auth-host=scram-sha-256 >/tmp/data/initdb.log 2>&1 && touch "
                  "/tmp/data/initialised || { cat /tmp/data/initdb.log; exit 1; }"};
    r.init_marker = "initialised";
    r.command = [bin](const std::string& ip) {
      return Argv{bin + "/postgres", "-D", "/tmp/data/pg",
                  "-c", "listen_addresses=" + ip,
                  "-c", "port=5432",
                  "-c", "unix_socket_directories=/tmp",
                  "-c", "hba_file=/tmp/data/pg_hba.conf",
                  "-c", "password_encryption=scram-sha-256"};
    };
    r.ready_probe = {bin + "/pg_isready", "-q", "-h", "/tmp", "-p", "5432", "-U", "postgres"};
    r.before_start = [data] {
      // Only the container's own socket is trusted; every network login needs a password.
      (void)base::writeFileAtomic(base::joinPath(data, "pg_hba.conf"),
                                  "local all all trust\n"
                                  "host all all 0.0.0.0/0 scram-sha-256\n",
                                  0644);
      // A killed server leaves its pid file; nothing else runs in the container now.
      ::unlink(base::joinPath(data, "pg/postmaster.pid").c_str());
    };
    r.stop_signal = SIGINT;  // fast shutdown: sessions are ended, nothing is lost
    return r;
  }

  Argv psql(const std::string& db, const std::vector<std::string>& sql) {
    Argv argv = {binDir() + "/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                 "-h", "/tmp", "-p", "5432", "-U", "postgres", "-d", db};
    for (const auto& s : sql) {
      argv.push_back("-c");
      argv.push_back(s);
    }
    return argv;
  }

  void provisionInstance(Instance& inst, Done done) override {
    if (!inst.data.contains("database")) {
      std::string db = dbName();
      inst.data["database"] = db;
      inst.data["owner"] = db + "_owner";
      (void)save();
    }
    std::string db = inst.data["database"];
    std::string owner = inst.data["owner"];
    DataServer& s = server();
    // CREATE DATABASE cannot run in a DO block: ask first whether it exists (a resumed
    // provision may have made it).
    // Bindings reach their instance's database only: not even the maintenance database.
    s.admin(psql("postgres", {"REVOKE CONNECT ON DATABASE postgres FROM PUBLIC",
                              fmt::format("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE "
                                          "rolname = '{0}') THEN CREATE ROLE \"{0}\" NOLOGIN; "
                                          "END IF; END$$",
                                          owner),
                              fmt::format("SELECT count(*) FROM pg_database WHERE datname = '{}'",
                                          db)}),
            [this, &s, db, owner, done = std::move(done)](base::Result<std::string> out) {
              if (!out.ok()) {
                done(out.error());
                return;
              }
              if (base::trim(*out) != "0") {
                done({});
                return;
              }
              runSteps(s,
                       {psql("postgres",
                             {fmt::format("CREATE DATABASE \"{}\" OWNER \"{}\"", db, owner),
                              fmt::format("REVOKE ALL ON DATABASE \"{}\" FROM PUBLIC", db)})},
                       done);
            });
  }

  // Ends the user's sessions and drops it, with what it owns in the instance's database.
  void dropUser(const std::string& db, const std::string& owner, const std::string& user,
                Done done) {
    DataServer& s = server();
    s.admin(psql("postgres",
                 {fmt::format("SELECT count(*) FROM pg_roles WHERE rolname = '{}'", user)}),
            [this, &s, db, owner, user, done = std::move(done)](base::Result<std::string> out) {
              if (!out.ok()) {
                done(out.error());
                return;
              }
              if (base::trim(*out) == "0") {
                done({});
                return;
              }
              std::vector<Argv> steps = {
                  psql("postgres",
                       {fmt::format("ALTER ROLE \"{}\" NOLOGIN", user),
                        fmt::format("SELECT count(pg_terminate_backend(pid)) FROM "
                                    "pg_stat_activity WHERE usename = '{}'",
                                    user)})};
              if (!db.empty())
                steps.push_back(psql(db, {fmt::format("REASSIGN OWNED BY \"{}\" TO \"{}\"", user,
                                                      owner),
                                          fmt::format("DROP OWNED BY \"{}\"", user)}));
              steps.push_back(psql("postgres", {fmt::format("DROP ROLE IF EXISTS \"{}\"", user)}));
              runSteps(s, std::move(steps), done);
            });
  }

  void deprovisionInstance(const Instance& inst, Done done) override {
    std::string db = inst.data.value("database", "");
    std::string owner = inst.data.value("owner", "");
    std::vector<std::string> users;
    for (const auto& [id, b] : bindings_)
      if (b.instance_id == inst.id) users.push_back(b.data.value("username", ""));
    if (db.empty()) {
      done({});
      return;
    }
    auto finish = [this, db, owner, done = std::move(done)](base::Status st) {
      if (!st.ok()) {
        done(st);
        return;
      }
      runSteps(server(),
               {psql("postgres", {fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", db),
                                  fmt::format("DROP ROLE IF EXISTS \"{}\"", owner)})},
               done);
    };
    dropUsers(std::move(users), db, owner, std::move(finish));
  }

  void dropUsers(std::vector<std::string> users, const std::string& db, const std::string& owner,
                 Done done) {
    if (users.empty()) {
      done({});
      return;
    }
    std::string user = users.back();
    users.pop_back();
    dropUser(db, owner, user,
             [this, users = std::move(users), db, owner, done = std::move(done)](
                 base::Status st) mutable {
               if (!st.ok()) {
                 done(st);
                 return;
               }
               dropUsers(std::move(users), db, owner, std::move(done));
             });
  }

  void bindInstance(const Instance& inst, Binding& binding, Done done) override {
    std::string db = inst.data.value("database", "");
    std::string owner = inst.data.value("owner", "");
    std::string user = userName();
    std::string password = randomPassword();
    std::string bid = binding.id;
    binding.data["username"] = user;
    // Each binding's sessions act as the instance's owner role, so that the tables one app
    // makes are the other apps' too; its own login is what unbinding drops.
    runSteps(server(),
             {psql("postgres", {fmt::format("CREATE ROLE \"{}\" LOGIN PASSWORD '{}' IN ROLE \"{}\"",
                                            user, password, owner),
                                fmt::format("ALTER ROLE \"{}\" SET role = '{}'", user, owner)})},
             [this, bid, db, user, password, done = std::move(done)](base::Status st) {
               auto it = bindings_.find(bid);
               if (st.ok() && it != bindings_.end()) {
                 std::string host = server().ip();
                 int p = port();
                 it->second.credentials = {
                     {"uri", fmt::format("postgres://{}:{}@{}:{}/{}", user, password, host, p, db)},
                     {"hostname", host},
                     {"port", p},
                     {"name", db},
                     {"database", db},
                     {"username", user},
                     {"password", password},
                     {"jdbcUrl", fmt::format("jdbc:postgresql://{}:{}/{}?user={}&password={}", host,
                                             p, db, user, password)}};
               }
               done(st);
             });
  }

  void unbindInstance(const Instance& inst, const Binding& binding, Done done) override {
    dropUser(inst.data.value("database", ""), inst.data.value("owner", ""),
             binding.data.value("username", ""), std::move(done));
  }
};

// ---------------------------------------------------------------------------------------------
class MysqlBroker : public SharedServerBroker {
 public:
  using SharedServerBroker::SharedServerBroker;

  bool installed() const override {
    return !serverBin().empty() && !installBin().empty() && !clientBin().empty();
  }

 protected:
  std::string serverBin() const {
    return firstOf(config_.root, {"/usr/sbin/mariadbd", "/usr/sbin/mysqld"});
  }
  std::string installBin() const {
    return firstOf(config_.root, {"/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"});
  }
  std::string clientBin() const {
    return firstOf(config_.root, {"/usr/bin/mariadb", "/usr/bin/mysql"});
  }
  int port() const override { return 3306; }

  ServerRecipe recipe() override {
    std::string server = serverBin();
    ServerRecipe r;
    r.name = "MariaDB";
    r.handle = "microcf-mysql";
    r.data_dir = dataDir();
    r.memory_mb = config_.memory_mb;
    r.init = {"/bin/sh", "-c",
              "rm -rf /tmp/data/db && " + installBin() +
                  " --no-defaults --datadir=/tmp/data/db --auth-root-authentication-method=normal "
                  "--skip-test-db >/tmp/data/install.log 2>&1 && touch /tmp/data/initialised || "
                  "{ cat /tmp/data/install.log; exit 1; }"};
    r.init_marker = "initialised";
    r.command = [server](const std::string& ip) {
      return Argv{server, "--no-defaults", "--datadir=/tmp/data/db",
                  "--socket=/tmp/mysqld.sock", "--pid-file=/tmp/mysqld.pid",
                  "--bind-address=" + ip, "--port=3306", "--skip-name-resolve"};
    };
    r.ready_probe = client({"SELECT 1"});
    return r;
  }

  Argv client(const std::vector<std::string>& sql) const {
    return {clientBin(), "--no-defaults", "--protocol=socket", "--socket=/tmp/mysqld.sock",
            "-uroot", "-N", "-B", "-e", base::join(sql, "; ")};
  }

  void provisionInstance(Instance& inst, Done done) override {
    if (!inst.data.contains("database")) {
      inst.data["database"] = dbName();
      (void)save();
    }
    std::string db = inst.data["database"];
    runSteps(server(), {client({fmt::format("CREATE DATABASE IF NOT EXISTS `{}`", db)})},
             std::move(done));
  }

  void deprovisionInstance(const Instance& inst, Done done) override {
    std::string db = inst.data.value("database", "");
    std::vector<std::string> sql;
    for (const auto& [id, b] : bindings_) {
      if (b.instance_id != inst.id) continue;
      std::string user = b.data.value("username", "");
      sql.push_back(fmt::format("DROP USER IF EXISTS '{}'@'%'", user));
    }
    if (!db.empty()) sql.push_back(fmt::format("DROP DATABASE IF EXISTS `{}`", db));
    if (sql.empty()) {
      done({});
      return;
    }
    runSteps(server(), {client(sql)}, std::move(done));
  }

  void bindInstance(const Instance& inst, Binding& binding, Done done) override {
    std::string db = inst.data.value("database", "");
    std::string user = userName();
    std::string password = randomPassword();
    std::string bid = binding.id;
    binding.data["username"] = user;
    runSteps(server(),
             {client({fmt::format("CREATE USER IF NOT EXISTS '{}'@'%' IDENTIFIED BY '{}'", user,
                                  password),
                      fmt::format("GRANT ALL PRIVILEGES ON `{}`.* TO '{}'@'%'", db, user)})},
             [this, bid, db, user, password, done = std::move(done)](base::Status st) {
               auto it = bindings_.find(bid);
               if (st.ok() && it != bindings_.end()) {
                 std::string host = server().ip();
                 int p = port();
                 it->second.credentials = {
                     {"uri", fmt::format("mysql://{}:{}@{}:{}/{}", user, password, host, p, db)},
                     {"hostname", host},
                     {"port", p},
                     {"name", db},
                     {"database", db},
                     {"username", user},
                     {"password", password},
                     {"jdbcUrl", fmt::format("jdbc:mysql://{}:{}/{}?user={}&password={}", host, p,
                                             db, user, password)}};
               }
               done(st);
             });
  }

  void unbindInstance(const Instance&, const Binding& binding, Done done) override {
    std::string user = binding.data.value("username", "");
    // Dropped first, so that it cannot log in again; then its sessions are ended.
    runSteps(server(),
             {client({fmt::format("DROP USER IF EXISTS '{}'@'%'", user),
                      fmt::format("KILL USER '{}'", user)})},
             std::move(done));
  }
};

// ---------------------------------------------------------------------------------------------
// One redis-server per instance; its users live in its ACL file.
class RedisBroker : public Broker {
 public:
  using Broker::Broker;

  bool installed() const override {
    return exists(config_.root, "/usr/bin/redis-server") &&
           exists(config_.root, "/usr/bin/redis-cli");
  }

  std::vector<DataServer*> servers() override {
    std::vector<DataServer*> out;
    for (auto& [id, s] : servers_) out.push_back(s.get());
    return out;
  }

  void shutdown(std::function<void()> done) override {
    auto left = std::make_shared<size_t>(servers_.size() + 1);
    auto shared = std::make_shared<std::function<void()>>(std::move(done));
    auto one = [left, shared] {
      if (--*left == 0) (*shared)();
    };
    for (auto& [id, s] : servers_) s->shutdown(one);
    one();
  }

 protected:
  static constexpr int kPort = 6379;

  std::string instanceDir(const Instance& inst) const {
    return base::joinPath(dir_, inst.data.value("key", "none"));
  }

  DataServer& serverOf(Instance& inst) {
    auto it = servers_.find(inst.id);
    if (it != servers_.end()) return *it->second;
    std::string admin = inst.data.value("admin_password", "");
    ServerRecipe r;
    r.name = "Redis " + inst.data.value("key", "");
    r.handle = "microcf-redis-" + inst.data.value("key", "");
    r.data_dir = instanceDir(inst);
    r.memory_mb = std::min(config_.memory_mb, 256);
    r.command = [](const std::string& ip) {
      return Argv{"/usr/bin/redis-server", "/tmp/data/redis.conf", "--bind", ip, "--port",
                  std::to_string(kPort)};
    };
    r.ready_probe = {"/usr/bin/redis-cli", "-s", "/tmp/redis.sock", "--no-auth-warning",
                     "--user", "admin", "ping"};
    r.env = {"REDISCLI_AUTH=" + admin};
    std::string dir = r.data_dir;
    r.before_start = [dir, admin] {
      (void)base::writeFileAtomic(base::joinPath(dir, "redis.conf"),
                                  "dir /tmp/data\n"
                                  "appendonly yes\n"
                                  "aclfile /tmp/data/users.acl\n"
                                  "unixsocket /tmp/redis.sock\n"
                                  "unixsocketperm 700\n"
                                  "protected-mode no\n"
                                  "daemonize no\n",
                                  0644);
      std::string acl = base::joinPath(dir, "users.acl");
      if (!base::pathExists(acl))
        (void)base::writeFileAtomic(acl,
                                    "user default off\nuser admin on >" + admin +
                                        " ~* &* +@all\n",
                                    0600);
    };
    auto server = std::make_unique<DataServer>(loop_, backend_, r, config_.timing);
    server->setPreferredIp(inst.data.value("ip", ""));
    std::string iid = inst.id;
    server->on_ip = [this, iid](const std::string& ip) {
      Instance* i = findInstance(iid);
      if (!i || i->data.value("ip", "") == ip) return;
      i->data["ip"] = ip;
      (void)save();
    };
    auto& ref = *server;
    servers_[inst.id] = std::move(server);
    return ref;
  }

  // redis-cli with the admin user; redis answers errors as text, which fail the step.
  void cli(Instance& inst, Argv args, Done done) {
    Argv argv = {"/usr/bin/redis-cli", "-s", "/tmp/redis.sock", "--no-auth-warning", "--user",
                 "admin"};
    argv.insert(argv.end(), args.begin(), args.end());
    serverOf(inst).admin(argv, [done = std::move(done)](base::Result<std::string> out) {
      if (!out.ok()) {
        done(out.error());
        return;
      }
      std::string text = base::trim(*out);
      for (const char* bad : {"ERR", "WRONGPASS", "NOAUTH", "NOPERM"}) {
        if (text.rfind(bad, 0) == 0) {
          done(makeError(Errc::kInternal, "redis: {}", text));
          return;
        }
      }
      done({});
    });
  }

  void startServers() override {
    if (!installed()) return;
    for (auto& [id, inst] : instances_) {
      if (inst.operation == "deprovision" || !inst.data.contains("key")) continue;
      serverOf(inst).ensure([](base::Status st) {
        if (!st.ok()) MCF_WARN("services", "{}", st.error().message);
      });
    }
  }

  void provisionInstance(Instance& inst, Done done) override {
    if (!inst.data.contains("key")) {
      inst.data["key"] = base::randomHex(8);
      inst.data["admin_password"] = randomPassword();
      (void)save();
    }
    serverOf(inst).ensure(std::move(done));
  }

  void deprovisionInstance(const Instance& inst, Done done) override {
    auto it = servers_.find(inst.id);
    if (it != servers_.end()) {
      it->second->destroy();
      servers_.erase(it);
    } else if (inst.data.contains("key")) {
      (void)backend_.destroy("microcf-redis-" + inst.data.value("key", ""));
    }
    if (inst.data.contains("key")) {
      if (auto st = base::removeTree(instanceDir(inst)); !st.ok()) {
        done(st);
        return;
      }
    }
    done({});
  }

  void bindInstance(const Instance& inst, Binding& binding, Done done) override {
    Instance& i = *findInstance(inst.id);
    std::string user = userName();
    std::string password = randomPassword();
    std::string bid = binding.id;
    std::string iid = inst.id;
    binding.data["username"] = user;
    // Everything but the server's administration (ACL, CONFIG, SHUTDOWN, ...): a binding
    // cannot lock the others out.
    cli(i, {"ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all", "-@admin"},
        [this, iid, bid, user, password, done = std::move(done)](base::Status st) {
          Instance* i = findInstance(iid);
          if (!st.ok() || !i) {
            done(st.ok() ? makeError(Errc::kNotFound, "the instance is gone") : st);
            return;
          }
          cli(*i, {"ACL", "SAVE"},
              [this, iid, bid, user, password, done](base::Status st) {
                auto it = bindings_.find(bid);
                Instance* i = findInstance(iid);
                if (st.ok() && it != bindings_.end() && i) {
                  std::string host = serverOf(*i).ip();
                  it->second.credentials = {
                      {"uri", fmt::format("redis://{}:{}@{}:{}", user, password, host, kPort)},
                      {"host", host},
                      {"hostname", host},
                      {"port", kPort},
                      {"username", user},
                      {"password", password}};
                }
                done(st);
              });
        });
  }

  void unbindInstance(const Instance& inst, const Binding& binding, Done done) override {
    Instance& i = *findInstance(inst.id);
    std::string iid = inst.id;
    // Deleting a user also disconnects the clients that logged in as it.
    cli(i, {"ACL", "DELUSER", binding.data.value("username", "")},
        [this, iid, done = std::move(done)](base::Status st) {
          Instance* i = findInstance(iid);
          if (!st.ok() || !i) {
            done(st);
            return;
          }
          cli(*i, {"ACL", "SAVE"}, done);
        });
  }

  std::map<std::string, std::unique_ptr<DataServer>> servers_;  // by instance id
};

}  // namespace

std::unique_ptr<Broker> makePostgresBroker(loop::Loop& loop, runner::Backend& backend,
                                           BuiltinConfig config) {
  return std::make_unique<PostgresBroker>(
      loop, backend, std::move(config),
      Offering{"postgresql", "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e1001",
               "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e2001",
               "PostgreSQL databases: a database of its own on microcf's PostgreSQL server",
               {"postgresql", "relational", "sql"}, "PostgreSQL", "postgresql"});
}

std::unique_ptr<Broker> makeMysqlBroker(loop::Loop& loop, runner::Backend& backend,
                                        BuiltinConfig config) {
  return std::make_unique<MysqlBroker>(
      loop, backend, std::move(config),
      Offering{"mysql", "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e1002",
               "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e2002",
               "MySQL databases (MariaDB): a database of its own on microcf's MariaDB server",
               {"mysql", "relational", "sql"}, "MariaDB", "mariadb-server"});
}

std::unique_ptr<Broker> makeRedisBroker(loop::Loop& loop, runner::Backend& backend,
                                        BuiltinConfig config) {
  return std::make_unique<RedisBroker>(
      loop, backend, std::move(config),
      Offering{"redis", "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e1003",
               "6b1c4e7a-1f0e-4b8e-9d55-2f3c9a0e2003",
               "Redis: a Redis server of its own for each instance", {"redis", "key-value"},
               "Redis", "redis-server"});
}

}  // namespace mcf::services::builtin
