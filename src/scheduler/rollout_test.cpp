// Rolling deployments against the fake backend and a fake clock: the new instance serves
// before the old one leaves, max_in_flight bounds the surge, a new version that crashes or
// never gets healthy is rolled back, cancel and a restart of microcf finish what was begun.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/ids.h"
#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler::testing;
namespace dp = model::deployment;

namespace {

// Keeps the order of routing changes: "+guid" added, "-guid" removed.
struct RoutingLog : scheduler::EndpointSink {
  std::vector<std::string> events;
  std::set<std::string> routed;
  size_t min_after_first = SIZE_MAX;  // fewest routed instances once the first one was
  size_t max = 0;
  void addEndpoint(const scheduler::RoutableInstance& i) override {
    events.push_back("+" + i.instance_guid);
    routed.insert(i.instance_guid);
    max = std::max(max, routed.size());
  }
  void removeEndpoint(const std::string&, const std::string& guid) override {
    if (!routed.erase(guid)) return;
    events.push_back("-" + guid);
    min_after_first = std::min(min_after_first, routed.size());
  }
  size_t position(const std::string& event) const {
    return static_cast<size_t>(std::find(events.begin(), events.end(), event) - events.begin());
  }
};

// A loopback port nothing listens on: one the kernel just handed out and took back.
int refusingPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// A web process with a version of its own, deployments drained after 20 ms.
struct RolloutWorld : BasicWorld<RoutingLog> {
  std::string old_droplet;

  explicit RolloutWorld(int instances)
      : BasicWorld({.instances = instances,
                    .process = [](model::Process& web) { web.version = base::newGuid(); }}),
        old_droplet(droplet.guid) {
    // Old instances get addresses of their own; new ones (host network) the ports below.
    backend.setContainerIp("10.254.0.7");
  }
  // What POST /v3/deployments records: the deployment, the new version, the new droplet.
  model::Deployment deploy(const std::string& droplet, int max_in_flight = 1) {
    auto p = store->getProcess(web.guid);
    model::Deployment d;
    d.app_guid = app.guid;
    d.max_in_flight = max_in_flight;
    d.droplet_guid = droplet;
    d.previous_droplet_guid = store->getApp(app.guid)->droplet_guid;
    d.process_guid = web.guid;
    d.previous_version = p->version;
    d.version = base::newGuid();
    auto created = store->createDeployment(d);
    REQUIRE(created.ok());
    p->version = d.version;
    REQUIRE(store->updateProcess(*p).ok());
    auto a = store->getApp(app.guid);
    a->droplet_guid = droplet;
    REQUIRE(store->updateApp(*a).ok());
    return *created;
  }
  model::Deployment deployment(const std::string& guid) { return store->getDeployment(guid).value(); }
  bool finalized(const std::string& guid) { return deployment(guid).status_value == dp::kFinalized; }
  std::set<std::string> routedNow() const { return sink.routed; }
  // The droplet each running instance was launched from.
  std::multiset<std::string> runningDroplets() {
    std::multiset<std::string> out;
    for (const auto& v : views()) {
      if (v.state != model::InstanceState::kRunning) continue;
      auto spec = backend.containerSpec(v.instance_guid);
      if (spec) out.insert(std::filesystem::path(spec->home_lower_dir).filename().string());
    }
    return out;
  }
};

}  // namespace

TEST_CASE("a rolling deployment of one instance routes the new instance before the old one leaves") {
  RolloutWorld w(1);
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  std::string old_guid = *w.sink.routed.begin();
  std::string droplet = w.newDroplet();
  auto d = w.deploy(droplet);
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid) && w.backend.stops().size() == 1; }));

  auto done = w.deployment(d.guid);
  CHECK(done.state == dp::kDeployed);
  CHECK(done.status_reason == dp::kDeployed);
  CHECK(done.last_healthcheck > 0);
  REQUIRE(w.sink.events.size() == 3);
  std::string new_guid = w.sink.events[1].substr(1);
  CHECK(w.sink.events == std::vector<std::string>{"+" + old_guid, "+" + new_guid, "-" + old_guid});
  CHECK(w.sink.min_after_first == 1);  // never without a routed instance
  CHECK(w.backend.stops()[0].first == old_guid);
  CHECK(w.runningDroplets() == std::multiset<std::string>{droplet});
  CHECK(w.views()[0].instance_guid == new_guid);
}

