// The built-in brokers' OSB surface against the fake backend: catalog, asynchronous
// provision with last_operation, bind/unbind with a user per binding, deprovision, the
// status codes of repeats and of things gone, NotInstalled, restarts of a dead server and
// the state kept across a restart of microcf.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strutil.h"
#include "loop/loop.h"
#include "runner/testing/fake_backend.h"
#include "services/builtin/broker.h"

using namespace mcf;
using nlohmann::json;
using services::builtin::Broker;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = "/tmp/mcf-builtin-XXXXXX";
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { (void)base::removeTree(path); }
};

// Empty files where the servers' binaries would be.
void fakeBinaries(const std::string& root) {
  for (const char* f :
       {"usr/lib/postgresql/15/bin/postgres", "usr/lib/postgresql/15/bin/initdb",
        "usr/lib/postgresql/15/bin/psql", "usr/sbin/mariadbd", "usr/bin/mariadb-install-db",
        "usr/bin/mariadb", "usr/bin/redis-server", "usr/bin/redis-cli"}) {
    std::string path = base::joinPath(root, f);
    REQUIRE(base::makeDirs(path.substr(0, path.rfind('/'))).ok());
    REQUIRE(base::writeFileAtomic(path, "", 0755).ok());
  }
}

bool isServer(const runner::ProcessSpec& spec) {
  for (const char* s : {"/postgres", "/mariadbd", "/redis-server"})
    if (std::string_view(spec.path).ends_with(s)) return true;
  return false;
}

struct World {
  TempDir dir;
  loop::Loop loop;
  runner::FakeBackend backend;
  std::unique_ptr<services::builtin::BuiltinBrokers> brokers;
  std::string root;
  // What admin commands print: "0" for "does the database exist", "1" for "does the user".
  std::function<std::string(const runner::ProcessSpec&)> answer = [](const runner::ProcessSpec& s) {
    std::string all = base::join(s.args, " ");
    if (all.find("FROM pg_database") != std::string::npos) return std::string("0\n");
    if (all.find("FROM pg_roles") != std::string::npos) return std::string("1\n");
    return std::string("OK\n");
  };
  int fail_admin = 0;  // admin commands from now on that exit 1

  explicit World(bool binaries = true) {
    root = dir.path + "/root";
    REQUIRE(base::makeDirs(root).ok());
    if (binaries) fakeBinaries(root);
    backend.setContainerIp("10.254.40.9");
    make();
  }
  void make() {
    services::builtin::BuiltinConfig c;
    c.data_dir = dir.path + "/data";
    c.root = root;
    c.timing.probe_interval_ms = 1;
    c.timing.first_backoff_ms = 1;
    brokers = std::make_unique<services::builtin::BuiltinBrokers>(loop, backend, c);
    brokers->start();
  }
  Broker& broker(const std::string& name) { return *brokers->find(name); }

  // Finishes every process but the servers, as the real ones would, until nothing is left.
  void settle() {
    for (int round = 0; round < 200; ++round) {
      bool any = false;
      for (size_t i = 0; i < backend.runs().size(); ++i) {
        runner::FakeBackend::RunRecord r = backend.runs()[i];
        if (r.exited || isServer(r.spec)) continue;
        any = true;
        backend.emitStdout(r.handle, r.pid, answer(r.spec));
        bool fail = fail_admin > 0 && r.spec.path.find("psql") != std::string::npos;
        if (fail) --fail_admin;
        backend.exit(r.handle, r.pid, fail ? 1 : 0);
      }
      if (!any) {
        loop.runUntil([] { return true; });
        bool more = false;
        for (const auto& r : backend.runs()) more = more || (!r.exited && !isServer(r.spec));
        if (!more) return;
      }
    }
  }

