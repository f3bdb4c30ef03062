// The UAA's SCIM user endpoints that `cf create-user` and `cf delete-user` call, on the API's
// own host (GET / names it as the UAA): POST /Users, GET /Users?filter=..., DELETE /Users/:id.
// Answers and errors in the UAA's shapes, not Cloud Controller's.
#include <algorithm>
#include <cctype>
#include <memory>

#include "auth/password.h"
#include "base/clock.h"
#include "base/strutil.h"
#include "controller/handlers.h"
#include "controller/tenancy.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

http::Response uaaError(int status, const std::string& error, const std::string& message) {
  return jsonReply(status, {{"error", error}, {"error_description", message}, {"message", message}});
}

// Only admins and clients with scim.write may manage users, as in the UAA.
std::optional<http::Response> needScimWrite(const Call& call) {
  if (call.claims && (hasScope(*call.claims, "cloud_controller.admin") ||
                      hasScope(*call.claims, "scim.write") || hasScope(*call.claims, "uaa.admin")))
    return std::nullopt;
  json j = {{"error", "insufficient_scope"},
            {"error_description", "Insufficient scope for this resource"},
            {"scope", "uaa.admin scim.write scim.create zones.uaa.admin"}};
  return jsonReply(403, j);
}

json scimUser(const model::User& user) {
  json emails = json::array();
  emails.push_back({{"value", user.email.empty() ? user.username : user.email}, {"primary", false}});
  return {{"id", user.guid},
          {"externalId", ""},
          {"meta",
           {{"version", 0},
            {"created", base::formatTimestamp(user.created_at)},
            {"lastModified", base::formatTimestamp(user.updated_at)}}},
          {"userName", user.username},
          {"name", json::object()},
          {"emails", emails},
          {"groups", json::array()},
          {"approvals", json::array()},
          {"active", true},
          {"verified", true},
          {"origin", user.origin},
          {"zoneId", "uaa"},
          {"schemas", {"urn:scim:schemas:core:1.0"}}};
}

// One term of a SCIM filter: attr eq "value".
struct Term {
  std::string attr, value;
};

// Parses `userName eq "x" and origin eq "y"` (keywords and attribute names case-insensitive;
// eq only). nullopt for anything else.
std::optional<std::vector<Term>> parseFilter(const std::string& text) {
  std::vector<Term> terms;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto word = [&] {
    skip();
    size_t start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
      ++i;
    return base::toLower(text.substr(start, i - start));
  };
  while (true) {
    Term t;
    t.attr = word();
    if (t.attr.empty() || word() != "eq") return std::nullopt;
    skip();
    if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) return std::nullopt;
    char quote = text[i++];
    size_t end = text.find(quote, i);
    if (end == std::string::npos) return std::nullopt;
    t.value = text.substr(i, end - i);
    i = end + 1;
    terms.push_back(std::move(t));
    skip();
    if (i == text.size()) return terms;
    if (word() != "and") return std::nullopt;
  }
}

bool matches(const model::User& user, const std::vector<Term>& terms) {
  for (const auto& t : terms) {
    std::string v = base::toLower(t.value);
    if (t.attr == "username" && base::toLower(user.username) != v) return false;
    if (t.attr == "origin" && base::toLower(user.origin) != v) return false;
    if (t.attr == "id" && user.guid != t.value) return false;
  }
  return true;
}

