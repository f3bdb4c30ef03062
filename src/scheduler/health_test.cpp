// Health, readiness, crash events and single-instance restarts of the scheduler, against the
// fake backend, a fake prober and a fake clock: no real probe and no sleeping.
#include <doctest/doctest.h>

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler::testing;
using model::InstanceState;

namespace {

// Answers every probe at once with the answer set for its endpoint ("" = ok).
struct FakeProber : scheduler::HealthProber {
  explicit FakeProber(loop::Loop& loop) : HealthProber(loop) {}
  void probe(const scheduler::ProbeSpec& spec, std::function<void(base::Status)> done) override {
    specs.push_back(spec);
    std::string answer = answers[spec.endpoint];
    if (answer.empty()) done({});
    else done(base::makeError(base::Errc::kUnavailable, "{}", answer));
  }
  int probesOf(const std::string& endpoint) const {
    int n = 0;
    for (const auto& s : specs) n += s.endpoint == endpoint;
    return n;
  }
  std::map<std::string, std::string> answers;  // by endpoint
  std::vector<scheduler::ProbeSpec> specs;
};

// The app "crashy" with an http health check on /health, and a fake prober.
struct HealthWorld : World {
  FakeProber* prober = nullptr;

  explicit HealthWorld(int instances = 1)
      : World({.app_name = "crashy",
               .instances = instances,
               .process =
                   [](model::Process& web) {
                     web.health_check.type = "http";
                     web.health_check.endpoint = "/health";
                     web.health_check.timeout = 3;
                     web.health_check.interval = 5;
                     web.health_check.invocation_timeout = 2;
                   },
               .config = [](scheduler::SchedulerConfig& c) { c.health_recheck_ms = 2; }}) {
    auto fake = std::make_unique<FakeProber>(loop);
    prober = fake.get();
    sched->useProber(std::move(fake));
  }
  scheduler::InstanceView view(int i = 0) { return sched->instances(web.guid).at(i); }
  std::string state(int i = 0) { return model::toString(view(i).state); }
  bool running(int i = 0) { return view(i).state == InstanceState::kRunning; }
};

}  // namespace

TEST_CASE("an http health check probes its endpoint with the invocation timeout before routing") {
  HealthWorld w;
  w.prober->answers["/health"] = "Failed to make HTTP request to '/health' on port 8080: "
                                 "received status code 503";
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.prober->probesOf("/health") >= 3; }));
  CHECK(w.state() == "STARTING");
  CHECK(w.sink.added.empty());
  CHECK(w.view().details.find("received status code 503") != std::string::npos);
  CHECK(w.prober->specs[0].type == "http");
  CHECK(w.prober->specs[0].timeout_ms == 2000);

  w.prober->answers["/health"] = "";
  REQUIRE(runUntil(w.loop, [&] { return w.running(); }));
  CHECK(w.sink.added.size() == 1);
  CHECK(w.view().routable);
  CHECK(w.logText().find("CELL Container became healthy") != std::string::npos);
}

TEST_CASE("a start that never gets healthy crashes after the timeout and says why") {
  HealthWorld w;
  w.prober->answers["/health"] = "Failed to make HTTP request to '/health' on port 8080: "
                                 "connection refused";
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.runs().empty(); }));
  auto first = w.backend.runs()[0];
  REQUIRE(w.backend.emitStdout(first.handle, first.pid, "booting\nlistening on 9999\n"));
  w.spin();
  CHECK(w.backend.stops().empty());  // not before the timeout (3 s of fake time)
  w.clock.advanceMs(3000);
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.stops().empty(); }));
  CHECK(w.backend.stops()[0] == std::pair<std::string, bool>{first.handle, true});
  std::string logs = w.logText();
  CHECK(logs.find("CELL Timed out after 3s: health check never passed.") != std::string::npos);
  CHECK(logs.find("HEALTH Failed to make HTTP request to '/health' on port") != std::string::npos);
  // The crash payload names the probe and the port, and hints at $PORT.
  CHECK(logs.find("Instance never healthy after 3s: Failed to make HTTP request to '/health'") !=
        std::string::npos);
  CHECK(logs.find("Is the app listening on $PORT") != std::string::npos);

  auto events = w.store->listEvents({.types = {"app.crash"}});
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  auto data = nlohmann::json::parse((*events)[0].data);
  CHECK(data["index"] == 0);
  CHECK(data["reason"] == "CRASHED");
  CHECK(data["instance"] == first.handle);
  CHECK(data["exit_description"].get<std::string>().find("Instance never healthy") == 0);
}

TEST_CASE("a crashed starting instance keeps the app's last lines for the user") {
  HealthWorld w;
  w.prober->answers["/health"] = "connection refused";
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.runs().empty(); }));
  auto first = w.backend.runs()[0];
  std::string many;
  for (int i = 1; i <= 8; ++i) many += "line " + std::to_string(i) + "\n";
  REQUIRE(w.backend.emitStdout(first.handle, first.pid, many));
  REQUIRE(runUntil(w.loop, [&] { return w.view().last_output.size() == scheduler::kLastOutputLines; }));
  CHECK(w.view().last_output.back() == "line 8");
  CHECK(w.view().last_output.front() == "line 4");
}

