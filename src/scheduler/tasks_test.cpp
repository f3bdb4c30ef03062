// The task runner against the fake backend: tasks run from their droplet with the app's
// environment, end SUCCEEDED or FAILED with Cloud Foundry's reasons, can be cancelled, and
// are failed honestly after microcf stopped while they ran.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/droplet_cache.h"
#include "scheduler/tasks.h"
#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler::testing;
using model::TaskState;

namespace {

// The app "hello" (not started, with GREETING=hi) and its droplet, for a task runner.
struct TaskWorld : World {
  std::unique_ptr<scheduler::DropletCache> droplets;
  std::unique_ptr<scheduler::TaskRunner> runner;

  TaskWorld() : World({.env = {{"GREETING", "hi"}}, .started = false, .scheduler = false}) {
    droplets = std::make_unique<scheduler::DropletCache>(loop, *blobs, backend, dir + "/droplets");
    makeRunner();
  }
  void makeRunner() {
    scheduler::TaskRunnerConfig rc;
    rc.cf_api = "http://api.localhost:8080";
    rc.stop_grace_ms = 50;
    runner = std::make_unique<scheduler::TaskRunner>(loop, *store, backend, *droplets, logs, rc);
  }

  model::Task create(const std::string& name, const std::string& command) {
    model::Task t;
    t.app_guid = app.guid;
    t.name = name;
    t.command = command;
    t.memory_in_mb = 256;
    t.disk_in_mb = 512;
    t.droplet_guid = droplet.guid;
    return *store->createTask(t);
  }
  model::Task task(const std::string& guid) { return *store->getTask(guid); }
  std::string state(const std::string& guid) { return model::toString(task(guid).state); }
  std::string logText() {
    std::string all;
    for (const auto& e : logs.read(app.guid, {.limit = 1000}))
      all += e.source_type + "/" + e.instance_id + (e.is_err ? " ERR " : " OUT ") + e.payload + "\n";
    return all;
  }
  bool logged(const std::string& line) { return logText().find(line) != std::string::npos; }
};

std::string valueOf(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env)
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return "<missing>";
}

}  // namespace

TEST_CASE("a task runs in a container of its droplet with the app's environment and succeeds") {
  TaskWorld w;
  auto t = w.create("migrate", "bin/migrate --all");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  CHECK(w.state(t.guid) == "RUNNING");
  const auto& run = w.backend.runs()[0];
  CHECK(run.handle == t.guid);
  CHECK(run.spec.path == "/tmp/lifecycle/launcher");
  CHECK(run.spec.args == std::vector<std::string>{"app", "bin/migrate --all", ""});
  CHECK(run.spec.user == "vcap");
  CHECK(valueOf(run.spec.env, "GREETING") == "hi");
  CHECK(valueOf(run.spec.env, "PORT") == "<missing>");
  CHECK(valueOf(run.spec.env, "MEMORY_LIMIT") == "256m");
  const runner::ContainerSpec* spec = w.backend.containerSpec(t.guid);
  REQUIRE(spec != nullptr);
  CHECK(spec->home_lower_dir == w.dir + "/droplets/" + w.droplet.guid);
  CHECK(spec->limits.memory_mb == 256);
  CHECK(spec->limits.disk_mb == 512);
  CHECK(spec->properties.at("kind") == "task");

  REQUIRE(w.backend.emitStdout(t.guid, run.pid, "migrated 3 tables\n"));
  REQUIRE(w.backend.emitStderr(t.guid, run.pid, "a warning\n"));
  REQUIRE(w.backend.exit(t.guid, run.pid, 0));
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.state(t.guid) == "SUCCEEDED");
  CHECK(w.task(t.guid).failure_reason.empty());
  CHECK(w.backend.containerSpec(t.guid) == nullptr);  // destroyed
  CHECK(w.logged("APP/TASK/migrate/0 OUT migrated 3 tables\n"));
  CHECK(w.logged("APP/TASK/migrate/0 ERR a warning\n"));
  CHECK(w.logged("APP/TASK/migrate/0 OUT Exit status 0\n"));
  CHECK(w.logged("CELL/0 OUT Cell microcf-0 creating container for task " + t.guid));
  CHECK(w.logged("CELL/0 OUT Cell microcf-0 successfully created container for task " + t.guid));
  CHECK(w.logged("CELL/0 OUT Cell microcf-0 successfully destroyed container for task " + t.guid));
}

TEST_CASE("a task that exits non-zero fails with Diego's exit description") {
  TaskWorld w;
  auto t = w.create("broken", "false");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  REQUIRE(w.backend.exit(t.guid, w.backend.runs()[0].pid, 1));
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == "APP/TASK/broken: Exited with status 1");
  CHECK(w.logged("APP/TASK/broken/0 OUT Exit status 1\n"));

  auto oom = w.create("hungry", "eat");
  w.runner->taskCreated(oom.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 2; }));
  REQUIRE(w.backend.exit(oom.guid, w.backend.runs()[1].pid, 137, true));
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.task(oom.guid).failure_reason ==
        "APP/TASK/hungry: Exited with status 137 (out of memory)");
}

