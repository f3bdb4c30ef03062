// Tests for the static server: responses, and a real round trip over loopback.
#include "lifecycle/static_server.h"

#include <doctest/doctest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <optional>

#include "base/fs.h"
#include "http/client.h"

namespace mcf::lifecycle {

namespace {

struct SiteDir {
  SiteDir() {
    char tmpl[] = "/tmp/mcf-static-server-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    char real[PATH_MAX];
    REQUIRE(::realpath(tmpl, real) != nullptr);
    site.root = real;
    site.instance_index = "1";
    REQUIRE(base::writeFileAtomic(site.root + "/index.html", "<h1>Hello</h1>").ok());
    REQUIRE(base::writeFileAtomic(site.root + "/style.css", "body{}").ok());
    REQUIRE(base::makeDirs(site.root + "/sub").ok());
    REQUIRE(base::writeFileAtomic(site.root + "/sub/index.html", "sub").ok());
  }
  ~SiteDir() { (void)base::removeTree(site.root); }
  StaticSite site;
};

}  // namespace

TEST_CASE("staticResponse answers with FILE.gz to clients that accept gzip") {
  SiteDir d;
  REQUIRE(base::writeFileAtomic(d.site.root + "/index.html.gz", "GZ-BYTES").ok());
  http::Response gz = staticResponse(d.site, "GET", "/", "/", "br, gzip;q=0.8");
  CHECK(gz.status == 200);
  CHECK(gz.body == "GZ-BYTES");
  CHECK(*gz.header("Content-Encoding") == "gzip");
  CHECK(*gz.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(*gz.header("Vary") == "Accept-Encoding");
  for (const char* no : {"", "br", "gzip;q=0", "identity"}) {
    http::Response plain = staticResponse(d.site, "GET", "/", "/", no);
    CHECK_MESSAGE(plain.body == "<h1>Hello</h1>", no);
    CHECK(plain.header("Content-Encoding") == nullptr);
    CHECK(*plain.header("Vary") == "Accept-Encoding");
  }
  // A symlink named FILE.gz is not served (it could point anywhere).
  REQUIRE(::symlink("/etc/hostname", (d.site.root + "/style.css.gz").c_str()) == 0);
  CHECK(staticResponse(d.site, "GET", "/style.css", "/style.css", "gzip").body == "body{}");
  // Staticfile gzip: off.
  d.site.options.gzip = false;
  CHECK(staticResponse(d.site, "GET", "/", "/", "gzip").body == "<h1>Hello</h1>");
  CHECK(acceptsGzip("GZIP"));
  CHECK(acceptsGzip("*"));
  CHECK(acceptsGzip("deflate, gzip;q=1.0"));
  CHECK_FALSE(acceptsGzip("*;q=0"));
  CHECK_FALSE(acceptsGzip("x-gzip2"));
}

TEST_CASE("staticResponse answers like a static web server") {
  SiteDir d;
  http::Response home = staticResponse(d.site, "GET", "/", "/");
  CHECK(home.status == 200);
  CHECK(home.body == "<h1>Hello</h1>");
  CHECK(*home.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(*home.header("X-Instance-Index") == "1");

  CHECK(*staticResponse(d.site, "HEAD", "/style.css", "/style.css").header("Content-Type") ==
        "text/css; charset=utf-8");

  http::Response post = staticResponse(d.site, "POST", "/", "/");
  CHECK(post.status == 405);
  CHECK(*post.header("Allow") == "GET, HEAD");

  http::Response redirect = staticResponse(d.site, "GET", "/sub", "/sub?x=1");
  CHECK(redirect.status == 301);
  CHECK(*redirect.header("Location") == "/sub/?x=1");

  CHECK(staticResponse(d.site, "GET", "/../etc/passwd", "/../etc/passwd").status == 400);
  http::Response missing = staticResponse(d.site, "GET", "/nope", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == "404 Not Found\n");

  REQUIRE(base::writeFileAtomic(d.site.root + "/404.html", "<p>lost</p>").ok());
  http::Response custom = staticResponse(d.site, "GET", "/nope", "/nope");
  CHECK(custom.status == 404);
  CHECK(custom.body == "<p>lost</p>");
  CHECK(*custom.header("Content-Type") == "text/html; charset=utf-8");
}

TEST_CASE("StaticServer serves a file over a real socket") {
  SiteDir d;
  loop::Loop loop;
  StaticServer server(loop, d.site);
  REQUIRE(server.listen("127.0.0.1", 0).ok());
  REQUIRE(server.port() > 0);

  http::Client client(loop);
  std::optional<base::Result<http::Response>> got, missing;
  client.request({.method = "GET", .host = "127.0.0.1", .port = server.port(), .target = "/"},
                 [&](base::Result<http::Response> r) { got = std::move(r); });
  client.request(
      {.method = "GET", .host = "127.0.0.1", .port = server.port(), .target = "/a%2F..%2F..%2Fx"},
      [&](base::Result<http::Response> r) { missing = std::move(r); });
  loop::Timer guard(loop);
  guard.start(10000, 0, [&] { loop.stop(); });
  loop.runUntil([&] { return got.has_value() && missing.has_value(); });
  server.close();

  REQUIRE(got.has_value());
  REQUIRE_MESSAGE(got->ok(), (got->ok() ? "" : got->error().message));
  CHECK((*got)->status == 200);
  CHECK((*got)->body == "<h1>Hello</h1>");
  CHECK(*(*got)->header("X-Instance-Index") == "1");
  REQUIRE(missing.has_value());
  REQUIRE(missing->ok());
  CHECK((*missing)->status == 400);
}

}  // namespace mcf::lifecycle