TEST_CASE("liveness: a hanging health endpoint kills the instance after the interval") {
  HealthWorld w;
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.running(); }));
  std::string guid = w.view().instance_guid;
  int probes = w.prober->probesOf("/health");
  w.prober->answers["/health"] = "Failed to make HTTP request to '/health' on port 8080: no "
                                 "response from 127.0.0.1:8080 within 2000 ms";
  w.spin();
  CHECK(w.prober->probesOf("/health") == probes);  // the interval (5 s) has not passed
  CHECK(w.backend.stops().empty());
  w.clock.advanceMs(5000);
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.stops().empty(); }));
  CHECK(w.backend.stops()[0] == std::pair<std::string, bool>{guid, true});
  CHECK(std::find(w.sink.removed.begin(), w.sink.removed.end(), guid) != w.sink.removed.end());
  std::string logs = w.logText();
  CHECK(logs.find("CELL Container became unhealthy") != std::string::npos);
  CHECK(logs.find("Instance became unhealthy: Failed to make HTTP request to '/health' on port "
                  "8080: no response") != std::string::npos);
  CHECK(logs.find("API Process has crashed with type: \"web\"") != std::string::npos);
  // It comes back (the first crashes restart at once).
  w.prober->answers["/health"] = "";
  REQUIRE(runUntil(w.loop, [&] { return w.running() && w.view().instance_guid != guid; }));
  CHECK(w.view().crash_count == 1);
}

TEST_CASE("readiness decides routability only; the instance keeps running") {
  HealthWorld w;
  w.web.readiness_check.type = "http";
  w.web.readiness_check.endpoint = "/ready";
  w.web.readiness_check.interval = 7;
  w.update();
  w.prober->answers["/ready"] = "Failed to make HTTP request to '/ready' on port 8080: "
                                "received status code 503";
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.running() && w.prober->probesOf("/ready") >= 1; }));
  CHECK(w.sink.added.empty());
  CHECK_FALSE(w.view().routable);

  w.prober->answers["/ready"] = "";
  w.clock.advanceMs(7000);
  REQUIRE(runUntil(w.loop, [&] { return w.sink.added.size() == 1; }));
  CHECK(w.view().routable);
  CHECK(w.logText().find("Container marked ready and added to route pool") != std::string::npos);

  w.prober->answers["/ready"] = "received status code 503";
  w.clock.advanceMs(7000);
  REQUIRE(runUntil(w.loop, [&] { return w.sink.removed.size() == 1; }));
  CHECK_FALSE(w.view().routable);
  CHECK(w.running());
  CHECK(w.backend.stops().empty());
  CHECK(w.logText().find("Container marked not ready and removed from route pool") !=
        std::string::npos);

  w.prober->answers["/ready"] = "";
  w.clock.advanceMs(7000);
  REQUIRE(runUntil(w.loop, [&] { return w.sink.added.size() == 2; }));
  CHECK(w.backend.runs().size() == 1);
}

TEST_CASE("each crash writes app.crash and audit.app.process.crash with the exit status") {
  HealthWorld w;
  w.web.health_check.type = "process";
  w.update();
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.running(); }));
  auto first = w.backend.runs()[0];
  REQUIRE(w.backend.exit(first.handle, first.pid, 1));
  REQUIRE(runUntil(w.loop, [&] { return w.backend.runs().size() == 2 && w.running(); }));
  auto events = w.store->listEvents({.target_guids = {w.app.guid}});
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  const auto& crash = (*events)[0];
  CHECK(crash.type == "app.crash");
  CHECK(crash.actor_type == "app");
  CHECK(crash.target_name == "crashy");
  CHECK_FALSE(crash.space_guid.empty());
  CHECK_FALSE(crash.org_guid.empty());
  auto data = nlohmann::json::parse(crash.data);
  CHECK(data["exit_status"] == 1);
  CHECK(data["exit_description"] == "APP/PROC/WEB: Exited with status 1");
  CHECK(data["cell_id"] == "microcf-0");
  CHECK(data["instance"] == first.handle);
  CHECK((*events)[1].type == "audit.app.process.crash");
  CHECK((*events)[1].actor_type == "process");
  CHECK((*events)[1].actor_guid == w.web.guid);
}

TEST_CASE("restarting one instance replaces only that one") {
  HealthWorld w(2);
  w.web.health_check.type = "process";
  w.update();
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.running(0) && w.running(1); }));
  std::string zero = w.view(0).instance_guid, one = w.view(1).instance_guid;
  REQUIRE(w.sched->restartInstance(w.web.guid, 0).ok());
  REQUIRE(runUntil(w.loop, [&] {
    return w.running(0) && w.view(0).instance_guid != zero && w.backend.runs().size() == 3;
  }));
  CHECK(w.view(1).instance_guid == one);
  CHECK(w.backend.stops() == std::vector<std::pair<std::string, bool>>{{zero, false}});
  CHECK(w.sched->restartInstance(w.web.guid, 2).error().code == base::Errc::kNotFound);
  CHECK(w.sched->restartInstance(w.web.guid, -1).error().message == "Instance not found");
}

TEST_CASE("stopping sends SIGTERM, then SIGKILL after the grace period") {
  HealthWorld w;
  w.web.health_check.type = "process";
  w.update();
  w.backend.exitOnStop(false);  // the app ignores SIGTERM
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.running(); }));
  auto run = w.backend.runs()[0];
  w.app.state = model::AppState::kStopped;
  REQUIRE(w.store->updateApp(w.app).ok());
  w.sched->desiredChanged(w.app.guid);
  CHECK(w.state() == "STOPPING");
  REQUIRE(runUntil(w.loop, [&] { return w.backend.stops().size() == 2; }));
  CHECK(w.backend.stops()[0] == std::pair<std::string, bool>{run.handle, false});
  CHECK(w.backend.stops()[1] == std::pair<std::string, bool>{run.handle, true});
  REQUIRE(w.backend.exit(run.handle, run.pid, 137));
  REQUIRE(runUntil(w.loop, [&] { return w.view().state == InstanceState::kDown; }));
  CHECK(w.store->listEvents({.types = {"app.crash"}})->empty());  // a stop is no crash
}
