// Tests of the stager: builder exit codes, result.json, and stagings run on the fake backend.
#include "stager/stager.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include <doctest/doctest.h>

#include "archive/archive.h"
#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/testing/fake_clock.h"
#include "runner/testing/fake_backend.h"

using namespace mcf::stager;
using mcf::base::Errc;

TEST_CASE("builder exit codes map to Cloud Foundry's staging errors") {
  auto none = builderError(222, {"staticfile_buildpack", "nodejs_buildpack"}, "");
  CHECK(none.code == Errc::kNoAppDetected);
  CHECK(none.message.find("Buildpacks tried:\n  staticfile_buildpack\n  nodejs_buildpack\n") !=
        std::string::npos);
  auto compile = builderError(223, {}, "npm ERR! missing script");
  CHECK(compile.code == Errc::kBuildpackCompileFailed);
  CHECK(compile.message.find("npm ERR! missing script") != std::string::npos);
  CHECK(builderError(224, {}, "").code == Errc::kBuildpackReleaseFailed);
  CHECK(builderError(1, {}, "").code == Errc::kStagingError);
}

TEST_CASE("no app detected (222) lists what each buildpack looks for, as the builder said") {
  auto none = builderError(222, {"staticfile_buildpack", "my_buildpack"},
                           "detect noise\nBuildpacks tried:\n  staticfile_buildpack: looks for a "
                           "Staticfile\n  my_buildpack: (custom detection)\nNone of the "
                           "buildpacks detected a compatible application");
  CHECK(none.code == Errc::kNoAppDetected);
  CHECK(none.message ==
        "An app was not successfully detected by any available buildpack. Buildpacks tried:\n"
        "  staticfile_buildpack: looks for a Staticfile\n  my_buildpack: (custom detection)\n"
        "Add to the app what one of them looks for, or name a buildpack with -b.");
}

TEST_CASE("a broken Procfile (227) is a StagingError naming the Procfile's line") {
  auto procfile = builderError(227, {"python_buildpack"},
                               "-----> Python Buildpack\nFailed to read command from Procfile: "
                               "line 2: 'web python3 app.py' is not 'TYPE: COMMAND'");
  CHECK(procfile.code == Errc::kStagingError);
  CHECK(procfile.message.starts_with(
      "Staging error: staging failed: the app's Procfile is not valid: line 2: 'web python3 app.py' is not "
      "'TYPE: COMMAND'"));
  CHECK(procfile.message.ends_with("'TYPE: COMMAND'. Fix it and push again."));
  auto unknown = builderError(227, {}, "");
  CHECK(unknown.message.find("Each line of a Procfile is 'TYPE: COMMAND'") != std::string::npos);
  CHECK(procfile.message.find("exited with status") == std::string::npos);
}

TEST_CASE("a failed supply phase (exit 225) is BuildpackCompileFailed naming the phase") {
  auto supply = builderError(225, {"python_buildpack", "static_buildpack"},
                             "Failed to run all supply scripts: python_buildpack exited 1");
  CHECK(supply.code == Errc::kBuildpackCompileFailed);
  CHECK(supply.message.rfind("App staging failed in the buildpack compile phase: a buildpack's "
                             "bin/supply failed", 0) == 0);
  CHECK(supply.message.find("multi-buildpack") != std::string::npos);
  CHECK(supply.message.find("python_buildpack exited 1") != std::string::npos);
  auto finalize = builderError(226, {}, "**ERROR** go build failed");
  CHECK(finalize.code == Errc::kBuildpackCompileFailed);
  CHECK(finalize.message.starts_with("App staging failed in the buildpack compile phase: the "
                                     "buildpack's bin/finalize failed\n**ERROR** go build failed"));
}

