// Tests of the store's audit events and the processes' readiness check columns.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/db.h"
#include "store/schema.h"
#include "store/testing/seed.h"
#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
using base::Errc;

namespace {

model::AuditEvent event(const std::string& type, const std::string& target) {
  model::AuditEvent e;
  e.type = type;
  e.actor_guid = "user-1";
  e.actor_type = "user";
  e.actor_name = "admin";
  e.target_guid = target;
  e.target_type = "app";
  e.target_name = "hello";
  e.space_guid = "space-1";
  e.data = R"({"index":0})";
  return e;
}

}  // namespace

TEST_CASE("audit events are stored, found by guid and listed by type and target in order") {
  TempStore s;
  REQUIRE(s.ok());
  auto a = s->createEvent(event("audit.app.start", "app-a"));
  REQUIRE(a.ok());
  CHECK(a->guid.size() == 36);
  CHECK(a->created_at > 0);
  REQUIRE(s->createEvent(event("app.crash", "app-a")).ok());
  REQUIRE(s->createEvent(event("app.crash", "app-b")).ok());
  auto empty_data = event("audit.app.stop", "app-a");
  empty_data.data.clear();
  REQUIRE(s->createEvent(empty_data).ok());

  auto got = s->getEvent(a->guid);
  REQUIRE(got.ok());
  CHECK(got->type == "audit.app.start");
  CHECK(got->actor_name == "admin");
  CHECK(got->data == R"({"index":0})");
  CHECK(s->getEvent("nope").error().code == Errc::kNotFound);

  auto all = s->listEvents({});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK((*all)[0].type == "audit.app.start");
  CHECK((*all)[3].data == "{}");

  auto crashes = s->listEvents({.types = {"app.crash"}});
  REQUIRE(crashes.ok());
  CHECK(crashes->size() == 2);
  auto of_a = s->listEvents({.types = {"app.crash", "audit.app.start"}, .target_guids = {"app-a"}});
  REQUIRE(of_a.ok());
  CHECK(of_a->size() == 2);
  CHECK(s->listEvents({.space_guids = {"other"}})->empty());
}

TEST_CASE("events survive a restart and the deletion of their app") {
  TempStore s;
  REQUIRE(s.ok());
  auto app = makeApp(*s, devSpace(*s), "hello");
  REQUIRE(s->createEvent(event("audit.app.delete-request", app.guid)).ok());
  REQUIRE(s->deleteApp(app.guid).ok());
  s.reopen();
  CHECK(s->listEvents({.target_guids = {app.guid}})->size() == 1);
}

TEST_CASE("a process's readiness check is stored and defaults to process") {
  TempStore s;
  REQUIRE(s.ok());
  auto app = makeApp(*s, devSpace(*s), "hello");
  auto web = s->createProcess(model::defaultProcess(app.guid, "web"));
  REQUIRE(web.ok());
  CHECK(s->getProcess(web->guid)->readiness_check.type == "process");
  web->readiness_check.type = "http";
  web->readiness_check.endpoint = "/ready";
  web->readiness_check.interval = 3;
  web->readiness_check.invocation_timeout = 2;
  REQUIRE(s->updateProcess(*web).ok());
  auto got = s->getProcess(web->guid);
  REQUIRE(got.ok());
  CHECK(got->readiness_check.type == "http");
  CHECK(got->readiness_check.endpoint == "/ready");
  CHECK(got->readiness_check.interval == std::optional<int>(3));
  CHECK(got->readiness_check.invocation_timeout == std::optional<int>(2));
}

TEST_CASE("a version 1 database gains the events table and processes keep working") {
  char tmpl[] = "/tmp/mcf-store-v1-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string path = std::string(tmpl) + "/microcf.db";
  {
    auto db = Db::open(path);
    REQUIRE(db.ok());
    REQUIRE(migrate(**db, {migrations()[0]}).ok());
    REQUIRE(db.value()->exec(
        "INSERT INTO orgs VALUES ('o', 'org', 1, 1);"
        "INSERT INTO spaces VALUES ('s', 'o', 'dev', 1, 1);"
        "INSERT INTO apps VALUES ('a', 's', 'hello', 'STARTED', '[]', 'host', '{}', '', 1, 1);"
        "INSERT INTO processes VALUES ('a', 'a', 'web', NULL, 1, 256, 1024, -1, 'http', 90, "
        "NULL, NULL, '/health', 'v', 1, 1);").ok());
  }
  auto store = Store::open(path);
  REQUIRE(store.ok());
  auto web = store.value()->getProcess("a");
  REQUIRE(web.ok());
  CHECK(web->health_check.type == "http");
  CHECK(web->health_check.timeout == std::optional<int>(90));
  CHECK(web->readiness_check.type == "process");
  CHECK(web->readiness_check.endpoint.empty());
  CHECK(store.value()->createEvent(event("app.crash", "a")).ok());
  store->reset();
  (void)base::removeTree(tmpl);
}
