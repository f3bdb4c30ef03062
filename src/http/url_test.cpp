// Tests of URL and query parsing.
#include "http/url.h"

#include <doctest/doctest.h>

using namespace mcf::http;

TEST_CASE("parseUrl splits scheme, host, port and target") {
  auto u = parseUrl("http://api.localhost:8080/v3/apps?x=1");
  REQUIRE(u.ok());
  CHECK(u->scheme == "http");
  CHECK(u->host == "api.localhost");
  CHECK(u->port == 8080);
  CHECK(u->target == "/v3/apps?x=1");

  auto d = parseUrl("HTTPS://Example.COM");
  REQUIRE(d.ok());
  CHECK(d->scheme == "https");
  CHECK(d->host == "example.com");
  CHECK(d->port == 443);
  CHECK(d->target == "/");

  auto q = parseUrl("http://h?a=b#frag");
  REQUIRE(q.ok());
  CHECK(q->port == 80);
  CHECK(q->target == "/?a=b");

  auto v6 = parseUrl("http://[::1]:9000/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "[::1]");
  CHECK(v6->port == 9000);

  auto user = parseUrl("http://admin:secret@localhost:1/");
  REQUIRE(user.ok());
  CHECK(user->host == "localhost");
}

TEST_CASE("parseUrl rejects what it cannot fetch, saying why") {
  for (const char* bad : {"api.localhost:8080", "ftp://x/", "http://", "http://:80/", "http://h:0/",
                          "http://h:70000/", "http://h:12ab/", "http://[::1/"}) {
    auto u = parseUrl(bad);
    CHECK_FALSE(u.ok());
    if (!u.ok()) {
      CHECK(u.error().code == mcf::base::Errc::kInvalid);
      CHECK(u.error().message.find(std::string("'") + bad + "'") != std::string::npos);
    }
  }
}

TEST_CASE("parseQuery decodes + and %XX, keeps order, and gives bare keys an empty value") {
  auto q = parseQuery("names=my+app%2Cother&page=2&flag&&empty=&a%3Db=c%26d");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>{"names", "my app,other"});
  CHECK(q[1] == std::pair<std::string, std::string>{"page", "2"});
  CHECK(q[2] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(q[3] == std::pair<std::string, std::string>{"empty", ""});
  CHECK(q[4] == std::pair<std::string, std::string>{"a=b", "c&d"});
  CHECK(parseQuery("").empty());
}

TEST_CASE("percentDecode leaves + alone") {
  CHECK(percentDecode("/a%20b+c%2F%zz%4") == "/a b+c/%zz%4");
}
