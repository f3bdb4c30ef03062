// Tests of the store's tasks: sequence ids, states, updates, and deletion with their app.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
using base::Errc;

namespace {

struct Fixture : StoreWithSpace {
  std::string app(const std::string& name) { return makeApp(*s, space, name).guid; }

  model::Task task(const std::string& app_guid, const std::string& name) {
    model::Task t;
    t.app_guid = app_guid;
    t.name = name;
    t.command = "echo " + name;
    t.droplet_guid = "d-1";
    t.sequence_id = 99;  // ignored: the store counts
    auto made = s->createTask(t);
    REQUIRE(made.ok());
    return *made;
  }
};

std::string stateName(model::TaskState s) { return model::toString(s); }

}  // namespace

TEST_CASE("tasks: sequence ids count per app from 1 and every field round-trips") {
  Fixture f;
  std::string a = f.app("a"), b = f.app("b");
  auto a1 = f.task(a, "one");
  auto a2 = f.task(a, "two");
  auto b1 = f.task(b, "one");
  CHECK(a1.sequence_id == 1);
  CHECK(a2.sequence_id == 2);
  CHECK(b1.sequence_id == 1);
  CHECK(!a1.guid.empty());
  CHECK(a1.created_at > 0);

  auto got = f.s->getTask(a2.guid);
  REQUIRE(got.ok());
  CHECK(got->app_guid == a);
  CHECK(got->name == "two");
  CHECK(got->command == "echo two");
  CHECK(stateName(got->state) == "PENDING");
  CHECK(got->memory_in_mb == 1024);
  CHECK(got->disk_in_mb == 1024);
  CHECK(got->log_rate_limit_in_bytes_per_second == -1);
  CHECK(got->failure_reason.empty());
  CHECK(got->droplet_guid == "d-1");

  auto of_a = f.s->listTasks(a);
  REQUIRE(of_a.ok());
  REQUIRE(of_a->size() == 2);
  CHECK((*of_a)[0].sequence_id == 1);
  CHECK((*of_a)[1].sequence_id == 2);
  CHECK(f.s->listTasks("")->size() == 3);
}

TEST_CASE("tasks: updates move the state; lists by state find them; unknown guids fail") {
  Fixture f;
  std::string a = f.app("a");
  auto t = f.task(a, "migrate");
  f.task(a, "other");
  t.state = model::TaskState::kFailed;
  t.failure_reason = "APP/TASK/migrate: Exited with status 1";
  REQUIRE(f.s->updateTask(t).ok());
  auto got = f.s->getTask(t.guid);
  CHECK(stateName(got->state) == "FAILED");
  CHECK(got->failure_reason == "APP/TASK/migrate: Exited with status 1");
  CHECK(got->sequence_id == 1);

  auto failed = f.s->listTasksInState(model::TaskState::kFailed);
  REQUIRE(failed.ok());
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].guid == t.guid);
  CHECK(f.s->listTasksInState(model::TaskState::kPending)->size() == 1);
  CHECK(f.s->listTasksInState(model::TaskState::kRunning)->empty());

  model::Task ghost;
  ghost.guid = "no-such-task";
  CHECK(f.s->updateTask(ghost).error().code == Errc::kNotFound);
  CHECK(f.s->getTask("no-such-task").error().code == Errc::kNotFound);
}

TEST_CASE("tasks: an unknown app is refused; deleting the app deletes its tasks") {
  Fixture f;
  model::Task t;
  t.app_guid = "no-such-app";
  t.name = "x";
  t.command = "true";
  CHECK(f.s->createTask(t).error().code == Errc::kInvalid);

  std::string a = f.app("a");
  auto kept = f.task(f.app("b"), "kept");
  f.task(a, "gone");
  REQUIRE(f.s->deleteApp(a).ok());
  auto all = f.s->listTasks("");
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].guid == kept.guid);
  // The next app's numbering is its own.
  CHECK(f.task(f.app("c"), "first").sequence_id == 1);
}

TEST_CASE("tasks survive a reopen, and the numbering continues") {
  Fixture f;
  std::string a = f.app("a");
  f.task(a, "one");
  f.s.reopen();
  REQUIRE(f.s.ok());
  CHECK(f.s->listTasks(a)->size() == 1);
  CHECK(f.task(a, "two").sequence_id == 2);
}