  http::Response call(const std::string& name, const std::string& method,
                      const std::string& target, const json& body = nullptr) {
    http::Request req;
    req.method = method;
    req.target = target;
    req.splitTarget();
    if (!body.is_null()) req.body = body.dump();
    req.headers = {{"X-Broker-API-Version", "2.15"}};
    std::optional<http::Response> got;
    broker(name).handle(req, [&](http::Response r) { got = std::move(r); });
    for (int i = 0; i < 50 && !got; ++i) settle();
    REQUIRE(got.has_value());
    return *got;
  }
  json catalogOf(const std::string& name) {
    auto r = call(name, "GET", "/v2/catalog");
    REQUIRE(r.status == 200);
    return json::parse(r.body)["services"][0];
  }
  json provisionBody(const std::string& name) {
    json s = catalogOf(name);
    return {{"service_id", s["id"]}, {"plan_id", s["plans"][0]["id"]},
            {"organization_guid", "o"}, {"space_guid", "s"}};
  }
  std::string lastState(const std::string& name, const std::string& iid) {
    settle();
    auto r = call(name, "GET", "/v2/service_instances/" + iid + "/last_operation");
    if (r.status == 410) return "gone";
    return json::parse(r.body).value("state", "");
  }
  // All admin commands (args joined) run so far.
  std::string adminLog() {
    std::string all;
    for (const auto& r : backend.runs())
      if (!isServer(r.spec)) all += r.spec.path + " " + base::join(r.spec.args, " ") + "\n";
    return all;
  }
};

}  // namespace

TEST_CASE("built-in brokers: the catalog has stable ids, tags and one bindable default plan") {
  World w;
  for (const char* name : {"postgresql", "mysql", "redis"}) {
    json s = w.catalogOf(name);
    CHECK(s["name"] == name);
    CHECK(s["bindable"] == true);
    CHECK(s["plan_updateable"] == false);
    CHECK(s["metadata"]["installed"] == true);
    CHECK(s["plans"].size() == 1);
    CHECK(s["plans"][0]["name"] == "default");
    CHECK(s["description"].get<std::string>().find("not installed") == std::string::npos);
  }
  CHECK(w.catalogOf("postgresql")["tags"] == json({"postgresql", "relational", "sql"}));
  CHECK(w.catalogOf("mysql")["tags"] == json({"mysql", "relational", "sql"}));
  CHECK(w.catalogOf("redis")["tags"] == json({"redis", "key-value"}));
  std::string id = w.catalogOf("postgresql")["id"];
  w.make();
  CHECK(w.catalogOf("postgresql")["id"] == id);
  CHECK(w.call("redis", "GET", "/v2/nothing").status == 404);
}

TEST_CASE("built-in brokers: without the binaries the offering says what to install and "
          "provision answers 422 NotInstalled") {
  World w(false);
  json s = w.catalogOf("postgresql");
  CHECK(s["metadata"]["installed"] == false);
  CHECK(std::string_view(s["description"].get<std::string>())
            .ends_with("(not installed: apt-get install postgresql)"));
  auto r = w.call("postgresql", "PUT", "/v2/service_instances/i1?accepts_incomplete=true",
                  w.provisionBody("postgresql"));
  CHECK(r.status == 422);
  json body = json::parse(r.body);
  CHECK(body["error"] == "NotInstalled");
  CHECK(body["description"] ==
        "PostgreSQL is not installed on this machine. Install it with: sudo apt-get install "
        "postgresql, then try again.");
  CHECK(json::parse(w.call("mysql", "PUT", "/v2/service_instances/i2?accepts_incomplete=true",
                           w.provisionBody("mysql")).body)["description"]
            .get<std::string>()
            .find("apt-get install mariadb-server") != std::string::npos);
  CHECK(w.backend.runs().empty());
}