TEST_CASE("result.json gives process types and buildpacks") {
  auto out = parseResult(R"({"lifecycle_metadata":{"buildpack_key":"nodejs_buildpack",
    "detected_buildpack":"nodejs","buildpacks":[{"key":"nodejs_buildpack","name":"nodejs",
    "version":"1.0.0"}]},"process_types":{"web":"npm start"},"execution_metadata":"",
    "lifecycle_type":"buildpack"})");
  REQUIRE(out.ok());
  CHECK(out->process_types.at("web") == "npm start");
  REQUIRE(out->buildpacks.size() == 1);
  CHECK(out->buildpacks[0].name == "nodejs_buildpack");
  CHECK(out->buildpacks[0].buildpack_name == "nodejs");
  CHECK(out->buildpacks[0].detect_output == "nodejs");
  CHECK_FALSE(parseResult("{not json").ok());
}

TEST_CASE("the registry reads buildpacks in their declared order") {
  std::string dir = "/tmp/mcf-bp-test-" + std::to_string(::getpid());
  (void)mcf::base::removeTree(dir);
  for (const char* name : {"b_buildpack", "a_buildpack", "c_buildpack"}) {
    REQUIRE(mcf::base::makeDirs(dir + "/" + name + "/bin").ok());
    REQUIRE(mcf::base::writeFileAtomic(dir + "/" + name + "/bin/detect", "#!/bin/sh\n", 0755).ok());
  }
  REQUIRE(mcf::base::writeFileAtomic(dir + "/order", "c_buildpack\nb_buildpack\n").ok());
  auto reg = BuildpackRegistry::load(dir);
  REQUIRE(reg.ok());
  CHECK(reg->names() == std::vector<std::string>{"c_buildpack", "b_buildpack", "a_buildpack"});
  CHECK(reg->find("a_buildpack")->position == 3);
  CHECK(reg->find("missing") == nullptr);
  CHECK_FALSE(BuildpackRegistry::load(dir + "/nope").ok());
  (void)mcf::base::removeTree(dir);
}

namespace {

// A Stager on the fake backend in a temporary data dir, with one admin buildpack.
struct StagerFixture {
  explicit StagerFixture(int max_stagings = 0, uint64_t timeout_ms = 15 * 60 * 1000) {
    char tmpl[] = "/tmp/mcf-stager-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    REQUIRE(mcf::base::makeDirs(dir + "/buildpacks/static_buildpack/bin").ok());
    REQUIRE(mcf::base::writeFileAtomic(dir + "/buildpacks/static_buildpack/bin/detect",
                                       "#!/bin/sh\n", 0755)
                .ok());
    REQUIRE(mcf::base::writeFileAtomic(dir + "/buildpacks/order", "static_buildpack\n").ok());
    auto reg = BuildpackRegistry::load(dir + "/buildpacks");
    REQUIRE(reg.ok());
    registry = std::move(*reg);
    auto b = mcf::blobstore::Blobstore::open(dir + "/blobs");
    REQUIRE(b.ok());
    blobs = std::move(*b);
    REQUIRE(mcf::base::makeDirs(dir + "/src").ok());
    REQUIRE(mcf::base::writeFileAtomic(dir + "/src/index.html", "hi\n").ok());
    REQUIRE(mcf::archive::create(dir + "/src", dir + "/package.zip", mcf::archive::Format::kZip)
                .ok());
    StagerConfig config;
    config.staging_root = dir + "/staging";
    config.droplets_dir = dir + "/droplets";
    config.caches_dir = dir + "/caches";
    config.max_stagings = max_stagings;
    config.timeout_ms = timeout_ms;
    stager = std::make_unique<Stager>(loop, backend, *blobs, logs, registry, config);
  }
  ~StagerFixture() {
    stager.reset();
    loop.runUntil([] { return false; });  // lets queued deletions finish
    (void)mcf::base::removeTree(dir);
  }

  Job job(const std::string& app_guid) {
    Job j;
    j.app_guid = app_guid;
    j.build_guid = "build-" + app_guid;
    j.droplet_guid = "droplet-" + app_guid;
    j.package_path = dir + "/package.zip";
    j.stack = mcf::runner::kDefaultStack;
    return j;
  }

