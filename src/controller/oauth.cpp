// POST /oauth/token: UAA's password and refresh_token grants for the `cf` client.
#include "auth/password.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "http/url.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

namespace {

// UAA's error shape, not Cloud Controller's: {"error":"...","error_description":"..."}.
http::Response oauthError(int status, const char* error, const std::string& description) {
  return jsonReply(status, {{"error", error}, {"error_description", description}});
}

http::Response badCredentials() { return oauthError(401, "unauthorized", "Bad credentials"); }

// HTTP Basic "cf:" (client id cf, empty secret). A request without Basic auth is taken as cf.
bool clientAllowed(const http::Request& request) {
  const std::string* auth = request.header("Authorization");
  if (!auth) return true;
  std::string value = base::trim(*auth);
  if (value.size() < 6 || !base::iequals(value.substr(0, 6), "basic ")) return false;
  std::string decoded = base::base64Decode(base::trim(value.substr(6)));
  size_t colon = decoded.find(':');
  std::string client = base::urlDecode(decoded.substr(0, colon));
  std::string secret = colon == std::string::npos ? "" : decoded.substr(colon + 1);
  return client == "cf" && secret.empty();
}

Reply tokenFor(Api& api, const model::User& user, const std::string& grant_type) {
  std::string access = api.tokens.issueAccess(user, grant_type);
  std::string refresh = api.tokens.issueRefresh(user);
  auto claims = api.tokens.verify(access);
  if (!claims.ok()) return claims.takeError();
  int64_t expires_in = claims->exp - api.nowSeconds();
  return jsonReply(200, {{"access_token", access},
                         {"token_type", "bearer"},
                         {"id_token", nullptr},
                         {"refresh_token", refresh},
                         {"expires_in", expires_in > 0 ? expires_in : 0},
                         {"scope", base::join(auth::TokenService::scopesFor(user), " ")},
                         {"jti", claims->jti}});
}

}  // namespace

void postOauthToken(Api& api, Call&& call, Done done) {
  if (!clientAllowed(call.request)) {
    return done(oauthError(401, "unauthorized", "Bad client credentials: use client 'cf' with an "
                                                "empty secret"));
  }
  std::map<std::string, std::string> form;
  for (auto& [k, v] : http::parseQuery(call.request.body)) form.emplace(k, v);
  const std::string grant = form["grant_type"];
  if (grant == "password") {
    auto user = api.store.findUserByName(form["username"]);
    if (!user.ok()) {
      return done(user.error().code == base::Errc::kNotFound ? Reply(badCredentials())
                                                             : Reply(user.takeError()));
    }
    // PBKDF2 takes tens of milliseconds: off the loop, then back to issue the tokens.
    auto matched = std::make_shared<bool>(false);
    std::weak_ptr<int> alive = api.alive;
    Api* self = &api;
    loop::queueWork(
        api.loop,
        [matched, password = form["password"], hash = user->password_hash] {
          *matched = auth::verifyPassword(password, hash);
        },
        [matched, alive, self, user = *user, done] {
          if (alive.expired())
            return done(base::makeError(base::Errc::kUnavailable, "shutting down"));
          done(*matched ? tokenFor(*self, user, "password") : Reply(badCredentials()));
        });
    return;
  }
  if (grant == "refresh_token") {
    auto claims = api.tokens.verify(form["refresh_token"]);
    if (!claims.ok() || !claims->refresh) {
      return done(oauthError(401, "invalid_token", "The refresh token is invalid or expired; log "
                                                   "in again"));
    }
    auto user = api.store.getUser(claims->user_id);
    if (!user.ok()) return done(oauthError(401, "invalid_token", "The user of this token is gone"));
    return done(tokenFor(api, *user, "refresh_token"));
  }
  if (grant == "client_credentials") return done(badCredentials());  // no clients are registered
  done(oauthError(400, "unsupported_grant_type",
                  fmt::format("Unsupported grant type '{}'; use password or refresh_token",
                              grant)));
}

}  // namespace mcf::controller
