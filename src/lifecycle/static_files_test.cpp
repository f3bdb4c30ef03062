// Tests for the static server's path safety and content types.
#include "lifecycle/static_files.h"

#include <doctest/doctest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fs.h"

namespace mcf::lifecycle {

namespace {

struct Site {
  Site() {
    char tmpl[] = "/tmp/mcf-static-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    char real[PATH_MAX];
    REQUIRE(::realpath(tmpl, real) != nullptr);
    base_dir = real;
    root = base_dir + "/site";
    REQUIRE(base::makeDirs(root + "/docs").ok());
    REQUIRE(base::makeDirs(root + "/empty").ok());
    REQUIRE(base::writeFileAtomic(root + "/index.html", "home").ok());
    REQUIRE(base::writeFileAtomic(root + "/docs/index.html", "docs").ok());
    REQUIRE(base::writeFileAtomic(root + "/a b.txt", "spaces").ok());
    REQUIRE(base::writeFileAtomic(root + "/.env", "SECRET=1").ok());
    REQUIRE(base::writeFileAtomic(base_dir + "/secret.txt", "outside").ok());
    REQUIRE(::symlink("../secret.txt", (root + "/escape.txt").c_str()) == 0);
    REQUIRE(::symlink("/etc", (root + "/etc").c_str()) == 0);
    REQUIRE(::symlink("docs/index.html", (root + "/inside.html").c_str()) == 0);
  }
  ~Site() { (void)base::removeTree(base_dir); }
  StaticTarget get(std::string_view path, StaticOptions options = {}) {
    return resolveStaticPath(root, path, options);
  }
  std::string base_dir;
  std::string root;
};

}  // namespace

TEST_CASE("pathSegments drops empty and '.' segments and refuses '..'") {
  CHECK(*pathSegments("/a//./b/") == std::vector<std::string>{"a", "b"});
  CHECK(pathSegments("/")->empty());
  CHECK_FALSE(pathSegments("/a/../b").ok());
  CHECK_FALSE(pathSegments("/..").ok());
  CHECK_FALSE(pathSegments("a/b").ok());
  CHECK_FALSE(pathSegments(std::string_view("/a\0b", 4)).ok());
}

TEST_CASE("resolveStaticPath serves files and index.html inside the root") {
  Site s;
  CHECK(s.get("/").path == s.root + "/index.html");
  CHECK(s.get("/docs/").path == s.root + "/docs/index.html");
  CHECK(s.get("/a b.txt").path == s.root + "/a b.txt");
  CHECK(s.get("/inside.html").path == s.root + "/docs/index.html");
  CHECK(s.get("/docs").kind == StaticKind::kRedirect);
  CHECK(s.get("/empty/").kind == StaticKind::kForbidden);
  CHECK(s.get("/nope.html").kind == StaticKind::kNotFound);
  CHECK(s.get("/index.html/x").kind == StaticKind::kNotFound);
}

TEST_CASE("resolveStaticPath never leaves the root") {
  Site s;
  CHECK(s.get("/../secret.txt").kind == StaticKind::kBadRequest);
  CHECK(s.get("/docs/../../secret.txt").kind == StaticKind::kBadRequest);
  CHECK(s.get("/escape.txt").kind == StaticKind::kNotFound);
  CHECK(s.get("/etc/passwd").kind == StaticKind::kNotFound);
  CHECK(s.get("/etc/").kind == StaticKind::kNotFound);
}

TEST_CASE("resolveStaticPath hides dot files unless the site hosts them") {
  Site s;
  CHECK(s.get("/.env").kind == StaticKind::kNotFound);
  StaticTarget shown = s.get("/.env", StaticOptions{.host_dot_files = true});
  CHECK(shown.kind == StaticKind::kFile);
  CHECK(shown.path == s.root + "/.env");
}

TEST_CASE("contentTypeFor knows the web's common types") {
  CHECK(contentTypeFor("/x/index.HTML") == "text/html; charset=utf-8");
  CHECK(contentTypeFor("app.js") == "text/javascript; charset=utf-8");
  CHECK(contentTypeFor("s.css") == "text/css; charset=utf-8");
  CHECK(contentTypeFor("d.json") == "application/json");
  CHECK(contentTypeFor("i.png") == "image/png");
  CHECK(contentTypeFor("i.jpg") == "image/jpeg");
  CHECK(contentTypeFor("i.svg") == "image/svg+xml");
  CHECK(contentTypeFor("m.wasm") == "application/wasm");
  CHECK(contentTypeFor("f.woff2") == "font/woff2");
  CHECK(contentTypeFor("favicon.ico") == "image/x-icon");
  CHECK(contentTypeFor("archive.tar.gz") == "application/octet-stream");
  CHECK(contentTypeFor("Makefile") == "application/octet-stream");
  CHECK(contentTypeFor("dir.html/file") == "application/octet-stream");
}

}  // namespace mcf::lifecycle
