// The built-in PostgreSQL broker with real containers (root and PostgreSQL only; skipped
// otherwise): two bindings share a database, another instance is out of their reach, unbind
// revokes, a killed server comes back with its data.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strutil.h"
#include "loop/loop.h"
#include "runner/linux_backend.h"
#include "runner/runner_test_paths.h"
#include "services/builtin/broker.h"

using namespace mcf;
using nlohmann::json;

namespace {

bool canRun() {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root (containers)");
    return false;
  }
  if (std::system("ls /usr/lib/postgresql/*/bin/psql >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: PostgreSQL is not installed");
    return false;
  }
  return true;
}

// A command's output, or "ERROR: ..." with its output when it fails.
std::string shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return "ERROR: popen";
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = ::pclose(p);
  if (st != 0) return "ERROR: " + base::trim(out);
  return base::trim(out);
}

// psql on the host against the credentials; the output, or "ERROR: ..." with its exit.
std::string psqlAs(const json& c, const std::string& sql, const std::string& db = "") {
  std::string cmd = fmt::format(
      "PGPASSWORD={} PGCONNECT_TIMEOUT=5 $(ls -d /usr/lib/postgresql/*/bin | tail -1)/psql -X "
      "-q -t -A -h {} -p {} -U {} -d {} -c \"{}\" 2>&1",
      c["password"].get<std::string>(), c["hostname"].get<std::string>(),
      c["port"].get<int>(), c["username"].get<std::string>(),
      db.empty() ? c["name"].get<std::string>() : db, sql);
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "ERROR: popen";
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = ::pclose(p);
  if (st != 0) return "ERROR: " + base::trim(out);
  return base::trim(out);
}

struct Real {
  loop::Loop loop;
  std::string root;
  std::unique_ptr<runner::LinuxBackend> backend;
  std::unique_ptr<services::builtin::BuiltinBrokers> brokers;

  Real() {
    char tmpl[] = "/tmp/mcf-builtin-real-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    root = tmpl;
    openBackend();
    makeBrokers();
  }
  ~Real() {
    brokers.reset();
    backend.reset();
    (void)base::removeTree(root);
  }
  void openBackend() {
    runner::LinuxBackendConfig c;
    c.depot_dir = root + "/depot";
    c.lifecycle_dir = root + "/lifecycle";
    REQUIRE(base::makeDirs(c.lifecycle_dir).ok());
    c.stemcell_dir = MCF_STEMCELL_DIR;
    c.helper_exe = MCF_RUNNER_HELPER;
    const char* subnet = ::getenv("MICROCF_TEST_SERVICES_SUBNET");
    c.subnet = subnet ? subnet : "10.254.244.0/22";
    auto b = runner::LinuxBackend::open(loop, c);
    REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
    backend = std::move(*b);
  }
  void makeBrokers() {
    services::builtin::BuiltinConfig c;
    c.data_dir = root + "/data";
    c.timing.probe_interval_ms = 100;
    c.timing.first_backoff_ms = 200;
    brokers = std::make_unique<services::builtin::BuiltinBrokers>(loop, *backend, c);
    brokers->start();
  }
  void runFor(uint64_t ms) {
    bool fired = false;
    loop::Timer t(loop);
    t.start(ms, 0, [&] { fired = true; });
    loop.runUntil([&] { return fired; });
  }
  std::string engine = "postgresql";
  http::Response call(const std::string& method, const std::string& target,
                      const json& body = nullptr) {
    http::Request req;
    req.method = method;
    req.target = target;
    req.splitTarget();
    if (!body.is_null()) req.body = body.dump();
    std::optional<http::Response> got;
    brokers->find(engine)->handle(req, [&](http::Response r) { got = std::move(r); });
    for (int i = 0; i < 600 && !got; ++i) runFor(100);
    REQUIRE(got.has_value());
    return *got;
  }
  void provision(const std::string& iid) {
    json s = brokers->find(engine)->catalogService();
    auto r = call("PUT", "/v2/service_instances/" + iid + "?accepts_incomplete=true",
                  {{"service_id", s["id"]}, {"plan_id", s["plans"][0]["id"]}});
    REQUIRE(r.status == 202);
    std::string state;
    for (int i = 0; i < 600; ++i) {
      auto op = call("GET", "/v2/service_instances/" + iid + "/last_operation");
      state = json::parse(op.body).value("state", "");
      if (state != "in progress") {
        INFO(op.body);
        break;
      }
      runFor(100);
    }
    REQUIRE(state == "succeeded");
  }
  json bind(const std::string& iid, const std::string& bid) {
    auto r = call("PUT", "/v2/service_instances/" + iid + "/service_bindings/" + bid,
                  json::object());
    INFO(r.body);
    REQUIRE(r.status == 201);
    return json::parse(r.body)["credentials"];
  }
};

}  // namespace

