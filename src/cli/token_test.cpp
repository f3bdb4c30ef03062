// Token claims the CLI reads without verifying: user name and expiry.
#include "cli/token.h"

#include <doctest/doctest.h>

#include "base/strutil.h"

namespace {

std::string makeJwt(const std::string& payload) {
  return mcf::base::base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." +
         mcf::base::base64UrlEncode(payload) + ".c2lnbmF0dXJl";
}

}  // namespace

TEST_CASE("jwtExpiry and jwtUserName read the payload") {
  std::string jwt = makeJwt(R"({"user_name":"admin","exp":1700000000,"iat":1699956801})");
  CHECK(mcf::cli::jwtExpiry(jwt) == 1700000000);
  CHECK(mcf::cli::jwtUserName(jwt) == "admin");
  CHECK(mcf::cli::jwtUserName(makeJwt(R"({"client_id":"cf","exp":1})")) == "cf");
}

TEST_CASE("a token that is not a JWT has no claims") {
  CHECK_FALSE(mcf::cli::jwtExpiry("not-a-token"));
  CHECK_FALSE(mcf::cli::jwtExpiry("a.b"));
  CHECK_FALSE(mcf::cli::jwtExpiry("a.!!!.c"));
  CHECK_FALSE(mcf::cli::jwtExpiry(makeJwt(R"({"exp":"soon"})")));
  CHECK(mcf::cli::jwtUserName("garbage") == "");
}

TEST_CASE("refresh when expired, within a minute of expiry, or unparsable") {
  std::string jwt = makeJwt(R"({"user_name":"admin","exp":1000})");
  CHECK_FALSE(mcf::cli::tokenNeedsRefresh(jwt, 900));  // 100 s left
  CHECK_FALSE(mcf::cli::tokenNeedsRefresh(jwt, 940));  // exactly a minute left
  CHECK(mcf::cli::tokenNeedsRefresh(jwt, 941));        // 59 s left
  CHECK(mcf::cli::tokenNeedsRefresh(jwt, 1000));
  CHECK(mcf::cli::tokenNeedsRefresh(jwt, 5000));
  CHECK(mcf::cli::tokenNeedsRefresh("garbage", 0));
  CHECK(mcf::cli::tokenNeedsRefresh("", 0));
}
