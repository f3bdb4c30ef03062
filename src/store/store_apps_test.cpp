// Tests of the store's apps, processes, packages, builds and droplets.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"
#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
using base::Errc;

namespace {

// A store with one org and two spaces.
struct Fixture {
  TempStore s;
  std::string space1, space2;

  Fixture() {
    REQUIRE(s.ok());
    std::string org = makeOrg(*s);
    space1 = makeSpace(*s, org, "one");
    space2 = makeSpace(*s, org, "two");
  }

  model::App app(const std::string& name, const std::string& space_guid, int64_t created_at = 0) {
    model::App a;
    a.name = name;
    a.space_guid = space_guid;
    a.created_at = created_at;
    auto made = s->createApp(a);
    REQUIRE(made.ok());
    return *made;
  }
};

// States compared by the names users see (doctest cannot print the enums themselves).
template <typename E>
std::string stateName(E state) {
  return model::toString(state);
}

std::vector<std::string> names(const std::vector<model::App>& apps) {
  std::vector<std::string> out;
  for (const auto& a : apps) out.push_back(a.name);
  return out;
}

}  // namespace

TEST_CASE("apps: every field round-trips and update changes what it should") {
  Fixture f;
  model::App a;
  a.name = "web";
  a.space_guid = f.space1;
  a.state = model::AppState::kStarted;
  a.buildpacks = {"nodejs_buildpack", "https://example.com/bp.git"};
  a.stack = "bookworm";
  a.env = {{"A", "1"}, {"QUOTE", "it's \"quoted\""}};
  auto made = f.s->createApp(a);
  REQUIRE(made.ok());
  auto got = f.s->getApp(made->guid);
  REQUIRE(got.ok());
  CHECK(got->name == "web");
  CHECK(got->space_guid == f.space1);
  CHECK(stateName(got->state) == "STARTED");
  CHECK(got->buildpacks == a.buildpacks);
  CHECK(got->env == a.env);
  CHECK(got->droplet_guid.empty());
  CHECK(got->created_at > 0);

  model::App changed = *got;
  changed.created_at = 5;  // ignored: creation time never changes
  changed.updated_at = 6;  // ignored: the store stamps updates
  changed.state = model::AppState::kStopped;
  changed.env.clear();
  changed.buildpacks.clear();
  changed.droplet_guid = "d1";
  changed.name = "web2";
  REQUIRE(f.s->updateApp(changed).ok());
  auto after = f.s->getApp(made->guid).value();
  CHECK(after.name == "web2");
  CHECK(stateName(after.state) == "STOPPED");
  CHECK(after.env.empty());
  CHECK(after.buildpacks.empty());
  CHECK(after.droplet_guid == "d1");
  CHECK(after.created_at == got->created_at);
  CHECK(after.updated_at >= got->updated_at);

  CHECK(f.s->getApp("nope").error().message == "App not found");
  model::App ghost = changed;
  ghost.guid = "nope";
  CHECK(f.s->updateApp(ghost).error().code == Errc::kNotFound);
}

TEST_CASE("apps: names are unique per space case-insensitively, and free in other spaces") {
  Fixture f;
  f.app("MyApp", f.space1);
  f.app("myapp", f.space2);
  model::App a;
  a.name = "MYAPP";
  a.space_guid = f.space1;
  auto dup = f.s->createApp(a);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "The app name 'MYAPP' is already taken in this space.");

  // Renaming onto a taken name is the same conflict.
  auto other = f.app("other", f.space1);
  other.name = "myApp";
  Status renamed = f.s->updateApp(other);
  REQUIRE_FALSE(renamed.ok());
  CHECK(renamed.error().code == Errc::kConflict);
  CHECK(f.s->getApp(other.guid).value().name == "other");

  // A reused guid is not a name clash, and says so.
  model::App same_guid;
  same_guid.guid = other.guid;
  same_guid.name = "fresh";
  same_guid.space_guid = f.space1;
  auto reused = f.s->createApp(same_guid);
  REQUIRE_FALSE(reused.ok());
  CHECK(reused.error().code == Errc::kConflict);
  CHECK(reused.error().message.find("guid already exists") != std::string::npos);

  a.space_guid = "no-such-space";
  a.name = "x";
  auto orphan = f.s->createApp(a);
  REQUIRE_FALSE(orphan.ok());
  CHECK(orphan.error().code == Errc::kInvalid);
  CHECK(orphan.error().message.find("Invalid space") == 0);
}