TEST_CASE("LinuxBackend: built-in postgresql runs a real server; bindings share a database, "
          "unbind revokes, a killed server comes back with its data") {
  if (!canRun()) return;
  Real w;
  w.provision("i1");
  json a = w.bind("i1", "a");
  json b = w.bind("i1", "b");
  CHECK(psqlAs(a, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('hello')") == "");
  CHECK(psqlAs(b, "SELECT body FROM notes") == "hello");
  CHECK(psqlAs(b, "INSERT INTO notes VALUES ('from b')") == "");

  // Another instance: its binding reaches its own database only.
  w.provision("i2");
  json other = w.bind("i2", "c");
  CHECK(other["name"] != a["name"]);
  CHECK(psqlAs(other, "SELECT 1") == "1");
  CHECK(psqlAs(other, "SELECT count(*) FROM notes", a["name"]).rfind("ERROR:", 0) == 0);
  CHECK(psqlAs(other, "SELECT 1", "postgres").rfind("ERROR:", 0) == 0);

  // Unbinding a: its login fails from now on; b still works.
  CHECK(w.call("DELETE", "/v2/service_instances/i1/service_bindings/a").status == 200);
  std::string refused = psqlAs(a, "SELECT 1");
  CHECK(refused.rfind("ERROR:", 0) == 0);
  CHECK(psqlAs(b, "SELECT count(*) FROM notes") == "2");

  // kill -9 of the server: it is restarted, the data is there.
  auto* server = w.brokers->find("postgresql")->servers().at(0);
  auto info = w.backend->info(server->handle());
  REQUIRE(info.ok());
  int killed = 0;
  for (int pid : info->process_pids) {
    auto cmdline = base::readFile(fmt::format("/proc/{}/cmdline", pid));
    if (cmdline.ok() && cmdline->find("bin/postgres") != std::string::npos &&
        cmdline->find("-D") != std::string::npos) {
      CHECK(::kill(pid, SIGKILL) == 0);
      killed = pid;
      break;
    }
  }
  REQUIRE(killed > 0);
  for (int i = 0; i < 300 && server->restarts() == 0; ++i) w.runFor(100);
  for (int i = 0; i < 300 && !server->ready(); ++i) w.runFor(100);
  CHECK(server->ready());
  CHECK(psqlAs(b, "SELECT count(*) FROM notes") == "2");

  // microcf restarts (the backend with it, every container gone): the server comes back on
  // the address the credentials name, before anything else takes it.
  bool stopped = false;
  w.brokers->shutdown([&] { stopped = true; });
  for (int i = 0; i < 200 && !stopped; ++i) w.runFor(50);
  CHECK(stopped);  // PostgreSQL's fast shutdown, not the backend's SIGKILL
  CHECK(psqlAs(b, "SELECT 1").rfind("ERROR:", 0) == 0);
  w.brokers.reset();
  w.backend.reset();
  w.openBackend();
  // The next free address is not the old one: a container came and went first.
  auto before = w.backend->create(runner::ContainerSpec{});
  REQUIRE(before.ok());
  CHECK(w.backend->info(*before)->ip == b["hostname"].get<std::string>());
  REQUIRE(w.backend->destroy(*before).ok());
  w.makeBrokers();
  auto* again = w.brokers->find("postgresql")->servers().at(0);
  for (int i = 0; i < 300 && !again->ready(); ++i) w.runFor(100);
  CHECK(again->ip() == b["hostname"].get<std::string>());
  CHECK(psqlAs(b, "SELECT count(*) FROM notes") == "2");

  // Deprovision drops the database: the other binding's login goes with it.
  CHECK(w.call("DELETE", "/v2/service_instances/i1?accepts_incomplete=true").status == 202);
  for (int i = 0; i < 300; ++i) {
    if (w.call("GET", "/v2/service_instances/i1/last_operation").status == 410) break;
    w.runFor(100);
  }
  CHECK(w.call("GET", "/v2/service_instances/i1/last_operation").status == 410);
  CHECK(psqlAs(b, "SELECT 1").rfind("ERROR:", 0) == 0);
  CHECK(psqlAs(other, "SELECT 1") == "1");
}

TEST_CASE("LinuxBackend: built-in mysql and redis run real servers; unbind revokes") {
  if (!canRun()) return;
  if (std::system("test -x /usr/bin/mariadb -a -x /usr/bin/redis-cli") != 0) {
    MESSAGE("skipped: MariaDB or Redis is not installed");
    return;
  }
  Real w;
  w.engine = "mysql";
  w.provision("m1");
  json m = w.bind("m1", "a");
  auto my = [](const json& c, const std::string& sql) {
    return shell(fmt::format("mariadb --no-defaults --connect-timeout=5 -N -B -h {} -P {} -u {} "
                             "-p{} {} -e \"{}\"",
                             c["hostname"].get<std::string>(), c["port"].get<int>(),
                             c["username"].get<std::string>(), c["password"].get<std::string>(),
                             c["name"].get<std::string>(), sql));
  };
  CHECK(my(m, "CREATE TABLE t (x INT); INSERT INTO t VALUES (7); SELECT x FROM t") == "7");
  CHECK(w.call("DELETE", "/v2/service_instances/m1/service_bindings/a").status == 200);
  CHECK(my(m, "SELECT 1").rfind("ERROR:", 0) == 0);

  w.engine = "redis";
  w.provision("r1");
  json r = w.bind("r1", "a");
  auto rc = [](const json& c, const std::string& cmd) {
    return shell(fmt::format("redis-cli --no-auth-warning -h {} -p {} --user {} --pass {} {}",
                             c["hostname"].get<std::string>(), c["port"].get<int>(),
                             c["username"].get<std::string>(), c["password"].get<std::string>(),
                             cmd));
  };
  CHECK(rc(r, "SET k v") == "OK");
  CHECK(rc(r, "GET k") == "v");
  CHECK(rc(r, "CONFIG GET dir").rfind("NOPERM", 0) == 0);
  CHECK(w.call("DELETE", "/v2/service_instances/r1/service_bindings/a").status == 200);
  CHECK(rc(r, "GET k") != "v");
  json r2 = w.bind("r1", "b");
  CHECK(rc(r2, "GET k") == "v");
}
