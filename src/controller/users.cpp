// Users (/v3/users): the users Cloud Controller knows. In microcf a user lives in one table
// that plays both UAA's part (uaa_users.cpp) and Cloud Controller's.
#include <algorithm>

#include "base/strutil.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/tenancy.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// Cloud Controller shows a user the users that share an org with them (and themselves);
// admins and global readers see everyone.
bool canSeeUser(Api& api, const Call& call, const Visible& orgs, const model::User& user) {
  if (orgs.all || (call.claims && call.claims->user_id == user.guid)) return true;
  store::RoleFilter theirs;
  theirs.user_guids = {user.guid};
  auto roles = api.store.listRoles(theirs);
  if (!roles.ok()) return false;
  return std::any_of(roles->begin(), roles->end(),
                     [&](const model::Role& r) { return orgs.has(r.org_guid); });
}

base::Result<model::User> findUser(Api& api, const Call& call, const std::string& guid) {
  auto user = api.store.getUser(guid);
  if (!user.ok() && user.error().code != Errc::kNotFound) return user.takeError();
  if (!user.ok() || !canSeeUser(api, call, api.visibleOrgs(call), *user))
    return base::makeError(Errc::kNotFound, "User not found");
  return user;
}

}  // namespace

Reply listUsers(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"},
                          {"guids", "usernames", "origins", "partial_usernames"});
  if (!q.ok()) return q.takeError();
  if (q->has("origins") && !q->has("usernames") && !q->has("partial_usernames")) {
    return base::makeError(Errc::kBadQuery, "The query parameter is invalid: Origins filter "
                                            "cannot be provided without usernames or "
                                            "partial_usernames filter.");
  }
  auto users = api.store.listUsers();
  if (!users.ok()) return users.takeError();
  std::vector<json> out;
  const auto* partial = q->filter("partial_usernames");
  Visible orgs = api.visibleOrgs(call);
  for (const auto& user : *users) {
    if (!q->matches("guids", user.guid) || !q->matches("origins", user.origin)) continue;
    if (q->has("usernames")) {
      const auto& names = *q->filter("usernames");
      if (std::none_of(names.begin(), names.end(), [&](const std::string& n) {
            return base::toLower(n) == base::toLower(user.username);
          }))
        continue;
    }
    if (partial && std::none_of(partial->begin(), partial->end(), [&](const std::string& p) {
          return base::toLower(user.username).find(base::toLower(p)) != std::string::npos;
        }))
      continue;
    if (!canSeeUser(api, call, orgs, user)) continue;
    out.push_back(presentUser(api, user));
  }
  return jsonReply(200, paginate(api, "/v3/users", *q, std::move(out)));
}

Reply getUser(Api& api, const Call& call) {
  auto user = findUser(api, call, call.param("guid"));
  if (!user.ok()) return user.takeError();
  return jsonReply(200, presentUser(api, *user));
}

// Cloud Controller records a user UAA already has; here the UAA's table is the same one, so
// the user must exist already (POST /Users made it).
Reply createUser(Api& api, const Call& call) {
  MCF_TRY(api.authorize(call, Action::kWriteGlobal, "", "User"));  // §8: admin
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"guid", "metadata"}));
  auto guid = optString(*body, "guid", "Guid");
  if (!guid.ok()) return guid.takeError();
  if (!*guid || (*guid)->empty()) {
    return base::makeError(Errc::kInvalid, "Guid can't be blank; microcf makes users with the "
                                           "UAA's POST /Users (microcf create-user)");
  }
  auto user = api.store.getUser(**guid);
  if (!user.ok()) {
    if (user.error().code != Errc::kNotFound) return user.takeError();
    return base::makeError(Errc::kInvalid, "User with guid '{}' does not exist; create users "
                                           "with microcf create-user (the UAA's POST /Users) "
                                           "first.", **guid);
  }
  return jsonReply(201, presentUser(api, *user));
}

Reply deleteUser(Api& api, const Call& call) {
  auto user = findUser(api, call, call.param("guid"));
  if (!user.ok()) return user.takeError();
  MCF_TRY(api.authorize(call, Action::kWriteGlobal, "", "User"));  // §8: admin
  if (call.claims && call.claims->user_id == user->guid)
    return base::makeError(Errc::kInvalid, "You cannot delete yourself; log in as another admin");
  MCF_TRY(api.store.deleteUser(user->guid));  // and the user's roles
  if (api.deleted_users.size() >= 100) api.deleted_users.clear();
  api.deleted_users[user->guid] = *user;
  recordTenancyEvent(api, call, "audit.user.delete-request", "user", user->guid, user->username,
                     "", "");
  return accepted(api, api.jobs.add("user.delete", "/v3/users/" + user->guid, api.nowSeconds()));
}

}  // namespace mcf::controller
