// Convergence against the fake backend: desired instances start, a crash restarts at once,
// scaling down and stopping remove instances, shutdown ends everything.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <stdlib.h>

#include "base/fs.h"
#include "base/testing/fake_clock.h"
#include "blobstore/blobstore.h"
#include "logs/log_store.h"
#include "loop/loop.h"
#include "runner/testing/fake_backend.h"
#include "scheduler/scheduler.h"
#include "store/testing/temp_store.h"

using namespace mcf;

namespace {

struct RecordingSink : scheduler::EndpointSink {
  std::vector<std::string> added, removed;
  std::vector<std::string> addresses;  // host:port of each added endpoint
  void addEndpoint(const scheduler::RoutableInstance& i) override {
    added.push_back(i.instance_guid);
    addresses.push_back(i.host + ":" + std::to_string(i.port));
  }
  void removeEndpoint(const std::string&, const std::string& guid) override { removed.push_back(guid); }
};

// Runs the loop until pred holds; fails the test after two seconds of real time.
bool runUntil(loop::Loop& loop, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  loop.runUntil([&] { return pred() || std::chrono::steady_clock::now() > deadline; });
  return pred();
}

struct World {
  store::TempStore store;
  std::string dir;
  base::FakeClock clock;
  loop::Loop loop;
  runner::FakeBackend backend{&loop};
  logs::LogStore logs{clock};
  RecordingSink sink;
  std::unique_ptr<blobstore::Blobstore> blobs;
  model::App app;
  model::Process web;
  std::unique_ptr<scheduler::Scheduler> sched;

  World() {
    char tmpl[] = "/tmp/mcf-sched-XXXXXX";
    dir = ::mkdtemp(tmpl);
    blobs = std::move(blobstore::Blobstore::open(dir + "/blobs")).value();
    auto org = store->createOrg({{}, "", "org"});
    auto space = store->createSpace({{}, "", "dev", org->guid});
    model::App a;
    a.name = "hello";
    a.space_guid = space->guid;
    app = *store->createApp(a);
    model::Droplet d;
    d.app_guid = app.guid;
    d.process_types = {{"web", "./run"}};
    auto droplet = store->createDroplet(d);
    REQUIRE(base::makeDirs(dir + "/droplets/" + droplet->guid).ok());
    app.droplet_guid = droplet->guid;
    app.state = model::AppState::kStarted;
    REQUIRE(store->updateApp(app).ok());
    web = model::defaultProcess(app.guid, "web");
    web.instances = 2;
    web.health_check.type = "process";
    web = *store->createProcess(web);
    scheduler::SchedulerConfig config;
    config.droplets_dir = dir + "/droplets";
    config.cf_api = "http://api.localhost:8080";
    config.converge_interval_ms = 5;
    config.startup_poll_ms = 5;
    config.stop_grace_ms = 50;
    sched = std::make_unique<scheduler::Scheduler>(loop, *store, backend, *blobs, logs, sink,
                                                   clock, config);
  }
  ~World() {
    sched.reset();
    (void)base::removeTree(dir);
  }
  std::vector<scheduler::InstanceView> views() { return sched->instances(web.guid); }
  bool allRunning() {
    auto v = views();
    for (const auto& i : v)
      if (i.state != model::InstanceState::kRunning) return false;
    return !v.empty();
  }
  std::string logText() {
    std::string all;
    for (const auto& e : logs.read(app.guid, {.limit = 1000})) all += e.source_type + " " + e.payload + "\n";
    return all;
  }
};

}  // namespace

TEST_CASE("desired instances start in containers with the launcher and the app's environment") {
  World w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  REQUIRE(w.backend.runs().size() == 2);
  const auto& run = w.backend.runs()[0];
  CHECK(run.spec.path == "/tmp/lifecycle/launcher");
  CHECK(run.spec.args == std::vector<std::string>{"app", "./run", ""});
  CHECK(run.spec.user == "vcap");
  bool has_port = false;
  for (const auto& kv : run.spec.env) has_port |= kv.rfind("PORT=6", 0) == 0;
  CHECK(has_port);
  CHECK(w.backend.containerSpec(run.handle)->home_lower_dir ==
        w.dir + "/droplets/" + w.app.droplet_guid);
  CHECK(w.sink.added.size() == 2);
  CHECK(w.logText().find("CELL Cell microcf-0 successfully created container") != std::string::npos);
}