TEST_CASE("listApps filters by guids, names (exact case), spaces and state, in creation order") {
  Fixture f;
  auto c = f.app("c", f.space1, 300);
  auto a = f.app("a", f.space1, 100);
  auto b = f.app("b", f.space2, 200);
  model::App started = b;
  started.state = model::AppState::kStarted;
  REQUIRE(f.s->updateApp(started).ok());

  CHECK(names(f.s->listApps({}).value()) == std::vector<std::string>{"a", "b", "c"});
  CHECK(names(f.s->listApps({.names = {"c", "a"}}).value()) == std::vector<std::string>{"a", "c"});
  CHECK(f.s->listApps({.names = {"A"}}).value().empty());
  CHECK(names(f.s->listApps({.space_guids = {f.space1}}).value()) ==
        std::vector<std::string>{"a", "c"});
  CHECK(names(f.s->listApps({.guids = {b.guid, c.guid}}).value()) ==
        std::vector<std::string>{"b", "c"});
  CHECK(names(f.s->listApps({.state = model::AppState::kStarted}).value()) ==
        std::vector<std::string>{"b"});
  CHECK(names(f.s->listApps({.state = model::AppState::kStopped}).value()) ==
        std::vector<std::string>{"a", "c"});
  // Filters combine with AND.
  CHECK(f.s->listApps({.names = {"b"}, .space_guids = {f.space1}}).value().empty());
  CHECK(names(f.s->listApps({.names = {"a", "b"}, .space_guids = {f.space1, f.space2},
                             .state = model::AppState::kStopped})
                  .value()) == std::vector<std::string>{"a"});
  // A value that looks like SQL is just a name nobody has.
  CHECK(f.s->listApps({.names = {"a' OR '1'='1"}}).value().empty());
  CHECK(f.s->listApps({.guids = {"nope"}}).value().empty());
}

TEST_CASE("processes: round trip with optional fields, one per type, list and update") {
  Fixture f;
  auto app = f.app("web", f.space1);
  model::Process web = model::defaultProcess(app.guid, "web");
  web.guid = app.guid;
  web.health_check.type = "http";
  web.health_check.endpoint = "/health";
  web.health_check.timeout = 90;
  web.version = "v1";
  REQUIRE(f.s->createProcess(web).ok());
  model::Process worker = model::defaultProcess(app.guid, "worker");
  worker.command = "bundle exec sidekiq";
  worker.instances = 0;
  worker.log_rate_limit_in_bytes_per_second = 1024;
  auto w = f.s->createProcess(worker);
  REQUIRE(w.ok());

  auto got = f.s->getProcess(app.guid).value();
  CHECK(got.type == "web");
  CHECK_FALSE(got.command.has_value());
  CHECK(got.health_check.type == "http");
  CHECK(got.health_check.endpoint == "/health");
  CHECK(got.health_check.timeout == std::optional<int>(90));
  CHECK_FALSE(got.health_check.interval.has_value());
  CHECK(got.version == "v1");
  auto gw = f.s->getProcess(w->guid).value();
  CHECK(gw.command == std::optional<std::string>("bundle exec sidekiq"));
  CHECK(gw.instances == 0);
  CHECK(gw.log_rate_limit_in_bytes_per_second == 1024);

  auto dup = f.s->createProcess(model::defaultProcess(app.guid, "worker"));
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(f.s->createProcess(model::defaultProcess("no-app", "web")).error().code == Errc::kInvalid);

  got.instances = 3;
  got.memory_in_mb = 256;
  got.command = "node server.js";
  got.health_check.timeout.reset();
  got.health_check.invocation_timeout = 5;
  REQUIRE(f.s->updateProcess(got).ok());
  auto after = f.s->getProcess(app.guid).value();
  CHECK(after.instances == 3);
  CHECK(after.memory_in_mb == 256);
  CHECK(after.command == std::optional<std::string>("node server.js"));
  CHECK_FALSE(after.health_check.timeout.has_value());
  CHECK(after.health_check.invocation_timeout == std::optional<int>(5));

  CHECK(f.s->listProcesses(app.guid).value().size() == 2);
  CHECK(f.s->listProcesses("").value().size() == 2);
  CHECK(f.s->listProcesses("other").value().empty());
  CHECK(f.s->getProcess("nope").error().message == "Process not found");
  model::Process ghost = got;
  ghost.guid = "nope";
  CHECK(f.s->updateProcess(ghost).error().code == Errc::kNotFound);
}

