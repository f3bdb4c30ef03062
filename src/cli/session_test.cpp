// Session behaviour that needs no platform: error messages, route URLs, a valid saved token.
#include "cli/session.h"

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/ids.h"
#include "base/strutil.h"

namespace {

std::string farFutureJwt() {
  return mcf::base::base64UrlEncode(R"({"alg":"HS256"})") + "." +
         mcf::base::base64UrlEncode(R"({"user_name":"admin","exp":4102444800})") + ".sig";
}

struct SavedSession {
  std::string dir = "/tmp/microcf-cli-session-" + mcf::base::randomHex(6);
  explicit SavedSession(const std::string& api) {
    mcf::cli::Config c;
    c.api = api;
    c.access_token = farFutureJwt();
    c.org = {"o", "microcf"};
    c.space = {"s", "dev"};
    REQUIRE(mcf::cli::Home(dir).saveConfig(c).ok());
  }
  ~SavedSession() { (void)mcf::base::removeTree(dir); }
};

}  // namespace

TEST_CASE("apiErrorMessage shows errors[0].detail and its title") {
  mcf::http::Response r;
  r.status = 404;
  r.body = R"({"errors":[{"code":10010,"title":"CF-ResourceNotFound","detail":"App not found"},
                          {"detail":"second"}]})";
  CHECK(mcf::cli::apiErrorMessage(r) == "App not found (CF-ResourceNotFound)");
  r.body = R"({"error":"unauthorized","error_description":"Bad credentials"})";
  CHECK(mcf::cli::apiErrorMessage(r) == "Bad credentials");
  r.status = 502;
  r.body = "upstream down";
  CHECK(mcf::cli::apiErrorMessage(r) == "The API answered 502 Bad Gateway: upstream down");
}

TEST_CASE("a saved token that does not expire soon is used without asking the API") {
  SavedSession saved("http://api.localhost:8080");
  mcf::cli::Session session{mcf::cli::Home(saved.dir)};
  REQUIRE(session.ensureTarget().ok());  // no platform is running: no request was needed
  CHECK(session.userName() == "admin");
  CHECK(session.config().space.name == "dev");
  CHECK(session.routeUrl("hello.localhost") == "http://hello.localhost:8080");
  CHECK(session.routeUrl("hello.localhost/api/v1") == "http://hello.localhost:8080/api/v1");
}

TEST_CASE("route URLs leave out port 80") {
  SavedSession saved("http://api.example.test");
  mcf::cli::Session session{mcf::cli::Home(saved.dir)};
  REQUIRE(session.ensureToken().ok());
  CHECK(session.routeUrl("hello.example.test") == "http://hello.example.test");
}