std::string firstString(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

void createUaaUser(Api& api, Call&& call, Done done) {
  if (auto denied = needScimWrite(call)) return done(*denied);
  json body = json::parse(call.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return done(uaaError(400, "invalid_scim_resource", "The request body is not a JSON object"));
  model::User user;
  user.username = firstString(body, "userName");
  std::string password = firstString(body, "password");
  std::string origin = firstString(body, "origin");
  if (!origin.empty()) user.origin = origin;
  if (auto emails = body.find("emails"); emails != body.end() && emails->is_array() &&
                                         !emails->empty() && (*emails)[0].is_object())
    user.email = firstString((*emails)[0], "value");
  if (user.username.empty())
    return done(uaaError(400, "invalid_scim_resource", "A username must be provided."));
  if (user.username.size() > 255 ||
      std::any_of(user.username.begin(), user.username.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return done(uaaError(400, "invalid_scim_resource",
                         "Username must be at most 255 characters, without control characters."));
  if (user.origin == "uaa" && password.empty())
    return done(uaaError(400, "invalid_password", "Password must be provided for users of origin "
                                                  "uaa."));
  if (user.email.empty()) user.email = user.username;
  if (auto existing = api.store.findUserByName(user.username); existing.ok()) {
    json j = {{"error", "scim_resource_already_exists"},
              {"error_description", "Username already in use: " + existing->username},
              {"message", "Username already in use: " + existing->username},
              {"user_id", existing->guid},
              {"verified", true},
              {"active", true}};
    return done(jsonReply(409, j));
  }
  // PBKDF2 takes tens of milliseconds: off the loop, then back to store the user.
  auto hash = std::make_shared<std::string>();
  std::weak_ptr<int> alive = api.alive;
  Api* self = &api;
  auto claims = call.claims;
  loop::queueWork(
      api.loop, [hash, password] { *hash = password.empty() ? "" : auth::hashPassword(password); },
      [hash, alive, self, user, claims, done] {
        if (alive.expired())
          return done(base::makeError(Errc::kUnavailable, "shutting down"));
        model::User u = user;
        u.password_hash = *hash;
        auto created = self->store.createUser(u);
        if (!created.ok()) {
          if (created.error().code == Errc::kConflict) {
            return done(uaaError(409, "scim_resource_already_exists",
                                 "Username already in use: " + u.username));
          }
          return done(created.takeError());
        }
        Call who;
        who.claims = claims;
        recordTenancyEvent(*self, who, "audit.user.create", "user", created->guid,
                           created->username, "", "");
        done(jsonReply(201, scimUser(*created)));
      });
}

Reply listUaaUsers(Api& api, const Call& call) {
  if (auto denied = needScimWrite(call)) return *denied;
  std::vector<Term> terms;
  if (const std::string* filter = call.queryValue("filter"); filter && !filter->empty()) {
    auto parsed = parseFilter(*filter);
    if (!parsed) {
      return uaaError(400, "invalid_filter", "Invalid filter expression: [" + *filter +
                                                 "]; microcf understands attr eq \"value\" "
                                                 "joined by and, for userName, origin and id");
    }
    terms = std::move(*parsed);
  }
  auto users = api.store.listUsers();
  if (!users.ok()) return users.takeError();
  json resources = json::array();
  for (const auto& u : *users)
    if (matches(u, terms)) resources.push_back(scimUser(u));
  size_t n = resources.size();
  return jsonReply(200, {{"resources", resources},
                         {"startIndex", 1},
                         {"itemsPerPage", std::max<size_t>(n, 100)},
                         {"totalResults", n},
                         {"schemas", {"urn:scim:schemas:core:1.0"}}});
}

Reply deleteUaaUser(Api& api, const Call& call) {
  if (auto denied = needScimWrite(call)) return *denied;
  const std::string& id = call.param("id");
  auto user = api.store.getUser(id);
  if (!user.ok()) {
    if (user.error().code != Errc::kNotFound) return user.takeError();
    // Deleted through /v3/users a moment ago (cf delete-user calls both): done already.
    if (auto gone = api.deleted_users.find(id); gone != api.deleted_users.end()) {
      http::Response r = jsonReply(200, scimUser(gone->second));
      api.deleted_users.erase(gone);
      return r;
    }
    return uaaError(404, "scim_resource_not_found", "User " + id + " does not exist");
  }
  if (call.claims && call.claims->user_id == user->guid)
    return uaaError(400, "invalid_request", "You cannot delete yourself; log in as another admin");
  MCF_TRY(api.store.deleteUser(user->guid));  // and the user's roles
  recordTenancyEvent(api, call, "audit.user.delete-request", "user", user->guid, user->username,
                     "", "");
  return jsonReply(200, scimUser(*user));
}

}  // namespace mcf::controller
