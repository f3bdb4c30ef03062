// What `microcf push` asks the platform about: every regular file, with its SHA-1.
#include "cli/package.h"

#include <stdlib.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "base/fs.h"

using namespace mcf;

TEST_CASE("scanAppDir hashes every regular file, small and empty ones too") {
  char tmpl[] = "/tmp/mcf-scan-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  REQUIRE(base::makeDirs(dir + "/public").ok());
  REQUIRE(base::writeFileAtomic(dir + "/public/index.html", "hi\n").ok());
  REQUIRE(base::writeFileAtomic(dir + "/Staticfile", "").ok());
  REQUIRE(base::writeFileAtomic(dir + "/skip.log", "x").ok());
  REQUIRE(base::writeFileAtomic(dir + "/.cfignore", "*.log\n").ok());
  REQUIRE(::symlink("public/index.html", (dir + "/link").c_str()) == 0);

  cli::CfIgnore ignore("*.log\n");
  auto files = cli::scanAppDir(dir, ignore);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 3);  // .cfignore and skip.log are left out
  CHECK((*files)[0].path == "Staticfile");
  CHECK((*files)[0].size == 0);
  CHECK((*files)[0].sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK((*files)[1].path == "link");
  CHECK_FALSE((*files)[1].regular);
  CHECK((*files)[1].sha1.empty());  // a link travels in the zip
  CHECK((*files)[2].path == "public/index.html");
  CHECK((*files)[2].size == 3);
  CHECK((*files)[2].sha1 == "55ca6286e3e4f4fba5d0448333fa99fc5a404a73");  // sha1sum of "hi\n"
  CHECK((*files)[2].mode == "644");
  (void)base::removeTree(dir);
}
