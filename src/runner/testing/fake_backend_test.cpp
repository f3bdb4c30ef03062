// Tests of FakeBackend: what other components' tests rely on.
#include "runner/testing/fake_backend.h"

#include <doctest/doctest.h>

using namespace mcf::runner;
using mcf::base::Errc;

TEST_CASE("fake: create, list, info and destroy (twice) behave like the contract says") {
  FakeBackend fake;
  ContainerSpec spec;
  spec.handle = "h1";
  spec.properties = {{"app_guid", "g1"}};
  REQUIRE(fake.create(spec).ok());
  auto generated = fake.create(ContainerSpec{});
  REQUIRE(generated.ok());
  CHECK(*generated == "fake-1");
  CHECK(fake.list() == std::vector<std::string>{"fake-1", "h1"});
  auto dup = fake.create(spec);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  auto info = fake.info("h1");
  REQUIRE(info.ok());
  CHECK(info->state == "active");
  CHECK(info->properties.at("app_guid") == "g1");
  REQUIRE(fake.containerSpec("h1"));
  CHECK(fake.destroy("h1").ok());
  CHECK(fake.destroy("h1").ok());
  CHECK(fake.destroy("never").ok());
  CHECK(fake.info("h1").error().code == Errc::kNotFound);
  CHECK(fake.containerSpec("h1") == nullptr);
  CHECK(fake.destroyCount() == 3);
}

TEST_CASE("fake: an unknown stack fails create with the real backend's message") {
  FakeBackend fake;
  ContainerSpec spec;
  spec.stack = "windows";
  auto r = fake.create(spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "Stack 'windows' not found. Available stacks: host.");
}

TEST_CASE("fake: run records the spec and the test drives output and exit") {
  FakeBackend fake;
  REQUIRE(fake.create({.handle = "h"}).ok());
  std::string out, err;
  int status = -1;
  int exits = 0;
  ProcessSpec ps;
  ps.path = "/tmp/lifecycle/launcher";
  ps.env = {"PORT=8080"};
  auto pid = fake.run("h", ps,
                      {[&](std::string_view s) { out += s; }, [&](std::string_view s) { err += s; }},
                      [&](const ProcessExit& e) {
                        status = e.status;
                        ++exits;
                      });
  REQUIRE(pid.ok());
  CHECK(*pid == 1000);
  REQUIRE(fake.runs().size() == 1);
  CHECK(fake.runs()[0].spec.path == "/tmp/lifecycle/launcher");
  CHECK(fake.runs()[0].spec.env == std::vector<std::string>{"PORT=8080"});
  CHECK(fake.info("h")->process_pids == std::vector<int>{1000});
  CHECK(fake.emitStdout("h", 1000, "hello\n"));
  CHECK(fake.emitStderr("h", 1000, "oops\n"));
  CHECK(out == "hello\n");
  CHECK(err == "oops\n");
  CHECK(fake.exit("h", 1000, 3));
  CHECK(status == 3);
  CHECK_FALSE(fake.exit("h", 1000, 4));
  CHECK(exits == 1);
  CHECK(fake.runs()[0].exited);
  CHECK(fake.runs()[0].exit_status == 3);
  CHECK_FALSE(fake.emitStdout("h", 1000, "late"));
  CHECK(fake.run("nope", ps, {}, [](const ProcessExit&) {}).error().code == Errc::kNotFound);
}

TEST_CASE("fake: failNextCreate and failNextRun fail once") {
  FakeBackend fake;
  fake.failNextCreate({Errc::kIo, "disk full"});
  auto c = fake.create({.handle = "h"});
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message == "disk full");
  REQUIRE(fake.create({.handle = "h"}).ok());
  fake.failNextRun({Errc::kUnavailable, "busy"});
  CHECK(fake.run("h", {.path = "x"}, {}, [](const ProcessExit&) {}).error().message == "busy");
  CHECK(fake.run("h", {.path = "x"}, {}, [](const ProcessExit&) {}).ok());
}

TEST_CASE("fake: stop ends processes with 143 or 137, destroy with 137") {
  FakeBackend fake;
  REQUIRE(fake.create({.handle = "h"}).ok());
  std::vector<int> statuses;
  auto record = [&](const ProcessExit& e) { statuses.push_back(e.status); };
  REQUIRE(fake.run("h", {.path = "a"}, {}, record).ok());
  CHECK(fake.stop("h", false).ok());
  REQUIRE(fake.run("h", {.path = "b"}, {}, record).ok());
  CHECK(fake.stop("h", true).ok());
  REQUIRE(fake.run("h", {.path = "c"}, {}, record).ok());
  CHECK(fake.destroy("h").ok());
  CHECK(statuses == std::vector<int>{143, 137, 137});
  CHECK(fake.stops() == std::vector<std::pair<std::string, bool>>{{"h", false}, {"h", true}});

  fake.exitOnStop(false);
  REQUIRE(fake.create({.handle = "k"}).ok());
  auto pid = fake.run("k", {.path = "a"}, {}, record);
  CHECK(fake.stop("k", false).ok());
  CHECK(fake.info("k")->state == "stopped");
  CHECK(fake.info("k")->process_pids == std::vector<int>{*pid});
}

TEST_CASE("fake: with a loop, callbacks run on its next turn, not inside the call") {
  mcf::loop::Loop loop;
  FakeBackend fake(&loop);
  REQUIRE(fake.create({.handle = "h"}).ok());
  int status = -1;
  auto pid = fake.run("h", {.path = "a"}, {}, [&](const ProcessExit& e) { status = e.status; });
  CHECK(fake.exit("h", *pid, 0));
  CHECK(status == -1);
  loop.run();
  CHECK(status == 0);
}