TEST_CASE("built-in postgresql: provision, bind twice, unbind and deprovision as OSB says") {
  World w;
  json body = w.provisionBody("postgresql");
  std::string base = "/v2/service_instances/i1";

  CHECK(w.call("postgresql", "PUT", base, body).status == 422);  // AsyncRequired
  json bad = body;
  bad["plan_id"] = "nope";
  CHECK(w.call("postgresql", "PUT", base + "?accepts_incomplete=true", bad).status == 400);
  CHECK(w.call("postgresql", "GET", base + "/last_operation").status == 410);

  auto r = w.call("postgresql", "PUT", base + "?accepts_incomplete=true", body);
  CHECK(r.status == 202);
  CHECK(json::parse(r.body)["operation"] == "provision");
  CHECK(w.lastState("postgresql", "i1") == "succeeded");
  // The server: initialised once, started in its container with the data bind-mounted, on
  // the container's IP.
  const runner::ContainerSpec* spec = w.backend.containerSpec("microcf-postgresql");
  REQUIRE(spec != nullptr);
  REQUIRE(spec->bind_mounts.size() == 1);
  CHECK(spec->bind_mounts[0].dst == "/tmp/data");
  CHECK_FALSE(spec->bind_mounts[0].read_only);
  CHECK(w.adminLog().find("initdb -D /tmp/data/pg") != std::string::npos);
  CHECK(w.adminLog().find("CREATE DATABASE") != std::string::npos);
  bool listening = false;
  for (const auto& run : w.backend.runs())
    if (isServer(run.spec))
      listening = base::join(run.spec.args, " ").find("listen_addresses=10.254.40.9") !=
                  std::string::npos;
  CHECK(listening);

  // Repeats: same → 200, different plan → 409.
  CHECK(w.call("postgresql", "PUT", base + "?accepts_incomplete=true", body).status == 200);
  json other = body;
  other["plan_id"] = body["service_id"];
  CHECK(w.call("postgresql", "PUT", base + "?accepts_incomplete=true", other).status == 400);

  auto b1 = w.call("postgresql", "PUT", base + "/service_bindings/b1", json::object());
  REQUIRE(b1.status == 201);
  json c1 = json::parse(b1.body)["credentials"];
  auto b2 = w.call("postgresql", "PUT", base + "/service_bindings/b2", json::object());
  REQUIRE(b2.status == 201);
  json c2 = json::parse(b2.body)["credentials"];
  for (const char* key : {"uri", "hostname", "port", "name", "username", "password", "jdbcUrl"})
    CHECK(c1.contains(key));
  CHECK(c1["hostname"] == "10.254.40.9");
  CHECK(c1["port"] == 5432);
  CHECK(c1["name"] == c2["name"]);
  CHECK(c1["username"] != c2["username"]);
  CHECK(c1["password"] != c2["password"]);
  CHECK(c1["uri"] == "postgres://" + c1["username"].get<std::string>() + ":" +
                         c1["password"].get<std::string>() + "@10.254.40.9:5432/" +
                         c1["name"].get<std::string>());
  // Binding again: the same credentials, 200.
  auto again = w.call("postgresql", "PUT", base + "/service_bindings/b1", json::object());
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["credentials"] == c1);
  CHECK(w.call("postgresql", "PUT", "/v2/service_instances/nope/service_bindings/b9",
               json::object()).status == 404);

  // Unbind drops the user and ends its sessions; a second unbind is 410.
  CHECK(w.call("postgresql", "DELETE", base + "/service_bindings/b1?service_id=s&plan_id=p")
            .status == 200);
  std::string log = w.adminLog();
  std::string user = c1["username"];
  CHECK(log.find("DROP ROLE IF EXISTS \"" + user + "\"") != std::string::npos);
  CHECK(log.find("pg_terminate_backend") != std::string::npos);
  CHECK(w.call("postgresql", "DELETE", base + "/service_bindings/b1").status == 410);

  // Deprovision: 202, then the database and the remaining user are dropped, then 410.
  auto d = w.call("postgresql", "DELETE", base + "?accepts_incomplete=true");
  CHECK(d.status == 202);
  CHECK(json::parse(d.body)["operation"] == "deprovision");
  CHECK(w.lastState("postgresql", "i1") == "gone");
  log = w.adminLog();
  CHECK(log.find("DROP DATABASE IF EXISTS \"" + c1["name"].get<std::string>() + "\"") !=
        std::string::npos);
  CHECK(log.find("DROP ROLE IF EXISTS \"" + c2["username"].get<std::string>() + "\"") !=
        std::string::npos);
  CHECK(w.call("postgresql", "DELETE", base + "?accepts_incomplete=true").status == 410);
  CHECK(w.call("postgresql", "DELETE", base + "/service_bindings/b2").status == 410);
}

TEST_CASE("built-in postgresql: a failed admin command fails the operation with its output") {
  World w;
  w.fail_admin = 100;
  auto r = w.call("postgresql", "PUT", "/v2/service_instances/i1?accepts_incomplete=true",
                  w.provisionBody("postgresql"));
  CHECK(r.status == 202);
  w.settle();
  auto op = json::parse(w.call("postgresql", "GET", "/v2/service_instances/i1/last_operation").body);
  CHECK(op["state"] == "failed");
  CHECK(op["description"].get<std::string>().find("psql failed (exit status 1)") !=
        std::string::npos);
  CHECK(w.call("postgresql", "PUT", "/v2/service_instances/i1/service_bindings/b1",
               json::object()).status == 422);
  // Provisioning again starts over and, now that the server answers, succeeds.
  w.fail_admin = 0;
  CHECK(w.call("postgresql", "PUT", "/v2/service_instances/i1?accepts_incomplete=true",
               w.provisionBody("postgresql")).status == 202);
  CHECK(w.lastState("postgresql", "i1") == "succeeded");
}