TEST_CASE("cancelling a running task sends SIGTERM, then SIGKILL after the grace") {
  TaskWorld w;
  w.backend.exitOnStop(false);  // a task that ignores SIGTERM
  auto t = w.create("sleepy", "sleep 1000");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  auto stored = w.task(t.guid);
  stored.state = TaskState::kCanceling;  // what the controller writes
  REQUIRE(w.store->updateTask(stored).ok());
  w.runner->cancel(t.guid);
  REQUIRE(w.backend.stops().size() == 1);
  CHECK(w.backend.stops()[0] == std::pair<std::string, bool>{t.guid, false});
  CHECK(w.state(t.guid) == "CANCELING");
  REQUIRE(runUntil(w.loop, [&] { return w.backend.stops().size() == 2; }));
  CHECK(w.backend.stops()[1] == std::pair<std::string, bool>{t.guid, true});
  REQUIRE(w.backend.exit(t.guid, w.backend.runs()[0].pid, 137));
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == "task was cancelled");
  CHECK(w.backend.containerSpec(t.guid) == nullptr);
}

TEST_CASE("a task that stops on SIGTERM is cancelled without SIGKILL") {
  TaskWorld w;
  auto t = w.create("polite", "sleep 1000");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  auto stored = w.task(t.guid);
  stored.state = TaskState::kCanceling;
  REQUIRE(w.store->updateTask(stored).ok());
  w.runner->cancel(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == "task was cancelled");
  w.loop.runUntil([&, n = 0]() mutable { return ++n > 20; });
  CHECK(w.backend.stops().size() == 1);  // SIGTERM only
}

TEST_CASE("a task the runner has not picked up is cancelled at once") {
  TaskWorld w;
  auto t = w.create("never", "true");
  auto stored = w.task(t.guid);
  stored.state = TaskState::kCanceling;
  REQUIRE(w.store->updateTask(stored).ok());
  w.runner->cancel(t.guid);
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == "task was cancelled");
  w.runner->taskCreated(t.guid);  // a late wake-up does not run it
  CHECK(w.backend.runs().empty());
}

TEST_CASE("a container that cannot be created fails the task and says why") {
  TaskWorld w;
  w.backend.failNextCreate({base::Errc::kIo, "no space left on device"});
  auto t = w.create("boom", "true");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == "Creating the container failed: no space left on device");
  CHECK(w.logged("CELL/0 ERR Creating the container failed: no space left on device"));
}

TEST_CASE("after a restart, RUNNING tasks fail as lost, CANCELING ones as cancelled, PENDING run") {
  TaskWorld w;
  auto running = w.create("was-running", "sleep 100");
  auto canceling = w.create("was-canceling", "sleep 100");
  auto pending = w.create("was-pending", "echo hi");
  for (auto [t, s] : {std::pair{running, TaskState::kRunning}, {canceling, TaskState::kCanceling}}) {
    t.state = s;
    REQUIRE(w.store->updateTask(t).ok());
  }
  w.runner->start();
  CHECK(w.state(running.guid) == "FAILED");
  CHECK(w.task(running.guid).failure_reason == scheduler::kTaskLostReason);
  CHECK(w.state(canceling.guid) == "FAILED");
  CHECK(w.task(canceling.guid).failure_reason == "task was cancelled");
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  CHECK(w.backend.runs()[0].handle == pending.guid);
  CHECK(w.state(pending.guid) == "RUNNING");
  CHECK(w.logged("Task 1 (was-running) was running when microcf stopped; it failed."));
}

TEST_CASE("shutdown stops running tasks, fails them as lost and then says it is done") {
  TaskWorld w;
  auto t = w.create("long", "sleep 1000");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  bool done = false;
  w.runner->shutdown([&] { done = true; });
  REQUIRE(runUntil(w.loop, [&] { return done; }));
  CHECK(w.state(t.guid) == "FAILED");
  CHECK(w.task(t.guid).failure_reason == scheduler::kTaskLostReason);
  CHECK(w.backend.containerSpec(t.guid) == nullptr);
  auto later = w.create("later", "true");
  w.runner->taskCreated(later.guid);
  CHECK(w.backend.runs().size() == 1);  // nothing starts after shutdown
}

TEST_CASE("deleting the app kills its running tasks") {
  TaskWorld w;
  w.backend.exitOnStop(false);
  auto t = w.create("orphan", "sleep 1000");
  w.runner->taskCreated(t.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 1; }));
  w.runner->appChanged(w.app.guid);  // still there: nothing happens
  CHECK(w.backend.stops().empty());
  REQUIRE(w.store->deleteApp(w.app.guid).ok());
  w.runner->appChanged(w.app.guid);
  REQUIRE(w.backend.stops().size() == 1);
  CHECK(w.backend.stops()[0] == std::pair<std::string, bool>{t.guid, true});
  REQUIRE(w.backend.exit(t.guid, w.backend.runs()[0].pid, 137));
  REQUIRE(runUntil(w.loop, [&] { return w.runner->inFlight() == 0; }));
  CHECK(w.backend.containerSpec(t.guid) == nullptr);
}