  // Starts a staging and runs the loop until its builder runs; returns the builder's pid.
  int startBuilder(const Job& j, std::optional<mcf::base::Result<Outcome>>& outcome) {
    stager->stage(j, [&outcome](mcf::base::Result<Outcome> r) { outcome = std::move(r); });
    loop.runUntil([&] { return outcome.has_value() || !backend.runs().empty(); });
    REQUIRE_FALSE(outcome.has_value());
    REQUIRE(backend.runs().size() == 1);
    return backend.runs().back().pid;
  }

  // Host folder bind-mounted at dst in the staging container of handle.
  std::string mountSource(const std::string& handle, const std::string& dst) {
    const auto* spec = backend.containerSpec(handle);
    REQUIRE(spec != nullptr);
    for (const auto& m : spec->bind_mounts)
      if (m.dst == dst) return m.src;
    FAIL("no mount at " << dst);
    return "";
  }

  // The builder of handle writes its result and exits 0.
  void succeed(const std::string& handle, int pid) {
    REQUIRE(mcf::base::writeFileAtomic(mountSource(handle, "/tmp/output") + "/result.json",
                                       R"({"process_types":{"web":"x"}})")
                .ok());
    REQUIRE(backend.exit(handle, pid, 0));
  }

  // The builder's pid in the container of handle, once it runs.
  int waitForBuilder(const std::string& handle) {
    auto find = [&]() -> int {
      for (const auto& r : backend.runs())
        if (r.handle == handle) return r.pid;
      return 0;
    };
    loop.runUntil([&] { return find() != 0; });
    REQUIRE(find() != 0);
    return find();
  }

  std::vector<std::string> stgLines(const std::string& app_guid) {
    std::vector<std::string> out;
    mcf::logs::ReadQuery q;
    q.limit = 1000;
    for (const auto& e : logs.read(app_guid, q))
      if (e.source_type == "STG") out.push_back(e.payload);
    return out;
  }

  bool logged(const std::string& app_guid, const std::string& line) {
    auto lines = stgLines(app_guid);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  }

  std::string dir;
  mcf::loop::Loop loop;
  mcf::runner::FakeBackend backend;
  mcf::base::FakeClock clock;
  mcf::logs::LogStore logs{clock};
  BuildpackRegistry registry;
  std::unique_ptr<mcf::blobstore::Blobstore> blobs;
  std::unique_ptr<Stager> stager;
};

}  // namespace

TEST_CASE("a builder killed by its memory limit fails staging with the limit and how to raise it") {
  StagerFixture f;
  Job j = f.job("app-oom");
  j.memory_mb = 1536;
  std::optional<mcf::base::Result<Outcome>> outcome;
  int pid = f.startBuilder(j, outcome);
  const std::string handle = f.backend.runs().back().handle;
  CHECK(f.backend.containerSpec(handle)->limits.memory_mb == 1536);
  REQUIRE(f.backend.emitStdout(handle, pid, "-----> Installing dependencies\n"));
  REQUIRE(f.backend.exit(handle, pid, 137, true));
  f.loop.runUntil([&] { return outcome.has_value(); });
  REQUIRE(outcome.has_value());
  REQUIRE_FALSE(outcome->ok());
  const auto& error = outcome->error();
  CHECK(error.code == Errc::kStagingError);
  CHECK(error.message.find("ran out of memory") != std::string::npos);
  CHECK(error.message.find("1536 MB") != std::string::npos);
  CHECK(error.message.find("-m") != std::string::npos);
  CHECK(error.message.find("staging_memory_in_mb") != std::string::npos);
  CHECK(error.message.find("-----> Installing dependencies") != std::string::npos);
  CHECK(error.message.find("status 137") == std::string::npos);

  // The limit killed a child of the builder, which then failed on its own.
  Job child = f.job("app-child-oom");
  std::optional<mcf::base::Result<Outcome>> child_outcome;
  f.stager->stage(child, [&](mcf::base::Result<Outcome> r) { child_outcome = std::move(r); });
  int child_pid = f.waitForBuilder("staging-build-app-child-oom");
  mcf::runner::Usage usage;
  usage.oom_kills = 1;
  f.backend.setUsage("staging-build-app-child-oom", usage);
  REQUIRE(f.backend.exit("staging-build-app-child-oom", child_pid, 226));
  f.loop.runUntil([&] { return child_outcome.has_value(); });
  REQUIRE_FALSE(child_outcome->ok());
  CHECK(child_outcome->error().message.find("ran out of memory") != std::string::npos);

  // The same exit status without the memory limit's kill stays a generic failure.
  Job other = f.job("app-killed");
  std::optional<mcf::base::Result<Outcome>> killed;
  f.stager->stage(other, [&killed](mcf::base::Result<Outcome> r) { killed = std::move(r); });
  f.loop.runUntil([&] { return killed.has_value() || f.backend.runs().size() == 3; });
  REQUIRE(f.backend.runs().size() == 3);
  REQUIRE(f.backend.exit(f.backend.runs().back().handle, f.backend.runs().back().pid, 137));
  f.loop.runUntil([&] { return killed.has_value(); });
  REQUIRE_FALSE(killed->ok());
  CHECK(killed->error().message.find("status 137") != std::string::npos);
  CHECK(killed->error().message.find("memory") == std::string::npos);
}