TEST_CASE("built-in mysql and redis: a user per binding, revoked at unbind") {
  World w;
  CHECK(w.call("mysql", "PUT", "/v2/service_instances/m1?accepts_incomplete=true",
               w.provisionBody("mysql")).status == 202);
  CHECK(w.lastState("mysql", "m1") == "succeeded");
  auto b = w.call("mysql", "PUT", "/v2/service_instances/m1/service_bindings/b1", json::object());
  REQUIRE(b.status == 201);
  json c = json::parse(b.body)["credentials"];
  CHECK(std::string_view(c["uri"].get<std::string>()).starts_with("mysql://"));
  CHECK(c["port"] == 3306);
  std::string user = c["username"];
  CHECK(w.adminLog().find("CREATE USER IF NOT EXISTS '" + user + "'@'%'") != std::string::npos);
  CHECK(w.call("mysql", "DELETE", "/v2/service_instances/m1/service_bindings/b1").status == 200);
  CHECK(w.adminLog().find("DROP USER IF EXISTS '" + user + "'@'%'") != std::string::npos);
  CHECK(w.adminLog().find("KILL USER '" + user + "'") != std::string::npos);

  CHECK(w.call("redis", "PUT", "/v2/service_instances/r1?accepts_incomplete=true",
               w.provisionBody("redis")).status == 202);
  CHECK(w.lastState("redis", "r1") == "succeeded");
  CHECK(w.call("redis", "PUT", "/v2/service_instances/r2?accepts_incomplete=true",
               w.provisionBody("redis")).status == 202);
  CHECK(w.lastState("redis", "r2") == "succeeded");
  CHECK(w.broker("redis").servers().size() == 2);  // a server per instance
  auto rb = w.call("redis", "PUT", "/v2/service_instances/r1/service_bindings/b1", json::object());
  REQUIRE(rb.status == 201);
  json rc = json::parse(rb.body)["credentials"];
  for (const char* key : {"uri", "host", "hostname", "port", "password"}) CHECK(rc.contains(key));
  CHECK(rc["port"] == 6379);
  std::string ruser = rc["username"];
  CHECK(w.adminLog().find("ACL SETUSER " + ruser + " on >" + rc["password"].get<std::string>() + " ~* &* +@all -@admin") !=
        std::string::npos);
  CHECK(w.call("redis", "DELETE", "/v2/service_instances/r1/service_bindings/b1").status == 200);
  CHECK(w.adminLog().find("ACL DELUSER " + ruser) != std::string::npos);
  // Deprovision removes the server and its data.
  CHECK(w.call("redis", "DELETE", "/v2/service_instances/r1?accepts_incomplete=true").status ==
        202);
  CHECK(w.lastState("redis", "r1") == "gone");
  CHECK(w.broker("redis").servers().size() == 1);
}

TEST_CASE("built-in brokers: a dead server is restarted; state and address survive a restart") {
  World w;
  CHECK(w.call("postgresql", "PUT", "/v2/service_instances/i1?accepts_incomplete=true",
               w.provisionBody("postgresql")).status == 202);
  CHECK(w.lastState("postgresql", "i1") == "succeeded");
  auto b = w.call("postgresql", "PUT", "/v2/service_instances/i1/service_bindings/b1",
                  json::object());
  REQUIRE(b.status == 201);
  auto* server = w.broker("postgresql").servers().at(0);
  int pid = server->pid();
  REQUIRE(pid > 0);
  w.backend.exit("microcf-postgresql", pid, 137);  // kill -9
  CHECK_FALSE(server->ready());
  for (int i = 0; i < 100 && !server->ready(); ++i) {
    w.loop.runUntil([&] { return server->ready(); });
    w.settle();
  }
  CHECK(server->ready());
  CHECK(server->pid() != pid);
  CHECK(server->restarts() == 1);

  // microcf restarts: the broker reads its state; the server comes back on its old address.
  w.brokers.reset();
  w.backend.setContainerIp("10.254.40.77");
  w.make();
  w.settle();
  REQUIRE(w.broker("postgresql").servers().size() == 1);
  CHECK(w.broker("postgresql").servers()[0]->ip() == "10.254.40.9");
  CHECK(w.call("postgresql", "GET", "/v2/service_instances/i1/last_operation").status == 200);
  auto again = w.call("postgresql", "PUT", "/v2/service_instances/i1/service_bindings/b1",
                      json::object());
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["credentials"] == json::parse(b.body)["credentials"]);
}
