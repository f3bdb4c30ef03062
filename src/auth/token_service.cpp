// Token issuing and checking; claim names and values follow UAA so the cf CLI reads them.
#include "auth/token_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/jwt.h"
#include "base/ids.h"

namespace mcf::auth {

using base::Errc;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr const char* kClientId = "cf";

base::Error invalid(std::string_view why) {
  return base::makeError(Errc::kInvalidToken, "Invalid auth token: {}", why);
}

std::string stringClaim(const json& claims, const char* key) {
  auto it = claims.find(key);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

TokenService::TokenService(std::string signing_key, std::string issuer, const base::Clock& clock)
    : signing_key_(std::move(signing_key)), issuer_(std::move(issuer)), clock_(clock) {}

std::vector<std::string> TokenService::scopesFor(const model::User& user) {
  std::vector<std::string> scopes;
  if (user.admin) scopes.push_back("cloud_controller.admin");
  if (!user.global_scope.empty()) scopes.push_back(user.global_scope);
  for (const char* s : {"cloud_controller.read", "cloud_controller.write", "openid", "uaa.user"})
    scopes.push_back(s);
  return scopes;
}

std::string TokenService::issueAccess(const model::User& user, const std::string& grant_type) {
  return issue(user, grant_type, false);
}

std::string TokenService::issueRefresh(const model::User& user) {
  // UAA records the grant the session began with; microcf's users log in with passwords.
  return issue(user, "password", true);
}

std::string TokenService::issue(const model::User& user, const std::string& grant_type,
                                bool refresh) {
  int64_t now = clock_.nowNs() / 1000000000;
  std::string jti = base::randomHex(16);
  if (refresh) jti += "-r";
  ordered_json claims = {
      {"jti", jti},
      {"sub", user.guid},
      {"scope", scopesFor(user)},
      {"client_id", kClientId},
      {"cid", kClientId},
      {"azp", kClientId},
      {"grant_type", grant_type},
      {"user_id", user.guid},
      {"origin", user.origin},
      {"user_name", user.username},
      {"email", user.email},
      {"auth_time", now},
      {"iat", now},
      {"exp", now + (refresh ? kRefreshTtlSeconds : kAccessTtlSeconds)},
      {"iss", issuer_},
      {"zid", "uaa"},
      {"aud", {"cloud_controller", "openid", "cf"}},
  };
  if (refresh) {
    claims["revocable"] = true;
    claims["refresh"] = true;
  }
  ordered_json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "microcf"}};
  // replace: a user name with invalid UTF-8 must not throw out of here.
  auto dump = [](const ordered_json& j) {
    return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  };
  return signHs256(dump(header), dump(claims), signing_key_);
}

std::string TokenService::issueClientAccess(const model::OauthClient& client) {
  int64_t now = clock_.nowNs() / 1000000000;
  // aud: the resource ids of the scopes ("cloud_controller.admin" → "cloud_controller").
  ordered_json aud = ordered_json::array();
  for (const auto& scope : client.authorities) {
    std::string resource = scope.substr(0, scope.find('.'));
    if (std::find(aud.begin(), aud.end(), resource) == aud.end()) aud.push_back(resource);
  }
  if (std::find(aud.begin(), aud.end(), client.client_id) == aud.end())
    aud.push_back(client.client_id);
  ordered_json claims = {
      {"jti", base::randomHex(16)},
      {"sub", client.client_id},
      {"authorities", client.authorities},
      {"scope", client.authorities},
      {"client_id", client.client_id},
      {"cid", client.client_id},
      {"azp", client.client_id},
      {"grant_type", "client_credentials"},
      {"iat", now},
      {"exp", now + kAccessTtlSeconds},
      {"iss", issuer_},
      {"zid", "uaa"},
      {"aud", aud},
  };
  ordered_json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "microcf"}};
  auto dump = [](const ordered_json& j) {
    return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  };
  return signHs256(dump(header), dump(claims), signing_key_);
}

base::Result<Claims> TokenService::verify(const std::string& jwt) const {
  auto payload = verifyHs256(jwt, signing_key_);
  if (!payload.ok()) return payload.takeError();
  json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object()) return invalid("the payload is not a JSON object");

  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number_integer()) return invalid("it has no expiry");
  Claims out;
  out.exp = exp->get<int64_t>();
  if (clock_.nowNs() / 1000000000 >= out.exp) return invalid("expired");

  out.jti = stringClaim(claims, "jti");
  out.user_id = stringClaim(claims, "user_id");
  out.user_name = stringClaim(claims, "user_name");
  out.email = stringClaim(claims, "email");
  out.origin = stringClaim(claims, "origin");
  out.client_id = stringClaim(claims, "client_id");
  out.grant_type = stringClaim(claims, "grant_type");
  if (auto iat = claims.find("iat"); iat != claims.end() && iat->is_number_integer())
    out.iat = iat->get<int64_t>();
  if (auto scope = claims.find("scope"); scope != claims.end() && scope->is_array()) {
    for (const auto& s : *scope)
      if (s.is_string()) out.scopes.push_back(s.get<std::string>());
  }
  if (out.grant_type == "client_credentials" && out.user_id.empty()) {
    if (out.client_id.empty()) return invalid("it names no client");
    out.client = true;
    out.user_id = out.client_id;
    out.user_name = out.client_id;
    out.origin.clear();
  }
  if (auto refresh = claims.find("refresh"); refresh != claims.end() && refresh->is_boolean())
    out.refresh = refresh->get<bool>();
  return out;
}

}  // namespace mcf::auth
