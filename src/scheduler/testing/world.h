// A scheduler on a temporary store, the fake backend and a fake clock, with one STARTED app
// ("hello", a droplet, a web process of 2 instances with a process health check), for tests.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <functional>
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
  void addEndpoint(const RoutableInstance& i) override { added.push_back(i.instance_guid); }
  void removeEndpoint(const std::string&, const std::string& guid) override {
    removed.push_back(guid);
  }
};

// Runs the loop until pred holds; gives up after two seconds of real time.
inline bool runUntil(loop::Loop& loop, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  loop.runUntil([&] { return pred() || std::chrono::steady_clock::now() > deadline; });
  return pred();
}

// Runs the loop for n turns, whatever happens.
inline void spin(loop::Loop& loop, int n) {
  loop.runUntil([&, i = 0]() mutable { return ++i > n; });
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
  std::unique_ptr<Scheduler> sched;

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
    SchedulerConfig config;
    config.droplets_dir = dir + "/droplets";
    config.cf_api = "http://api.localhost:8080";
    config.converge_interval_ms = 5;
    config.startup_poll_ms = 5;
    config.stop_grace_ms = 50;
    sched = std::make_unique<Scheduler>(loop, *store, backend, *blobs, logs, sink, clock, config);
  }
  ~World() {
    sched.reset();
    (void)base::removeTree(dir);
  }
  // Stores the web process and tells the scheduler, as the controller does.
  void update(const std::function<void(model::Process&)>& change) {
    change(web);
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
};

}  // namespace mcf::scheduler::testing