TEST_CASE("clearCache removes the app's build cache, after a staging of the app that runs") {
  StagerFixture f;
  const std::string cache = f.dir + "/caches/app-a";
  const std::string other = f.dir + "/caches/app-b";
  REQUIRE(mcf::base::makeDirs(cache + "/final").ok());
  REQUIRE(mcf::base::writeFileAtomic(cache + "/final/npm.tgz", "x").ok());
  REQUIRE(mcf::base::makeDirs(other).ok());
  REQUIRE(f.stager->clearCache("app-a").ok());
  CHECK(::access(cache.c_str(), F_OK) != 0);
  CHECK(::access(other.c_str(), F_OK) == 0);
  CHECK(f.stager->clearCache("app-never-staged").ok());
  CHECK_FALSE(f.stager->clearCache("../app-b").ok());
  CHECK(::access(other.c_str(), F_OK) == 0);

  // A staging of the app works on a copy: the saved cache goes at once, and a successful
  // staging that began before does not save its copy.
  REQUIRE(mcf::base::makeDirs(other + "/host.cache/final").ok());
  std::optional<mcf::base::Result<Outcome>> outcome;
  int pid = f.startBuilder(f.job("app-b"), outcome);
  const std::string handle = f.backend.runs().back().handle;
  CHECK(::access((f.mountSource(handle, "/tmp/cache") + "/final").c_str(), F_OK) == 0);
  REQUIRE(f.stager->clearCache("app-b").ok());
  CHECK(::access(other.c_str(), F_OK) != 0);
  f.succeed(handle, pid);
  f.loop.runUntil([&] { return outcome.has_value(); });
  REQUIRE(outcome->ok());
  CHECK(::access(other.c_str(), F_OK) != 0);

  // The renamed folders are deleted on the thread pool: nothing is left behind.
  auto left = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(f.dir + "/caches")) (void)e, ++n;
    return n;
  };
  f.loop.runUntil([&] { return left() == 0; });
  CHECK(left() == 0);
}

TEST_CASE("custom buildpacks are fetched into the build and shown to the builder") {
  StagerFixture f;
  REQUIRE(mcf::base::makeDirs(f.dir + "/custom/bin").ok());
  REQUIRE(mcf::base::writeFileAtomic(f.dir + "/custom/bin/supply", "#!/bin/sh\n", 0755).ok());
  const std::string url = "file://" + f.dir + "/custom";
  Job j = f.job("app-custom");
  j.buildpacks = {url, "static_buildpack"};
  std::optional<mcf::base::Result<Outcome>> outcome;
  int pid = f.startBuilder(j, outcome);
  const auto& run = f.backend.runs().back();
  const auto* spec = f.backend.containerSpec(run.handle);
  REQUIRE(spec != nullptr);
  bool mounted = false;
  for (const auto& m : spec->bind_mounts) {
    if (m.dst != "/tmp/buildpack-downloads") continue;
    mounted = !m.read_only && ::access((m.src + "/" + mcf::base::buildpackUrlKey(url) +
                                       "/bin/supply").c_str(), X_OK) == 0;
  }
  CHECK(mounted);
  auto has_arg = [&](const std::string& arg) {
    return std::find(run.spec.args.begin(), run.spec.args.end(), arg) != run.spec.args.end();
  };
  CHECK(has_arg("-buildpackOrder=" + url + ",static_buildpack"));
  CHECK(has_arg("-buildpacksDownloadDir=/tmp/buildpack-downloads"));
  CHECK(has_arg("-skipDetect=true"));
  bool said = false;
  for (const auto& e : f.logs.read("app-custom", {}))
    said = said || e.payload == "Downloading buildpack " + url + "...";
  CHECK(said);
  REQUIRE(f.backend.exit(run.handle, pid, 1));
  f.loop.runUntil([&] { return outcome.has_value(); });
}

