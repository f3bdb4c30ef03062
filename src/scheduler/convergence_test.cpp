// Convergence against the fake backend: desired instances start, a crash restarts at once,
// scaling down and stopping remove instances, shutdown ends everything.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler::testing;

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
  World w({.instances = 1});
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
  World w({.instances = 1});
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
  World w({.instances = 1});
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  auto first = w.backend.runs()[0];
  REQUIRE(w.backend.exit(first.handle, first.pid, 137, true));
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 2; }));
  CHECK(w.logText().find("\"exit_description\":\"APP/PROC/WEB: Exited with status 137 (out of memory)\"") !=
        std::string::npos);
}

TEST_CASE("the fourth crash in a row waits for the backoff and shows CRASHED until then") {
  World w({.instances = 1});
  w.sched->start();
  w.crashInARow(4);
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
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.stops().empty(); }));  // after the drain

  w.app.state = model::AppState::kStopped;
  REQUIRE(w.store->updateApp(w.app).ok());
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.views()[0].state == model::InstanceState::kDown; }));
  CHECK(w.sched->running() == 0);

  bool done = false;
  w.sched->shutdown([&] { done = true; });
  CHECK(runUntil(w.loop, [&] { return done; }));
}

TEST_CASE("an instance's outbound rules are the security groups' and its app's bound services'") {
  std::string asked;
  World w({.config = [&](scheduler::SchedulerConfig& c) {
    c.running_net_out = {runner::NetOutRule{"all", "0.0.0.0/0", 0, 0}};
    c.app_net_out = [&](const std::string& app_guid) {
      asked = app_guid;
      return std::vector<runner::NetOutRule>{runner::NetOutRule{"tcp", "10.254.0.5", 5432, 5432}};
    };
  }});
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  CHECK(asked == w.app.guid);
  const auto* spec = w.backend.containerSpec(w.backend.runs()[0].handle);
  REQUIRE(spec != nullptr);
  REQUIRE(spec->net_out.size() == 2);
  CHECK(spec->net_out[0].destination == "0.0.0.0/0");
  CHECK(spec->net_out[1].protocol == "tcp");
  CHECK(spec->net_out[1].destination == "10.254.0.5");
  CHECK(spec->net_out[1].port_first == 5432);
}
