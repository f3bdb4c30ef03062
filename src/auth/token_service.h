// TokenService: UAA's tokens for microcf: HS256 JWTs with UAA's claim set (CF-CONTRACT §1.1.6).
//
// Owns: issuing access and refresh tokens, checking signature, algorithm and expiry; scopes.
// Does not own: the signing key's storage (daemon/), users (store/), HTTP (controller/).
// Thread: any; const after construction (the clock must be safe to read from the caller).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "model/model.h"
#include "model/oauth_client.h"

namespace mcf::auth {

struct Claims {
  std::string jti, user_id, user_name, email, origin = "uaa", client_id = "cf", grant_type;
  std::vector<std::string> scopes;
  int64_t iat = 0, exp = 0;
  bool refresh = false;  // a refresh token: good only at /oauth/token, never as a bearer
  // A client_credentials token: no user; user_id and user_name are the client's id, as
  // Cloud Controller takes the client for the actor.
  bool client = false;
};

class TokenService {
 public:
  // signing_key: raw secret bytes (HMAC key). issuer: the "iss" claim, e.g.
  // "http://api.localhost:8080/oauth/token". clock is borrowed for the service's lifetime.
  TokenService(std::string signing_key, std::string issuer, const base::Clock& clock);

  // An access token for user, valid 43199 s (UAA's default); grant_type is recorded as given
  // ("password", "refresh_token", ...).
  std::string issueAccess(const model::User& user, const std::string& grant_type);
  // A refresh token for user, valid 30 days; its jti ends in "-r" and it carries
  // "refresh": true, so verify() reports Claims::refresh.
  std::string issueRefresh(const model::User& user);
  // An access token of client itself (grant client_credentials): client_id/cid/azp and sub
  // are the client's id, scope and authorities its authorities, no user_* claims.
  std::string issueClientAccess(const model::OauthClient& client);

  // The claims of a token this service signed and that has not expired. kInvalidToken
  // otherwise, the message saying why ("Invalid auth token: expired", "... signature does
  // not match", ...). Callers decide whether a refresh token is acceptable where they are.
  base::Result<Claims> verify(const std::string& jwt) const;

  // Scopes a user's tokens carry: admins also get cloud_controller.admin, users with a global
  // scope (admin_read_only, global_auditor) that one.
  static std::vector<std::string> scopesFor(const model::User& user);

  static constexpr int64_t kAccessTtlSeconds = 43199;
  static constexpr int64_t kRefreshTtlSeconds = 30 * 24 * 3600;

 private:
  std::string issue(const model::User& user, const std::string& grant_type, bool refresh);

  std::string signing_key_;
  std::string issuer_;
  const base::Clock& clock_;
};

}  // namespace mcf::auth
