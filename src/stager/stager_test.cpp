// Tests of the stager: builder exit codes, result.json, and stagings run on the fake backend.
#include "stager/stager.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
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
  StagerFixture() {
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

  // The same exit status without the memory limit's kill stays a generic failure.
  Job other = f.job("app-killed");
  std::optional<mcf::base::Result<Outcome>> killed;
  f.stager->stage(other, [&killed](mcf::base::Result<Outcome> r) { killed = std::move(r); });
  f.loop.runUntil([&] { return killed.has_value() || f.backend.runs().size() == 2; });
  REQUIRE(f.backend.runs().size() == 2);
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

  // While the app stages, its container has the cache mounted: it goes when the staging ends.
  std::optional<mcf::base::Result<Outcome>> outcome;
  int pid = f.startBuilder(f.job("app-b"), outcome);
  REQUIRE(f.stager->clearCache("app-b").ok());
  CHECK(::access(other.c_str(), F_OK) == 0);
  REQUIRE(f.backend.exit(f.backend.runs().back().handle, pid, 1));
  f.loop.runUntil([&] { return outcome.has_value(); });
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