TEST_CASE("packages, builds and droplets round-trip and update") {
  Fixture f;
  auto app = f.app("web", f.space1);

  model::Package pkg;
  pkg.app_guid = app.guid;
  auto p = f.s->createPackage(pkg);
  REQUIRE(p.ok());
  CHECK(stateName(f.s->getPackage(p->guid).value().state) == "AWAITING_UPLOAD");
  p->state = model::PackageState::kReady;
  p->checksum_sha256 = "abc";
  p->blob_key = "abc";
  REQUIRE(f.s->updatePackage(*p).ok());
  auto gp = f.s->getPackage(p->guid).value();
  CHECK(stateName(gp.state) == "READY");
  CHECK(gp.blob_key == "abc");
  CHECK(f.s->listPackages(app.guid).value().size() == 1);
  CHECK(f.s->getPackage("nope").error().message == "Package not found");
  pkg.app_guid = "no-app";
  CHECK(f.s->createPackage(pkg).error().code == Errc::kInvalid);

  model::Build build;
  build.app_guid = app.guid;
  build.package_guid = p->guid;
  build.buildpacks = {"staticfile_buildpack"};
  build.created_by_name = "admin";
  auto b = f.s->createBuild(build);
  REQUIRE(b.ok());
  auto gb = f.s->getBuild(b->guid).value();
  CHECK(stateName(gb.state) == "STAGING");
  CHECK(gb.buildpacks == build.buildpacks);
  CHECK(gb.created_by_name == "admin");
  CHECK(gb.staging_memory_in_mb == 1024);
  gb.state = model::BuildState::kFailed;
  gb.error = "NoAppDetectedError - An app was not successfully detected";
  REQUIRE(f.s->updateBuild(gb).ok());
  CHECK(f.s->getBuild(b->guid).value().error == gb.error);
  CHECK(f.s->listBuilds(app.guid).value().size() == 1);
  CHECK(f.s->getBuild("nope").error().message == "Build not found");

  model::Droplet drop;
  drop.app_guid = app.guid;
  drop.build_guid = b->guid;
  drop.package_guid = p->guid;
  drop.process_types = {{"web", "npm start"}, {"worker", "node w.js"}};
  drop.buildpacks = {{"nodejs_buildpack", "nodejs", "1.8.0", "nodejs"}};
  drop.execution_metadata = "{}";
  auto d = f.s->createDroplet(drop);
  REQUIRE(d.ok());
  auto gd = f.s->getDroplet(d->guid).value();
  CHECK(stateName(gd.state) == "STAGED");
  CHECK(gd.process_types == drop.process_types);
  REQUIRE(gd.buildpacks.size() == 1);
  CHECK(gd.buildpacks[0].name == "nodejs_buildpack");
  CHECK(gd.buildpacks[0].detect_output == "nodejs");
  CHECK(gd.buildpacks[0].version == "1.8.0");
  CHECK(gd.buildpacks[0].buildpack_name == "nodejs");
  gd.state = model::DropletState::kExpired;
  gd.buildpacks.clear();
  REQUIRE(f.s->updateDroplet(gd).ok());
  auto after = f.s->getDroplet(d->guid).value();
  CHECK(stateName(after.state) == "EXPIRED");
  CHECK(after.buildpacks.empty());
  CHECK(f.s->listDroplets(app.guid).value().size() == 1);
  CHECK(f.s->getDroplet("nope").error().message == "Droplet not found");
  model::Droplet ghost = gd;
  ghost.guid = "nope";
  CHECK(f.s->updateDroplet(ghost).error().code == Errc::kNotFound);
}

TEST_CASE("deleteApp removes the app and everything that belongs to it, and only that") {
  Fixture f;
  auto doomed = f.app("doomed", f.space1);
  auto kept = f.app("kept", f.space1);
  model::Domain dom;
  dom.name = "localhost";
  auto domain = f.s->createDomain(dom).value();
  model::Route r;
  r.host = "doomed";
  r.domain_guid = domain.guid;
  r.space_guid = f.space1;
  auto route = f.s->createRoute(r).value();

  for (const auto& app : {doomed, kept}) {
    model::Process web = model::defaultProcess(app.guid, "web");
    web.guid = app.guid;
    REQUIRE(f.s->createProcess(web).ok());
    model::Package pkg;
    pkg.app_guid = app.guid;
    auto p = f.s->createPackage(pkg).value();
    model::Build b;
    b.app_guid = app.guid;
    b.package_guid = p.guid;
    REQUIRE(f.s->createBuild(b).ok());
    model::Droplet d;
    d.app_guid = app.guid;
    REQUIRE(f.s->createDroplet(d).ok());
    model::RouteDestination dest;
    dest.route_guid = route.guid;
    dest.app_guid = app.guid;
    REQUIRE(f.s->addDestination(dest).ok());
  }

  REQUIRE(f.s->deleteApp(doomed.guid).ok());
  CHECK(f.s->getApp(doomed.guid).error().code == Errc::kNotFound);
  CHECK(f.s->listProcesses(doomed.guid).value().empty());
  CHECK(f.s->listPackages(doomed.guid).value().empty());
  CHECK(f.s->listBuilds(doomed.guid).value().empty());
  CHECK(f.s->listDroplets(doomed.guid).value().empty());
  CHECK(f.s->listDestinationsForApp(doomed.guid).value().empty());
  // The route itself stays (routes belong to the space), with the other app's destination.
  CHECK(f.s->getRoute(route.guid).ok());
  auto dests = f.s->listDestinations(route.guid).value();
  REQUIRE(dests.size() == 1);
  CHECK(dests[0].app_guid == kept.guid);
  CHECK(f.s->listProcesses(kept.guid).value().size() == 1);
  CHECK(f.s->listPackages(kept.guid).value().size() == 1);
  CHECK(f.s->listBuilds(kept.guid).value().size() == 1);
  CHECK(f.s->listDroplets(kept.guid).value().size() == 1);

  Status again = f.s->deleteApp(doomed.guid);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Errc::kNotFound);
  CHECK(again.error().message == "App not found");
}
