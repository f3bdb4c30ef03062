// Tests of the file-system helpers that depend on who runs them.
#include "base/fs.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using mcf::base::pathExists;
using mcf::base::removeTree;

namespace {

// Runs removeTree(path) as uid (a forked child that drops root), or here without root.
bool removeAs(uid_t uid, const std::string& path) {
  if (::geteuid() != 0) return removeTree(path).ok();
  pid_t child = ::fork();
  if (child == 0) {
    if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0) ::_exit(2);
    ::_exit(removeTree(path).ok() ? 0 : 1);
  }
  int status = 0;
  return ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("removeTree removes a tree of its user's with a directory of mode 0 (overlayfs's work)") {
  char tmpl[] = "/tmp/mcf-fs-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string root = tmpl;
  uid_t user = ::geteuid() == 0 ? 65534 : ::geteuid();
  REQUIRE(mcf::base::makeDirs(root + "/layer/work/work").ok());
  REQUIRE(mcf::base::writeFileAtomic(root + "/layer/work/work/f", "x").ok());
  REQUIRE(mcf::base::chownTree(root, static_cast<int>(user), static_cast<int>(user)).ok());
  REQUIRE(::chmod((root + "/layer/work/work").c_str(), 0) == 0);
  REQUIRE(::chmod((root + "/layer/work").c_str(), 0500) == 0);
  REQUIRE(::chmod(root.c_str(), 0755) == 0);

  CHECK(removeAs(user, root + "/layer"));
  CHECK_FALSE(pathExists(root + "/layer"));
  CHECK(removeTree(root).ok());
}