TEST_CASE("a custom buildpack that cannot be fetched fails the staging before the builder") {
  StagerFixture f;
  Job j = f.job("app-missing");
  j.buildpacks = {"file://" + f.dir + "/nope"};
  std::optional<mcf::base::Result<Outcome>> outcome;
  f.stager->stage(j, [&outcome](mcf::base::Result<Outcome> r) { outcome = std::move(r); });
  f.loop.runUntil([&] { return outcome.has_value(); });
  REQUIRE(outcome.has_value());
  REQUIRE_FALSE(outcome->ok());
  CHECK(outcome->error().code == Errc::kStagingError);
  CHECK(outcome->error().message == "Buildpack file://" + f.dir + "/nope not found");
  CHECK(f.backend.runs().empty());
  CHECK(f.stager->active() == 0);
}
TEST_CASE("stagings beyond the limit wait in order and start as slots free") {
  StagerFixture f(1);
  std::map<std::string, std::optional<mcf::base::Result<Outcome>>> outcomes;
  for (const char* app : {"app-1", "app-2", "app-3"}) {
    outcomes[app];
    f.stager->stage(f.job(app), [&outcomes, app](mcf::base::Result<Outcome> r) {
      outcomes[app] = std::move(r);
    });
  }
  int pid1 = f.waitForBuilder("staging-build-app-1");
  CHECK(f.stager->running() == 1);
  CHECK(f.stager->active() == 3);
  CHECK(f.logged("app-2", "Waiting for a staging slot (1 staging running, 0 ahead of this one)"));
  CHECK(f.logged("app-3", "Waiting for a staging slot (1 staging running, 1 ahead of this one)"));
  CHECK_FALSE(f.logged("app-2", "Downloading app package..."));
  CHECK(f.backend.containerSpec("staging-build-app-2") == nullptr);

  // A success frees the slot for the first in line; a failure frees it too.
  f.succeed("staging-build-app-1", pid1);
  int pid2 = f.waitForBuilder("staging-build-app-2");
  REQUIRE(outcomes["app-1"].has_value());
  CHECK(outcomes["app-1"]->ok());
  CHECK(f.logged("app-2", "Downloading app package..."));
  CHECK(f.backend.containerSpec("staging-build-app-3") == nullptr);
  CHECK(f.stager->running() == 1);
  REQUIRE(f.backend.exit("staging-build-app-2", pid2, 223));
  int pid3 = f.waitForBuilder("staging-build-app-3");
  REQUIRE(outcomes["app-2"].has_value());
  CHECK(outcomes["app-2"]->error().code == Errc::kBuildpackCompileFailed);
  f.succeed("staging-build-app-3", pid3);
  f.loop.runUntil([&] { return outcomes["app-3"].has_value(); });
  CHECK(outcomes["app-3"]->ok());
  CHECK(f.stager->running() == 0);
  CHECK(f.stager->active() == 0);
}

