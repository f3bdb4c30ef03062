// Tests of the stager's pure rules: builder exit codes and result.json.
#include "stager/stager.h"

#include <doctest/doctest.h>

#include "base/fs.h"

using namespace mcf::stager;
using mcf::base::Errc;

TEST_CASE("builder exit codes map to Cloud Foundry's staging errors") {
  auto none = builderError(222, {"staticfile_buildpack", "nodejs_buildpack"}, "");
  CHECK(none.code == Errc::kNoAppDetected);
  CHECK(none.message.find("staticfile_buildpack, nodejs_buildpack") != std::string::npos);
  auto compile = builderError(223, {}, "npm ERR! missing script");
  CHECK(compile.code == Errc::kBuildpackCompileFailed);
  CHECK(compile.message.find("npm ERR! missing script") != std::string::npos);
  CHECK(builderError(224, {}, "").code == Errc::kBuildpackReleaseFailed);
  CHECK(builderError(1, {}, "").code == Errc::kStagingError);
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
