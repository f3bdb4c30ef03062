// What `microcf push` leaves out of the upload, per .cfignore and cf's fixed list.
#include "cli/cfignore.h"

#include <doctest/doctest.h>

using mcf::cli::CfIgnore;
using mcf::cli::globMatch;

TEST_CASE("globMatch: * and ? stay in one segment, ** crosses segments") {
  CHECK(globMatch("*.log", "app.log"));
  CHECK_FALSE(globMatch("*.log", "dir/app.log"));
  CHECK(globMatch("a?c", "abc"));
  CHECK_FALSE(globMatch("a?c", "a/c"));
  CHECK(globMatch("**/cache", "cache"));
  CHECK(globMatch("**/cache", "a/b/cache"));
  CHECK(globMatch("a/**/b", "a/b"));
  CHECK(globMatch("a/**/b", "a/x/y/b"));
  CHECK_FALSE(globMatch("a/**/b", "a/x/y/c"));
  CHECK(globMatch("logs/**", "logs/x/y.txt"));
  CHECK_FALSE(globMatch("logs/**", "logs"));
  CHECK(globMatch("[a-c]at", "bat"));
  CHECK_FALSE(globMatch("[!a-c]at", "bat"));
  CHECK(globMatch("[!a-c]at", "rat"));
  CHECK(globMatch("\\*literal", "*literal"));
  CHECK_FALSE(globMatch("\\*literal", "xliteral"));
}

TEST_CASE("names cf always skips are skipped at any depth") {
  CfIgnore none;
  for (const char* path : {".cfignore", ".DS_Store", ".git", ".git/config", ".gitignore", ".hg",
                           ".svn", "_darcs", "manifest.yml", "manifest.yaml", "sub/.DS_Store",
                           "vendor/lib/.git/HEAD"})
    CHECK_MESSAGE(none.ignored(path, false), path);
  CHECK_FALSE(none.ignored("index.html", false));
  CHECK_FALSE(none.ignored("manifest.yml.bak", false));
  CHECK_FALSE(none.ignored("gitdir/x", false));
}

TEST_CASE("a pattern without a slash matches a name at any depth") {
  CfIgnore ignore("*.log\ntmp\n");
  CHECK(ignore.ignored("app.log", false));
  CHECK(ignore.ignored("a/b/app.log", false));
  CHECK(ignore.ignored("tmp", true));
  CHECK(ignore.ignored("tmp/cache/x", false));  // below an ignored directory
  CHECK(ignore.ignored("src/tmp", false));
  CHECK_FALSE(ignore.ignored("app.login", false));
  CHECK_FALSE(ignore.ignored("src/main.js", false));
}

TEST_CASE("a leading slash anchors at the app root") {
  CfIgnore ignore("/build\n");
  CHECK(ignore.ignored("build", true));
  CHECK(ignore.ignored("build/out.o", false));
  CHECK_FALSE(ignore.ignored("src/build", true));
  CHECK_FALSE(ignore.ignored("src/build/out.o", false));
}

TEST_CASE("a slash inside the pattern anchors it too") {
  CfIgnore ignore("docs/*.md\n");
  CHECK(ignore.ignored("docs/a.md", false));
  CHECK_FALSE(ignore.ignored("docs/sub/a.md", false));
  CHECK_FALSE(ignore.ignored("x/docs/a.md", false));
}

TEST_CASE("dir/ matches directories only") {
  CfIgnore ignore("node_modules/\n");
  CHECK(ignore.ignored("node_modules", true));
  CHECK(ignore.ignored("node_modules/left-pad/index.js", false));
  CHECK(ignore.ignored("web/node_modules/x.js", false));
  CHECK_FALSE(ignore.ignored("node_modules", false));  // a file of that name stays
}

TEST_CASE("** patterns") {
  CfIgnore ignore("**/cache\nlogs/**\n");
  CHECK(ignore.ignored("cache", true));
  CHECK(ignore.ignored("a/b/cache/x", false));
  CHECK(ignore.ignored("logs/today.txt", false));
  CHECK_FALSE(ignore.ignored("logs", true));
  CHECK_FALSE(ignore.ignored("other/logs/today.txt", false));
}

TEST_CASE("! re-includes, the last matching rule wins, comments and blanks are skipped") {
  CfIgnore ignore("# comment\n\n*.log\n!keep.log\n  \n");
  CHECK(ignore.ignored("a.log", false));
  CHECK_FALSE(ignore.ignored("keep.log", false));
  CHECK_FALSE(ignore.ignored("sub/keep.log", false));
  CHECK_FALSE(ignore.ignored("# comment", false));
  // Nothing below an excluded directory comes back.
  CfIgnore dir("out/\n!out/keep.txt\n");
  CHECK(dir.ignored("out/keep.txt", false));
}

TEST_CASE("CRLF line endings and trailing blanks are tolerated") {
  CfIgnore ignore("secret.txt  \r\n*.tmp\r\n");
  CHECK(ignore.ignored("secret.txt", false));
  CHECK(ignore.ignored("x/y.tmp", false));
}