TEST_CASE("a timed-out staging frees its slot; the timeout counts from the builder's start") {
  StagerFixture f(1, 300);
  std::optional<mcf::base::Result<Outcome>> first, second;
  f.stager->stage(f.job("app-slow"), [&](mcf::base::Result<Outcome> r) { first = std::move(r); });
  f.stager->stage(f.job("app-next"), [&](mcf::base::Result<Outcome> r) { second = std::move(r); });
  f.waitForBuilder("staging-build-app-slow");
  f.loop.runUntil([&] { return first.has_value(); });
  REQUIRE(first.has_value());
  REQUIRE_FALSE(first->ok());
  CHECK(first->error().message.rfind(
            "StagingTimeExpired: staging did not finish within 300 milliseconds", 0) == 0);
  CHECK(first->error().message.find("--staging-timeout") != std::string::npos);
  // The second waited about as long as the first ran, yet gets its own full timeout.
  int pid = f.waitForBuilder("staging-build-app-next");
  CHECK_FALSE(second.has_value());
  f.succeed("staging-build-app-next", pid);
  f.loop.runUntil([&] { return second.has_value(); });
  CHECK(second->ok());
}

TEST_CASE("a staging of a deleted app that waits for a slot is dropped; a running one stopped") {
  StagerFixture f(1);
  std::optional<mcf::base::Result<Outcome>> running, waiting, after;
  f.stager->stage(f.job("app-run"), [&](mcf::base::Result<Outcome> r) { running = std::move(r); });
  f.stager->stage(f.job("app-gone"), [&](mcf::base::Result<Outcome> r) { waiting = std::move(r); });
  f.stager->stage(f.job("app-after"), [&](mcf::base::Result<Outcome> r) { after = std::move(r); });
  int pid = f.waitForBuilder("staging-build-app-run");
  f.stager->cancel("app-gone");
  REQUIRE(waiting.has_value());
  CHECK(waiting->error().message.find("the app was deleted") != std::string::npos);
  CHECK(f.stager->active() == 2);
  CHECK(f.logged("app-after", "Waiting for a staging slot (1 staging running, 1 ahead of this one)"));
  f.succeed("staging-build-app-run", pid);
  int pid_after = f.waitForBuilder("staging-build-app-after");
  CHECK(f.backend.containerSpec("staging-build-app-gone") == nullptr);

  // The app of a running staging is deleted: its container is stopped, the staging fails.
  CHECK_FALSE(after.has_value());
  f.stager->cancel("app-after");
  REQUIRE(f.backend.stops().size() == 1);
  CHECK(f.backend.stops().back() == std::make_pair(std::string("staging-build-app-after"), true));
  CHECK_FALSE(f.backend.exit("staging-build-app-after", pid_after, 137));  // killed already
  f.loop.runUntil([&] { return after.has_value(); });
  REQUIRE(after.has_value());
  CHECK(after->error().message.find("the app was deleted") != std::string::npos);
  CHECK(f.stager->running() == 0);
}

