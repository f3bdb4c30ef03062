// A scheduler on a temporary store, the fake backend and a fake clock, with one app ("hello", a
// droplet, a STARTED web process of 2 instances with a process health check), for tests.
// WorldOptions changes what differs between tests; derived worlds add what one test needs.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/testing/fake_clock.h"
#include "blobstore/blobstore.h"
#include "logs/log_store.h"
#include "loop/loop.h"
#include "runner/testing/fake_backend.h"
#include "scheduler/scheduler.h"
#include "store/testing/temp_store.h"

namespace mcf::scheduler::testing {

struct RecordingSink : EndpointSink {
  std::vector<std::string> added, removed;
  std::vector<std::string> addresses;  // host:port of each added endpoint
  void addEndpoint(const RoutableInstance& i) override {
    added.push_back(i.instance_guid);
    addresses.push_back(i.host + ":" + std::to_string(i.port));
  }
  void removeEndpoint(const std::string&, const std::string& guid) override {
    removed.push_back(guid);
  }
};

// Runs the loop until pred holds; gives up after three seconds of real time.
inline bool runUntil(loop::Loop& loop, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  loop.runUntil([&] { return pred() || std::chrono::steady_clock::now() > deadline; });
  return pred();
}

// Runs the loop for n turns, whatever happens.
inline void spin(loop::Loop& loop, int n) {
  loop.runUntil([&, i = 0]() mutable { return ++i > n; });
}

struct WorldOptions {
  std::string app_name = "hello";
  std::map<std::string, std::string> env;  // the app's environment variables
  bool started = true;                     // false leaves the app as created
  bool scheduler = true;                   // false: neither web process nor scheduler
  int instances = 2;
  // Changes to the web process and to the scheduler's config before they are used.
  std::function<void(model::Process&)> process;
  std::function<void(SchedulerConfig&)> config;
};

template <class Sink = RecordingSink>
struct BasicWorld {
  store::TempStore store;
  std::string dir;
  base::FakeClock clock;
  loop::Loop loop;
  runner::FakeBackend backend{&loop};
  logs::LogStore logs{clock};
  Sink sink;
  std::unique_ptr<blobstore::Blobstore> blobs;
  model::App app;
  model::Droplet droplet;
  model::Process web;
  SchedulerConfig config;
  std::unique_ptr<Scheduler> sched;

  explicit BasicWorld(const WorldOptions& options = {}) {
    char tmpl[] = "/tmp/mcf-sched-XXXXXX";
    dir = ::mkdtemp(tmpl);
    blobs = std::move(blobstore::Blobstore::open(dir + "/blobs")).value();
    auto org = store->createOrg({{}, "", "org"});
    auto space = store->createSpace({{}, "", "dev", org->guid});
    model::App a;
    a.name = options.app_name;
    a.space_guid = space->guid;
    a.env = options.env;
    app = *store->createApp(a);
    droplet = *store->getDroplet(newDroplet());
    app.droplet_guid = droplet.guid;
    if (options.started) app.state = model::AppState::kStarted;
    REQUIRE(store->updateApp(app).ok());
    if (!options.scheduler) return;
    web = model::defaultProcess(app.guid, "web");
    web.instances = options.instances;
    web.health_check.type = "process";
    if (options.process) options.process(web);
    web = *store->createProcess(web);
    config.droplets_dir = dir + "/droplets";
    config.cf_api = "http://api.localhost:8080";
    config.converge_interval_ms = 5;
    config.startup_poll_ms = 5;
    config.stop_grace_ms = 50;
    config.drain_ms = 20;
    if (options.config) options.config(config);
    makeScheduler();
  }
  ~BasicWorld() {
    // Let deferred frees run while the loop still owns their timers.
    spin(3);
    sched.reset();
    spin(3);
    (void)base::removeTree(dir);
  }
  BasicWorld(const BasicWorld&) = delete;
  BasicWorld& operator=(const BasicWorld&) = delete;

  // A new scheduler on the same store and backend, as after a restart of microcf.
  void makeScheduler() {
    sched.reset();
    sched = std::make_unique<Scheduler>(loop, *store, backend, *blobs, logs, sink, clock, config);
  }
  // A droplet of the app with a web process type, unpacked in the droplets directory.
  std::string newDroplet() {
    model::Droplet d;
    d.app_guid = app.guid;
    d.process_types = {{"web", "./run"}};
    auto created = store->createDroplet(d);
    REQUIRE(created.ok());
    REQUIRE(base::makeDirs(dir + "/droplets/" + created->guid).ok());
    return created->guid;
  }
  // Stores the web process and tells the scheduler, as the controller does.
  void update(const std::function<void(model::Process&)>& change) {
    change(web);
    update();
  }
  void update() {
    REQUIRE(store->updateProcess(web).ok());
    sched->desiredChanged(app.guid);
  }
  std::vector<InstanceView> views() { return sched->instances(web.guid); }
  std::vector<std::string> guids() {
    std::vector<std::string> out;
    for (const auto& v : views()) out.push_back(v.instance_guid);
    return out;
  }
  bool allRunning() {
    auto v = views();
    for (const auto& i : v)
      if (i.state != model::InstanceState::kRunning) return false;
    return !v.empty();
  }
  // The only instance exits with status 1 `times` times in a row, each time once it runs again.
  void crashInARow(size_t times) {
    for (size_t crash = 1; crash <= times; ++crash) {
      REQUIRE(runUntil(loop, [&] { return backend.runs().size() == crash && allRunning(); }));
      auto last = backend.runs().back();
      REQUIRE(backend.exit(last.handle, last.pid, 1));
    }
  }
  // The app's log: one "source payload" line per entry.
  std::string logText() {
    std::string all;
    for (const auto& e : logs.read(app.guid, {.limit = 1000}))
      all += e.source_type + " " + e.payload + "\n";
    return all;
  }
  // Spins the loop a little without waiting for anything in particular.
  void spin(int turns = 20) { testing::spin(loop, turns); }
};

using World = BasicWorld<>;

}  // namespace mcf::scheduler::testing
