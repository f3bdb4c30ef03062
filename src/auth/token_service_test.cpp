// Tests of tokens: the claims the cf CLI reads, and every way a forged or stale token fails.
#include "auth/token_service.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "auth/jwt.h"
#include "base/strutil.h"
#include "base/testing/fake_clock.h"

using namespace mcf;
using namespace mcf::auth;
using base::Errc;
using nlohmann::json;

namespace {

constexpr const char* kIssuer = "http://api.localhost:8080/oauth/token";

model::User user(bool admin) {
  model::User u;
  u.guid = "6f1c4f07-5c59-4b5a-9d4a-0e1f7b2f3a11";
  u.username = admin ? "admin" : "dev";
  u.email = u.username + "@example.com";
  u.admin = admin;
  return u;
}

std::vector<std::string> segments(const std::string& jwt) { return base::split(jwt, '.'); }

json decode(const std::string& segment) { return json::parse(base::base64Decode(segment)); }

std::string encode(const json& j) { return base::base64UrlEncode(j.dump()); }

void checkRejected(const base::Result<Claims>& r, const std::string& why) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kInvalidToken);
  CHECK(r.error().message.find("Invalid auth token: ") == 0);
  CHECK_MESSAGE(r.error().message.find(why) != std::string::npos, r.error().message);
}

}  // namespace

TEST_CASE("an access token round-trips with UAA's claims and header") {
  base::FakeClock clock;
  TokenService tokens("k3y", kIssuer, clock);
  std::string jwt = tokens.issueAccess(user(true), "password");
  auto parts = segments(jwt);
  REQUIRE(parts.size() == 3);

  json header = decode(parts[0]);
  CHECK(header["alg"] == "HS256");
  CHECK(header["typ"] == "JWT");
  CHECK(header["kid"] == "microcf");

  int64_t now = clock.nowNs() / 1000000000;
  json payload = decode(parts[1]);
  CHECK(payload["sub"] == user(true).guid);
  CHECK(payload["user_id"] == user(true).guid);
  CHECK(payload["user_name"] == "admin");
  CHECK(payload["email"] == "admin@example.com");
  CHECK(payload["origin"] == "uaa");
  CHECK(payload["client_id"] == "cf");
  CHECK(payload["cid"] == "cf");
  CHECK(payload["azp"] == "cf");
  CHECK(payload["grant_type"] == "password");
  CHECK(payload["zid"] == "uaa");
  CHECK(payload["iss"] == kIssuer);
  CHECK(payload["aud"] == json({"cloud_controller", "openid", "cf"}));
  CHECK(payload["iat"] == now);
  CHECK(payload["auth_time"] == now);
  CHECK(payload["exp"] == now + 43199);
  CHECK(payload["jti"].get<std::string>().size() == 32);
  CHECK_FALSE(payload.contains("refresh"));

  auto claims = tokens.verify(jwt);
  REQUIRE(claims.ok());
  CHECK(claims->user_id == user(true).guid);
  CHECK(claims->user_name == "admin");
  CHECK(claims->email == "admin@example.com");
  CHECK(claims->origin == "uaa");
  CHECK(claims->client_id == "cf");
  CHECK(claims->grant_type == "password");
  CHECK(claims->jti == payload["jti"]);
  CHECK(claims->iat == now);
  CHECK(claims->exp == now + 43199);
  CHECK(claims->scopes == TokenService::scopesFor(user(true)));
  CHECK_FALSE(claims->refresh);

  // Each token is distinct even within the same second.
  CHECK(tokens.issueAccess(user(true), "password") != jwt);
}

TEST_CASE("scopes: admins also hold cloud_controller.admin") {
  CHECK(TokenService::scopesFor(user(true)) ==
        std::vector<std::string>{"cloud_controller.admin", "cloud_controller.read",
                                 "cloud_controller.write", "openid", "uaa.user"});
  CHECK(TokenService::scopesFor(user(false)) ==
        std::vector<std::string>{"cloud_controller.read", "cloud_controller.write", "openid",
                                 "uaa.user"});
  model::User auditor = user(false);
  auditor.global_scope = "cloud_controller.global_auditor";
  CHECK(TokenService::scopesFor(auditor) ==
        std::vector<std::string>{"cloud_controller.global_auditor", "cloud_controller.read",
                                 "cloud_controller.write", "openid", "uaa.user"});
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  auto claims = tokens.verify(tokens.issueAccess(user(false), "refresh_token"));
  REQUIRE(claims.ok());
  CHECK(claims->grant_type == "refresh_token");
  CHECK(claims->scopes == TokenService::scopesFor(user(false)));
}

TEST_CASE("a refresh token is flagged and lives 30 days") {
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  std::string jwt = tokens.issueRefresh(user(false));
  json payload = decode(segments(jwt)[1]);
  CHECK(payload["revocable"] == true);
  CHECK(payload["refresh"] == true);
  auto claims = tokens.verify(jwt);
  REQUIRE(claims.ok());
  CHECK(claims->refresh);
  CHECK(claims->jti.size() == 34);
  CHECK(claims->jti.ends_with("-r"));
  CHECK(claims->user_name == "dev");
  CHECK(claims->exp - claims->iat == 30 * 24 * 3600);

  clock.advanceMs(int64_t(43200) * 1000);  // past an access token's life
  CHECK(tokens.verify(jwt).ok());
  clock.advanceMs(int64_t(30) * 24 * 3600 * 1000);
  checkRejected(tokens.verify(jwt), "expired");
}