TEST_CASE("the build cache is a copy: saved by a successful staging only, per app and stack") {
  StagerFixture f;
  const std::string saved = f.dir + "/caches/app-c/host.cache";
  // A folder of the layout before caches were per stack is dropped by the first save.
  REQUIRE(mcf::base::makeDirs(f.dir + "/caches/app-c/final").ok());
  int n = 0;
  auto stage = [&](const std::function<void(const std::string& cache, const std::string& handle,
                                            int pid)>& build) {
    Job j = f.job("app-c");
    j.build_guid = "build-c-" + std::to_string(++n);
    j.droplet_guid = "droplet-c-" + std::to_string(n);
    std::optional<mcf::base::Result<Outcome>> outcome;
    f.stager->stage(j, [&](mcf::base::Result<Outcome> r) { outcome = std::move(r); });
    const std::string handle = "staging-" + j.build_guid;
    int pid = f.waitForBuilder(handle);
    std::string cache = f.mountSource(handle, "/tmp/cache");
    CHECK(cache.rfind(f.dir + "/staging/", 0) == 0);  // the staging's own copy
    build(cache, handle, pid);
    f.loop.runUntil([&] { return outcome.has_value(); });
    REQUIRE(outcome.has_value());
    return outcome->ok();
  };
  auto read = [](const std::string& path) {
    auto text = mcf::base::readFile(path);
    return text.ok() ? *text : std::string("<none>");
  };

  CHECK(stage([&](const std::string& cache, const std::string& handle, int pid) {
    CHECK(std::filesystem::is_empty(cache));
    REQUIRE(mcf::base::makeDirs(cache + "/final").ok());
    REQUIRE(mcf::base::writeFileAtomic(cache + "/final/dep.txt", "v1").ok());
    f.succeed(handle, pid);
  }));
  CHECK(read(saved + "/final/dep.txt") == "v1");
  CHECK(::access((f.dir + "/caches/app-c/final").c_str(), F_OK) != 0);

  // A failed staging changes its copy only.
  CHECK_FALSE(stage([&](const std::string& cache, const std::string& handle, int pid) {
    CHECK(read(cache + "/final/dep.txt") == "v1");
    REQUIRE(mcf::base::writeFileAtomic(cache + "/final/dep.txt", "broken").ok());
    REQUIRE(mcf::base::writeFileAtomic(cache + "/final/junk", "x").ok());
    REQUIRE(f.backend.exit(handle, pid, 223));
  }));
  CHECK(read(saved + "/final/dep.txt") == "v1");
  CHECK(::access((saved + "/final/junk").c_str(), F_OK) != 0);

  // So does one killed by its memory limit; the next success replaces the cache.
  CHECK_FALSE(stage([&](const std::string& cache, const std::string& handle, int pid) {
    REQUIRE(mcf::base::writeFileAtomic(cache + "/final/dep.txt", "oom").ok());
    REQUIRE(f.backend.exit(handle, pid, 137, true));
  }));
  CHECK(read(saved + "/final/dep.txt") == "v1");
  CHECK(stage([&](const std::string& cache, const std::string& handle, int pid) {
    CHECK(read(cache + "/final/dep.txt") == "v1");
    REQUIRE(mcf::base::writeFileAtomic(cache + "/final/dep.txt", "v2").ok());
    f.succeed(handle, pid);
  }));
  CHECK(read(saved + "/final/dep.txt") == "v2");
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::directory_iterator(f.dir + "/caches/app-c"))
    entries.push_back(e.path().filename().string());
  CHECK(entries == std::vector<std::string>{"host.cache"});
}

TEST_CASE("a builder that fails with its disk full says the staging's disk limit and how to raise it") {
  StagerFixture f;
  Job j = f.job("app-disk");
  j.disk_mb = 4096;
  std::optional<mcf::base::Result<Outcome>> outcome;
  int pid = f.startBuilder(j, outcome);
  const std::string handle = f.backend.runs().back().handle;
  CHECK(f.backend.containerSpec(handle)->limits.disk_mb == 4096);
  mcf::runner::Usage usage;
  usage.disk_bytes = uint64_t(4050) << 20;
  f.backend.setUsage(handle, usage);
  REQUIRE(f.backend.emitStderr(handle, pid, "cp: No space left on device\n"));
  REQUIRE(f.backend.exit(handle, pid, 226));
  f.loop.runUntil([&] { return outcome.has_value(); });
  REQUIRE_FALSE(outcome->ok());
  const auto& message = outcome->error().message;
  CHECK(message.rfind("Staging exceeded its disk limit of 4096 MB", 0) == 0);
  CHECK(message.find("-k") != std::string::npos);
  CHECK(message.find("staging_disk_in_mb") != std::string::npos);
  CHECK(message.find("No space left on device") != std::string::npos);

  // Far from the limit, a failure stays the buildpack's.
  Job other = f.job("app-disk-ok");
  std::optional<mcf::base::Result<Outcome>> second;
  f.stager->stage(other, [&](mcf::base::Result<Outcome> r) { second = std::move(r); });
  int other_pid = f.waitForBuilder("staging-build-app-disk-ok");
  usage.disk_bytes = uint64_t(100) << 20;
  f.backend.setUsage("staging-build-app-disk-ok", usage);
  REQUIRE(f.backend.exit("staging-build-app-disk-ok", other_pid, 226));
  f.loop.runUntil([&] { return second.has_value(); });
  CHECK(second->error().code == Errc::kBuildpackCompileFailed);
}
