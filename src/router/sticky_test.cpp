// Tests of sticky session cookies.
#include "router/sticky.h"

#include <doctest/doctest.h>

using namespace mcf;
using namespace mcf::router;

TEST_CASE("the __VCAP_ID__ cookie is read from any Cookie header") {
  http::Headers h = {{"Cookie", "a=1; __VCAP_ID__=inst-2 ; JSESSIONID=x"}};
  CHECK(requestCookie(h, "__VCAP_ID__") == "inst-2");
  CHECK(requestCookie(h, "JSESSIONID") == "x");
  CHECK(requestCookie(h, "missing").empty());
  http::Headers two = {{"Cookie", "a=1"}, {"cookie", "__VCAP_ID__=i9"}};
  CHECK(requestCookie(two, "__VCAP_ID__") == "i9");
  CHECK(requestCookie({}, "__VCAP_ID__").empty());
}

TEST_CASE("a JSESSIONID response earns a __VCAP_ID__ cookie mirroring its attributes") {
  CHECK_FALSE(stickyCookie({{"Set-Cookie", "other=1"}}, "i1").has_value());
  CHECK_FALSE(stickyCookie({{"X-JSESSIONID", "JSESSIONID=1"}}, "i1").has_value());
  auto plain = stickyCookie({{"Set-Cookie", "JSESSIONID=abc"}}, "i1");
  REQUIRE(plain.has_value());
  CHECK(*plain == "__VCAP_ID__=i1; Path=/; HttpOnly");
  auto full = stickyCookie(
      {{"Set-Cookie", "a=b"},
       {"set-cookie",
        "JSESSIONID=abc; Path=/app; Max-Age=60; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; "
        "SameSite=Lax; HttpOnly"}},
      "inst");
  REQUIRE(full.has_value());
  CHECK(*full ==
        "__VCAP_ID__=inst; Path=/; HttpOnly; Max-Age=60; Expires=Wed, 21 Oct 2026 07:28:00 GMT; "
        "Secure; SameSite=Lax");
}