TEST_CASE("an access token expires after 43199 s") {
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  std::string jwt = tokens.issueAccess(user(false), "password");
  clock.advanceMs(int64_t(43198) * 1000);
  CHECK(tokens.verify(jwt).ok());
  clock.advanceMs(1000);
  auto r = tokens.verify(jwt);
  checkRejected(r, "expired");
  CHECK(r.error().message == "Invalid auth token: expired");
}

TEST_CASE("a token with a changed payload or signature, or from another key, is rejected") {
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  std::string jwt = tokens.issueAccess(user(false), "password");
  auto parts = segments(jwt);

  SUBCASE("payload promoted to admin") {
    json payload = decode(parts[1]);
    payload["scope"].push_back("cloud_controller.admin");
    auto r = tokens.verify(parts[0] + "." + encode(payload) + "." + parts[2]);
    checkRejected(r, "signature does not match");
    CHECK(r.error().message == "Invalid auth token: signature does not match");
  }
  SUBCASE("payload with a later expiry") {
    json payload = decode(parts[1]);
    payload["exp"] = payload["exp"].get<int64_t>() + 1000000;
    checkRejected(tokens.verify(parts[0] + "." + encode(payload) + "." + parts[2]),
                  "signature does not match");
  }
  SUBCASE("signature altered") {
    std::string sig = parts[2];
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    checkRejected(tokens.verify(parts[0] + "." + parts[1] + "." + sig), "signature does not match");
  }
  SUBCASE("signature truncated") {
    checkRejected(tokens.verify(parts[0] + "." + parts[1] + "." + parts[2].substr(0, 20)),
                  "signature does not match");
  }
  SUBCASE("signed with another key") {
    TokenService other("other key", kIssuer, clock);
    checkRejected(other.verify(jwt), "signature does not match");
    checkRejected(tokens.verify(other.issueAccess(user(true), "password")),
                  "signature does not match");
  }
}

TEST_CASE("alg none and other algorithms are rejected whatever the signature") {
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  auto parts = segments(tokens.issueAccess(user(false), "password"));
  for (const char* alg : {"none", "None", "HS512", "RS256", "hs256"}) {
    CAPTURE(alg);
    std::string header = encode({{"alg", alg}, {"typ", "JWT"}});
    // With the real signature, with none at all, and with one made by the same key over
    // the new header (what a confused verifier that trusts "alg" might accept).
    checkRejected(tokens.verify(header + "." + parts[1] + "." + parts[2]), "algorithm");
    checkRejected(tokens.verify(header + "." + parts[1] + "."), "");
    std::string resigned =
        signHs256(json({{"alg", alg}, {"typ", "JWT"}}).dump(), base::base64Decode(parts[1]), "k");
    checkRejected(tokens.verify(resigned), "algorithm");
  }
  checkRejected(tokens.verify(encode({{"typ", "JWT"}}) + "." + parts[1] + "." + parts[2]),
                "no algorithm");
}

TEST_CASE("things that are not JWTs are rejected, saying so") {
  base::FakeClock clock;
  TokenService tokens("k", kIssuer, clock);
  auto parts = segments(tokens.issueAccess(user(false), "password"));
  checkRejected(tokens.verify(""), "3 dot-separated segments");
  checkRejected(tokens.verify("abc"), "3 dot-separated segments");
  checkRejected(tokens.verify(parts[0] + "." + parts[1]), "3 dot-separated segments");
  checkRejected(tokens.verify(parts[0] + "." + parts[1] + "." + parts[2] + ".x"),
                "3 dot-separated segments");
  checkRejected(tokens.verify(parts[0] + "." + parts[1] + "+/=." + parts[2]), "base64url");
  checkRejected(tokens.verify("bm90IGpzb24." + parts[1] + "." + parts[2]), "header");
}

TEST_CASE("a client_credentials token names the client, carries its authorities, no user") {
  base::FakeClock clock;
  TokenService tokens("k3y", kIssuer, clock);
  model::OauthClient client;
  client.client_id = "deployer";
  client.authorities = {"cloud_controller.admin", "uaa.none"};
  std::string jwt = tokens.issueClientAccess(client);
  json payload = decode(segments(jwt)[1]);
  CHECK(payload["client_id"] == "deployer");
  CHECK(payload["cid"] == "deployer");
  CHECK(payload["azp"] == "deployer");
  CHECK(payload["sub"] == "deployer");
  CHECK(payload["grant_type"] == "client_credentials");
  CHECK(payload["scope"] == json({"cloud_controller.admin", "uaa.none"}));
  CHECK(payload["authorities"] == json({"cloud_controller.admin", "uaa.none"}));
  CHECK(payload["aud"] == json({"cloud_controller", "uaa", "deployer"}));
  for (const char* key : {"user_id", "user_name", "email", "origin"}) CHECK_FALSE(payload.contains(key));
  CHECK(payload["exp"].get<int64_t>() - payload["iat"].get<int64_t>() ==
        TokenService::kAccessTtlSeconds);

  auto claims = tokens.verify(jwt);
  REQUIRE(claims.ok());
  CHECK(claims->client);
  CHECK_FALSE(claims->refresh);
  CHECK(claims->client_id == "deployer");
  CHECK(claims->user_id == "deployer");  // the actor, as Cloud Controller takes it
  CHECK(claims->scopes == std::vector<std::string>{"cloud_controller.admin", "uaa.none"});

  CHECK_FALSE(tokens.verify(tokens.issueAccess(user(false), "password"))->client);
}
