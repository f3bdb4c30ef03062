// POST /oauth/token: UAA's password, refresh_token and client_credentials grants, with login
// throttling (auth::LoginLimiter) in front of every password or secret check.
#include <algorithm>
#include <optional>

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

// The client that authenticates the request: HTTP Basic, else the form's client_id and
// client_secret (UAA takes both). nullopt: neither was given.
struct ClientAuth {
  std::string id, secret;
};
std::optional<ClientAuth> clientAuth(const http::Request& request,
                                     std::map<std::string, std::string>& form) {
  if (const std::string* auth = request.header("Authorization")) {
    std::string value = base::trim(*auth);
    if (value.size() < 6 || !base::iequals(value.substr(0, 6), "basic ")) return std::nullopt;
    std::string decoded = base::base64Decode(base::trim(value.substr(6)));
    size_t colon = decoded.find(':');
    return ClientAuth{base::urlDecode(decoded.substr(0, colon)),
                      colon == std::string::npos ? "" : base::urlDecode(decoded.substr(colon + 1))};
  }
  if (form.count("client_id")) return ClientAuth{form["client_id"], form["client_secret"]};
  return std::nullopt;
}

// "127.0.0.1:5555" → "127.0.0.1"; "[::1]:5555" → "[::1]".
std::string addressOf(const http::Request& request) {
  const std::string& a = request.remote_addr;
  size_t colon = a.rfind(':');
  return colon == std::string::npos || a.back() == ']' ? a : a.substr(0, colon);
}

// The answer for an attempt the limiter refused; no password was checked.
http::Response throttled(const auth::LoginLimiter::Decision& d) {
  int64_t minutes = (d.retry_seconds + 59) / 60;
  if (d.verdict == auth::LoginLimiter::Verdict::kUserLocked) {
    return oauthError(401, "unauthorized",
                      fmt::format("Your account has been locked because of too many failed "
                                  "attempts to login. Try again in {} minute{}.",
                                  minutes, minutes == 1 ? "" : "s"));
  }
  return oauthError(401, "unauthorized",
                    fmt::format("Too many login attempts from this address. Try again in {} "
                                "minute{}.", minutes, minutes == 1 ? "" : "s"));
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

Reply clientTokenFor(Api& api, const model::OauthClient& client) {
  std::string access = api.tokens.issueClientAccess(client);
  auto claims = api.tokens.verify(access);
  if (!claims.ok()) return claims.takeError();
  int64_t expires_in = claims->exp - api.nowSeconds();
  return jsonReply(200, {{"access_token", access},
                         {"token_type", "bearer"},
                         {"expires_in", expires_in > 0 ? expires_in : 0},
                         {"scope", base::join(client.authorities, " ")},
                         {"jti", claims->jti}});
}

// Checks password against hash on the thread pool (PBKDF2 takes tens of milliseconds), then
// calls then(matched) back on the loop unless the controller is gone.
void checkOffLoop(Api& api, std::string password, std::string hash, Done done,
                  std::function<Reply(bool matched)> then) {
  auto matched = std::make_shared<bool>(false);
  std::weak_ptr<int> alive = api.alive;
  loop::queueWork(
      api.loop,
      [matched, password = std::move(password), hash = std::move(hash)] {
        *matched = auth::verifyPassword(password, hash);
      },
      [matched, alive, done, then = std::move(then)] {
        if (alive.expired()) return done(base::makeError(base::Errc::kUnavailable, "shutting down"));
        done(then(*matched));
      });
}

void passwordGrant(Api& api, const std::string& address, std::map<std::string, std::string>& form,
                   Done done) {
  if (!form.count("username") || !form.count("password") || form["username"].empty()) {
    return done(oauthError(400, "invalid_request",
                           "Missing username or password: send username and password form "
                           "fields with grant_type=password"));
  }
  std::string username = form["username"];
  // Usernames match case-insensitively (as UAA's), so the lockout counts them that way too.
  std::string key = base::toLower(username);
  auto decision = api.logins.begin(key, address);
  if (decision.verdict != auth::LoginLimiter::Verdict::kGo) return done(throttled(decision));
  auto user = api.store.findUserByName(username);
  if (!user.ok()) {
    return done(user.error().code == base::Errc::kNotFound ? Reply(badCredentials())
                                                           : Reply(user.takeError()));
  }
  Api* self = &api;
  checkOffLoop(api, form["password"], user->password_hash, done,
               [self, user = *user, key, address](bool matched) -> Reply {
                 if (!matched) return badCredentials();
                 self->logins.succeeded(key, address);
                 return tokenFor(*self, user, "password");
               });
}

void clientCredentialsGrant(Api& api, const ClientAuth& client_auth, const std::string& address,
                            Done done) {
  if (client_auth.id == "cf") {
    return done(oauthError(401, "invalid_client", "Unauthorized grant type: client "
                           "'cf' logs users in with the password grant; create a client with "
                           "'microcf create-client' for client_credentials"));
  }
  // Secrets are hashed like passwords: the same brakes apply, keyed by the client's id.
  std::string key = "client:" + client_auth.id;
  auto decision = api.logins.begin(key, address);
  if (decision.verdict != auth::LoginLimiter::Verdict::kGo) return done(throttled(decision));
  auto client = api.store.getClient(client_auth.id);
  if (!client.ok()) {
    return done(client.error().code == base::Errc::kNotFound
                    ? Reply(oauthError(401, "invalid_client", "Bad credentials"))
                    : Reply(client.takeError()));
  }
  Api* self = &api;
  checkOffLoop(api, client_auth.secret, client->secret_hash, done,
               [self, client = *client, key, address](bool matched) -> Reply {
                 if (!matched) return oauthError(401, "invalid_client", "Bad credentials");
                 self->logins.succeeded(key, address);
                 const auto& grants = client.grant_types;
                 if (std::find(grants.begin(), grants.end(), "client_credentials") == grants.end())
                   return oauthError(400, "unauthorized_client",
                                     "Unauthorized grant type: client_credentials");
                 return clientTokenFor(*self, client);
               });
}

}  // namespace