TEST_CASE("three instances with max_in_flight 1 keep three routed and surge by one at most") {
  RolloutWorld w(3);
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.sink.routed.size() == 3; }));
  std::string droplet = w.newDroplet();
  auto d = w.deploy(droplet, 1);
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid); }));
  REQUIRE(runUntil(w.loop, [&] { return w.backend.stops().size() == 3; }));
  CHECK(w.deployment(d.guid).state == dp::kDeployed);
  CHECK(w.sink.min_after_first >= 3);
  CHECK(w.sink.max == 4);
  CHECK(w.runningDroplets() == std::multiset<std::string>{droplet, droplet, droplet});
  CHECK(w.backend.runs().size() == 6);
  std::set<int> indexes;
  for (const auto& v : w.views()) indexes.insert(v.index);
  CHECK(indexes == std::set<int>{0, 1, 2});
}

TEST_CASE("max_in_flight 2 starts two new instances at a time") {
  RolloutWorld w(4);
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.sink.routed.size() == 4; }));
  auto d = w.deploy(w.newDroplet(), 2);
  w.sched->desiredChanged(w.app.guid);
  CHECK(w.backend.runs().size() == 6);  // two new ones at once, no old one stopped yet
  CHECK(w.backend.stops().empty());
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid); }));
  CHECK(w.sink.min_after_first >= 4);
  CHECK(w.sink.max == 6);
}

TEST_CASE("a new instance that crashes rolls the deployment back; the old ones keep serving") {
  RolloutWorld w(2);
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.sink.routed.size() == 2; }));
  auto old_routed = w.routedNow();
  auto old_version = w.store->getProcess(w.web.guid)->version;
  auto d = w.deploy(w.newDroplet());
  w.sched->desiredChanged(w.app.guid);
  REQUIRE(w.backend.runs().size() == 3);
  auto fresh = w.backend.runs().back();
  REQUIRE(w.backend.exit(fresh.handle, fresh.pid, 1));
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid); }));

  auto done = w.deployment(d.guid);
  CHECK(done.state == dp::kCanceled);
  CHECK(done.status_reason == dp::kCanceled);
  CHECK(done.error == "New instance 0 crashed: APP/PROC/WEB: Exited with status 1");
  CHECK(w.store->getApp(w.app.guid)->droplet_guid == w.old_droplet);
  CHECK(w.store->getProcess(w.web.guid)->version == old_version);
  CHECK(w.routedNow() == old_routed);
  for (const auto& guid : old_routed)
    CHECK(std::find(w.sink.events.begin(), w.sink.events.end(), "-" + guid) == w.sink.events.end());
  // Afterwards the old instances stay and nothing new starts.
  w.loop.runUntil([&, n = 0]() mutable { return ++n > 20; });
  CHECK(w.backend.runs().size() == 3);
  CHECK(w.runningDroplets() == std::multiset<std::string>{w.old_droplet, w.old_droplet});
}

TEST_CASE("a new instance that never gets healthy holds the old one until its start timeout") {
  int refusing = refusingPort();
  REQUIRE(refusing > 0);
  RolloutWorld w(1);
  w.config.first_port = w.config.last_port = refusing;
  w.makeScheduler();
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  std::string old_guid = *w.sink.routed.begin();
  auto p = w.store->getProcess(w.web.guid).value();
  p.health_check.type = "port";
  p.health_check.timeout = 5;
  REQUIRE(w.store->updateProcess(p).ok());
  w.backend.setContainerIp("");  // the new instance listens (not) on the refusing port
  auto d = w.deploy(w.newDroplet());
  w.sched->desiredChanged(w.app.guid);

  // Probes fail, but the start timeout (fake time) has not passed: the old one serves on.
  w.loop.runUntil([&, n = 0]() mutable { return ++n > 50; });
  CHECK(w.deployment(d.guid).state == dp::kDeploying);
  CHECK(w.routedNow() == std::set<std::string>{old_guid});
  CHECK(w.backend.stops().empty());

  w.clock.advanceMs(6000);
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid); }));
  auto done = w.deployment(d.guid);
  CHECK(done.state == dp::kCanceled);
  CHECK(done.error.find("New instance 0 crashed: Instance never healthy after 5s: Failed to make "
                        "TCP connection to port") == 0);
  CHECK(w.routedNow() == std::set<std::string>{old_guid});
  CHECK(w.store->getApp(w.app.guid)->droplet_guid == w.old_droplet);
}