TEST_CASE("a crashed instance is reported, unrouted and restarted at once") {
  World w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  auto first = w.backend.runs()[0];
  REQUIRE(w.backend.exit(first.handle, first.pid, 3));
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 3 && w.allRunning(); }));
  CHECK(w.sink.removed == std::vector<std::string>{first.handle});
  std::string logs = w.logText();
  CHECK(logs.find("APP/PROC/WEB Exit status 3") != std::string::npos);
  CHECK(logs.find("API Process has crashed with type: \"web\"") != std::string::npos);
  CHECK(logs.find("\"exit_description\":\"APP/PROC/WEB: Exited with status 3\"") != std::string::npos);
  int crashes = 0;
  for (const auto& v : w.views()) crashes += v.crash_count;
  CHECK(crashes == 1);
}

TEST_CASE("instances with a network of their own listen on 8080 at the container's IP") {
  World w;
  w.web.instances = 1;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.backend.setContainerIp("10.254.0.7");
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  const auto& env = w.backend.runs()[0].spec.env;
  auto has = [&](const std::string& kv) { return std::find(env.begin(), env.end(), kv) != env.end(); };
  CHECK(has("PORT=8080"));
  CHECK(has("CF_INSTANCE_INTERNAL_IP=10.254.0.7"));
  CHECK(w.sink.addresses == std::vector<std::string>{"10.254.0.7:8080"});
  CHECK(w.views()[0].host == "10.254.0.7");
}

TEST_CASE("instance views carry the container's memory, disk and CPU usage") {
  World w;
  w.web.instances = 1;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  std::string h = w.backend.runs()[0].handle;
  w.backend.setUsage(h, {.cpu_ns = 1000000000, .memory_bytes = 5 << 20, .disk_bytes = 7 << 20});
  (void)w.views();  // the first look sets the CPU baseline
  w.clock.advanceMs(2000);
  w.backend.setUsage(h, {.cpu_ns = 2000000000, .memory_bytes = 5 << 20, .disk_bytes = 7 << 20});
  auto v = w.views()[0];
  CHECK(v.mem_bytes == 5 << 20);
  CHECK(v.disk_bytes == 7 << 20);
  CHECK(v.cpu == doctest::Approx(0.5));
}

TEST_CASE("an instance killed by its memory limit crashes with \"out of memory\"") {
  World w;
  w.web.instances = 1;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  auto first = w.backend.runs()[0];
  REQUIRE(w.backend.exit(first.handle, first.pid, 137, true));
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 2; }));
  CHECK(w.logText().find("\"exit_description\":\"APP/PROC/WEB: Exited with status 137 (out of memory)\"") !=
        std::string::npos);
}

TEST_CASE("the fourth crash in a row waits for the backoff and shows CRASHED until then") {
  World w;
  w.web.instances = 1;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.sched->start();
  for (size_t crash = 1; crash <= 4; ++crash) {
    REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == crash && w.allRunning(); }));
    auto last = w.backend.runs().back();
    REQUIRE(w.backend.exit(last.handle, last.pid, 1));
  }
  REQUIRE(runUntil(w.loop, [&] { return w.views()[0].state == model::InstanceState::kCrashed; }));
  size_t runs = w.backend.runs().size();
  // No restart before 30 s of (fake) time have passed.
  w.loop.runUntil([&, n = 0]() mutable { return ++n > 20; });
  CHECK(w.backend.runs().size() == runs);
  CHECK(w.views()[0].details == "APP/PROC/WEB: Exited with status 1");
  w.clock.advanceMs(30000);
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  CHECK(w.backend.runs().size() == runs + 1);
}

TEST_CASE("scaling down and stopping the app stop instances; shutdown finishes") {
  World w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.views().size() == 2; }));
  w.web.instances = 1;
  REQUIRE(w.store->updateProcess(w.web).ok());
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.sched->running() == 1; }));
  CHECK(w.backend.runs().size() == 2);  // the remaining instance was not touched
  CHECK_FALSE(w.backend.stops().empty());

  w.app.state = model::AppState::kStopped;
  REQUIRE(w.store->updateApp(w.app).ok());
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.views()[0].state == model::InstanceState::kDown; }));
  CHECK(w.sched->running() == 0);

  bool done = false;
  w.sched->shutdown([&] { done = true; });
  CHECK(runUntil(w.loop, [&] { return done; }));
}