void postOauthToken(Api& api, Call&& call, Done done) {
  std::map<std::string, std::string> form;
  for (auto& [k, v] : http::parseQuery(call.request.body)) form.emplace(k, v);
  auto client = clientAuth(call.request, form);
  if (!client) {
    return done(oauthError(401, "unauthorized", "Full authentication is required to access this "
                           "resource: authenticate the client with HTTP Basic (the cf CLI uses "
                           "client 'cf' with an empty secret)"));
  }
  const std::string grant = form["grant_type"];
  const std::string address = addressOf(call.request);
  if (grant == "client_credentials") return clientCredentialsGrant(api, *client, address, done);
  if (client->id != "cf" || !client->secret.empty()) {
    return done(oauthError(401, "invalid_client",
                           fmt::format("Bad client credentials: the {} grant takes client 'cf' "
                                       "with an empty secret", grant.empty() ? "user" : grant)));
  }
  if (grant == "password") return passwordGrant(api, address, form, done);
  if (grant == "refresh_token") {
    auto claims = api.tokens.verify(form["refresh_token"]);
    if (!claims.ok() || !claims->refresh) {
      return done(oauthError(401, "invalid_token", "The refresh token is invalid or expired; log "
                                                   "in again"));
    }
    auto user = api.store.getUser(claims->user_id);
    if (!user.ok()) {
      return done(user.error().code == base::Errc::kNotFound
                      ? Reply(oauthError(401, "invalid_token",
                                         "The user of this token no longer exists; log in again"))
                      : Reply(user.takeError()));
    }
    return done(tokenFor(api, *user, "refresh_token"));
  }
  if (grant.empty()) {
    return done(oauthError(400, "invalid_request", "Missing grant type: send grant_type=password, "
                           "refresh_token or client_credentials"));
  }
  done(oauthError(400, "unsupported_grant_type",
                  fmt::format("Unsupported grant type: {}; use password, refresh_token or "
                              "client_credentials", grant)));
}

}  // namespace mcf::controller