TEST_CASE("cancel brings the old version back and stops the new instances") {
  RolloutWorld w(2);
  // No convergence tick: the test takes the steps itself, so that it cancels at a known point
  // however slowly the machine runs.
  w.config.converge_interval_ms = 3600 * 1000;
  w.makeScheduler();
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning() && w.sink.routed.size() == 2; }));
  auto d = w.deploy(w.newDroplet());
  w.sched->desiredChanged(w.app.guid);  // new instance 0 starts and serves beside both old ones
  REQUIRE(w.backend.runs().size() == 3);
  CHECK(w.sink.routed.size() == 3);
  w.sched->desiredChanged(w.app.guid);  // old instance 0 drains, new instance 1 starts
  REQUIRE(w.backend.runs().size() == 4);
  REQUIRE(!w.finalized(d.guid));
  auto c = w.deployment(d.guid);
  c.state = dp::kCanceling;
  c.status_reason = dp::kCanceling;
  REQUIRE(w.store->updateDeployment(c).ok());
  w.sched->desiredChanged(w.app.guid);
  CHECK(w.store->getApp(w.app.guid)->droplet_guid == w.old_droplet);
  auto converged = [&](const std::function<bool()>& pred) {
    return runUntil(w.loop, [&] {
      w.sched->desiredChanged(w.app.guid);
      return pred();
    });
  };
  REQUIRE(converged([&] { return w.finalized(d.guid) && w.allRunning(); }));
  auto done = w.deployment(d.guid);
  CHECK(done.state == dp::kCanceled);
  CHECK(done.error.empty());
  CHECK(w.sink.min_after_first >= 2);
  REQUIRE(converged([&] {
    return w.runningDroplets() == std::multiset<std::string>{w.old_droplet, w.old_droplet};
  }));
}

TEST_CASE("after a restart an active deployment resumes, a canceling one finishes its rollback") {
  RolloutWorld w(2);
  std::string droplet = w.newDroplet();
  auto d = w.deploy(droplet);  // recorded, then microcf "died": no instance runs
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(d.guid); }));
  CHECK(w.deployment(d.guid).state == dp::kDeployed);
  CHECK(w.runningDroplets() == std::multiset<std::string>{droplet, droplet});

  auto again = w.deploy(w.newDroplet());
  auto c = w.deployment(again.guid);
  c.state = dp::kCanceling;
  c.status_reason = dp::kCanceling;
  REQUIRE(w.store->updateDeployment(c).ok());
  w.makeScheduler();  // a new microcf on the same store
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.finalized(again.guid) && w.allRunning(); }));
  CHECK(w.deployment(again.guid).state == dp::kCanceled);
  CHECK(w.store->getApp(w.app.guid)->droplet_guid == droplet);
  CHECK(w.runningDroplets() == std::multiset<std::string>{droplet, droplet});
}

TEST_CASE("stopping the app cancels its deployment") {
  RolloutWorld w(1);
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return w.allRunning(); }));
  auto d = w.deploy(w.newDroplet());
  w.app = *w.store->getApp(w.app.guid);
  w.app.state = model::AppState::kStopped;
  REQUIRE(w.store->updateApp(w.app).ok());
  w.sched->desiredChanged(w.app.guid);
  CHECK(w.deployment(d.guid).state == dp::kCanceled);
  CHECK(w.deployment(d.guid).error == "The app was stopped during the deployment.");
}
