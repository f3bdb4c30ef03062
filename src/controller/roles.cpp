// Roles (/v3/roles): who holds which org and space roles, and the invariants Cloud Controller
// keeps between them. Also the helpers tenancy.h declares for users, orgs and spaces.
#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "controller/tenancy.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

json presentUser(const Api& api, const model::User& user) {
  return {{"guid", user.guid},
          {"created_at", base::formatTimestamp(user.created_at)},
          {"updated_at", base::formatTimestamp(user.updated_at)},
          {"username", user.username},
          {"presentable_name", user.username},
          {"origin", user.origin},
          {"metadata", {{"labels", json::object()}, {"annotations", json::object()}}},
          {"links", {{"self", link(api, "/v3/users/" + user.guid)}}}};
}

json presentRole(const Api& api, const model::Role& role) {
  bool space = model::isSpaceRole(role.type);
  json links = {{"self", link(api, "/v3/roles/" + role.guid)},
                {"user", link(api, "/v3/users/" + role.user_guid)}};
  if (space)
    links["space"] = link(api, "/v3/spaces/" + role.space_guid);
  else
    links["organization"] = link(api, "/v3/organizations/" + role.org_guid);
  return {{"guid", role.guid},
          {"created_at", base::formatTimestamp(role.created_at)},
          {"updated_at", base::formatTimestamp(role.updated_at)},
          {"type", model::toString(role.type)},
          {"relationships",
           {{"user", relationship(role.user_guid)},
            {"space", relationship(space ? role.space_guid : "")},
            {"organization", relationship(space ? "" : role.org_guid)}}},
          {"links", links}};
}

void recordTenancyEvent(Api& api, const Call& call, const std::string& type,
                        const std::string& target_type, const std::string& target_guid,
                        const std::string& target_name, const std::string& space_guid,
                        const std::string& org_guid, json data) {
  recordEvent(api, call, type, {target_type, target_guid, target_name}, space_guid,
              data.is_object() ? std::move(data) : json::object(), org_guid);
}

namespace {

bool includes(const ListQuery& q, const char* what) {
  return std::find(q.include.begin(), q.include.end(), what) != q.include.end();
}

void addUnique(std::vector<std::string>& list, const std::string& v) {
  if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

// include=user,space,organization of a role list or a single role.
void addIncluded(Api& api, const ListQuery& q, const std::vector<model::Role>& roles, json& out) {
  std::vector<std::string> users, spaces, orgs;
  for (const auto& r : roles) {
    addUnique(users, r.user_guid);
    if (model::isSpaceRole(r.type))
      addUnique(spaces, r.space_guid);
    else
      addUnique(orgs, r.org_guid);
  }
  json included = json::object();
  if (includes(q, "user")) {
    included["users"] = json::array();
    for (const auto& g : users)
      if (auto u = api.store.getUser(g); u.ok()) included["users"].push_back(presentUser(api, *u));
  }
  if (includes(q, "space")) {
    included["spaces"] = json::array();
    for (const auto& g : spaces)
      if (auto s = api.store.getSpace(g); s.ok()) included["spaces"].push_back(presentSpace(api, *s));
  }
  if (includes(q, "organization")) {
    included["organizations"] = json::array();
    for (const auto& g : orgs)
      if (auto o = api.store.getOrg(g); o.ok())
        included["organizations"].push_back(presentOrg(api, *o));
  }
  if (!included.empty()) out["included"] = included;
}

bool canReadRole(const Api& api, const Call& call, const model::Role& role) {
  return model::isSpaceRole(role.type) ? api.canRead(call, role.space_guid)
                                        : api.canReadOrg(call, role.org_guid);
}

base::Result<model::Role> findRole(Api& api, const Call& call, const std::string& guid) {
  auto role = api.store.getRole(guid);
  if (!role.ok() || !canReadRole(api, call, *role)) {
    if (!role.ok() && role.error().code != Errc::kNotFound) return role.takeError();
    return base::makeError(Errc::kNotFound, "Role not found");
  }
  return role;
}

// relationships.user.data: {"guid": g} or {"username": u, "origin": o} as the cf CLI sends it.
struct UserRef {
  std::string guid, username, origin;
};

UserRef userRef(const json& body) {
  UserRef ref;
  auto rel = body.find("relationships");
  if (rel == body.end() || !rel->is_object()) return ref;
  auto u = rel->find("user");
  if (u == rel->end() || !u->is_object()) return ref;
  auto data = u->find("data");
  if (data == u->end() || !data->is_object()) return ref;
  auto str = [&](const char* k) {
    auto it = data->find(k);
    return it != data->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ref.guid = str("guid");
  ref.username = str("username");
  ref.origin = str("origin");
  return ref;
}

// The user a role is for; the error as Cloud Controller words it for a space or an org role.
base::Result<model::User> roleUser(Api& api, const UserRef& ref, bool space_role) {
  const char* space_msg = "Users cannot be assigned roles in a space if they do not have a role "
                          "in that space's organization.";
  if (!ref.guid.empty()) {
    auto user = api.store.getUser(ref.guid);
    if (user.ok()) return user;
    if (user.error().code != Errc::kNotFound) return user.takeError();
    if (space_role) return base::makeError(Errc::kInvalid, "{}", space_msg);
    return base::makeError(Errc::kInvalid, "Invalid user. Ensure that the user exists and you "
                                           "have access to it.");
  }
  if (ref.username.empty()) {
    return base::makeError(Errc::kInvalid, "Relationships must include a user: "
                                           "relationships.user.data.guid, or "
                                           "relationships.user.data.username (and origin)");
  }
  auto user = api.store.findUserByName(ref.username);
  if (user.ok() && (ref.origin.empty() || ref.origin == user->origin)) return user;
  if (!user.ok() && user.error().code != Errc::kNotFound) return user.takeError();
  if (space_role) return base::makeError(Errc::kInvalid, "{}", space_msg);
  if (!ref.origin.empty()) {
    return base::makeError(Errc::kInvalid, "No user exists with the username '{}' and origin "
                                           "'{}'.", ref.username, ref.origin);
  }
  return base::makeError(Errc::kInvalid, "No user exists with the username '{}'.", ref.username);
}

std::string eventType(model::RoleType type, const char* what) {
  return fmt::format("audit.user.{}_{}", model::toString(type), what);
}

}  // namespace

Reply listRoles(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"},
                          {"guids", "types", "user_guids", "space_guids", "organization_guids",
                           "include"});
  if (!q.ok()) return q.takeError();
  store::RoleFilter filter;
  if (auto f = q->filter("guids")) filter.guids = *f;
  if (auto f = q->filter("types")) filter.types = *f;
  if (auto f = q->filter("user_guids")) filter.user_guids = *f;
  if (auto f = q->filter("space_guids")) filter.space_guids = *f;
  auto roles = api.store.listRoles(filter);
  if (!roles.ok()) return roles.takeError();
  std::vector<model::Role> shown;
  std::vector<json> out;
  for (const auto& role : *roles) {
    // organization_guids names org roles only, as Cloud Controller's filter does.
    if (q->has("organization_guids") &&
        (model::isSpaceRole(role.type) || !q->matches("organization_guids", role.org_guid)))
      continue;
    if (!canReadRole(api, call, role)) continue;
    shown.push_back(role);
    out.push_back(presentRole(api, role));
  }
  json list = paginate(api, "/v3/roles", *q, std::move(out));
  addIncluded(api, *q, shown, list);
  return jsonReply(200, list);
}

Reply getRole(Api& api, const Call& call) {
  auto role = findRole(api, call, call.param("guid"));
  if (!role.ok()) return role.takeError();
  json j = presentRole(api, *role);
  auto q = parseListQuery(call.request.query, {"created_at"}, {"include"});
  if (!q.ok()) return q.takeError();
  addIncluded(api, *q, {*role}, j);
  return jsonReply(200, j);
}

Reply createRole(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  // Top-level fields only: the user may be named by username and origin instead of a guid,
  // which the relationships below read.
  std::string unknown;
  for (const auto& [key, value] : body->items())
    if (key != "type" && key != "relationships") unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  if (!unknown.empty()) return base::makeError(Errc::kInvalid, "Unknown field(s): {}", unknown);
  auto type_name = optString(*body, "type", "Type");
  if (!type_name.ok()) return type_name.takeError();
  if (!*type_name) return base::makeError(Errc::kInvalid, "Type can't be blank");
  auto type = model::roleTypeFrom(**type_name);
  if (!type) {
    return base::makeError(Errc::kInvalid, "Type must be one of the allowed types: "
                                           "organization_user, organization_auditor, "
                                           "organization_manager, organization_billing_manager, "
                                           "space_auditor, space_developer, space_manager, "
                                           "space_supporter");
  }
  std::string space_guid = relationshipGuid(*body, "space");
  std::string org_guid = relationshipGuid(*body, "organization");
  bool space_role = model::isSpaceRole(*type);
  if (!space_guid.empty() && !org_guid.empty()) {
    return base::makeError(Errc::kInvalid,
                           "Relationships cannot contain both an organization and a space.");
  }
  if (space_role && space_guid.empty())
    return base::makeError(Errc::kInvalid, "Relationships must contain a space for a space role.");
  if (!space_role && org_guid.empty()) {
    return base::makeError(Errc::kInvalid,
                           "Relationships must contain an organization for an organization role.");
  }
  model::Role role;
  role.type = *type;
  std::string where;  // "space 'dev'" / "organization 'o'" for the duplicate message
  if (space_role) {
    auto space = api.space(call, space_guid, Action::kManageSpace);  // §8: OrgMgr, SpaceMgr
    if (!space.ok()) {
      if (space.error().code != Errc::kNotFound) return space.takeError();
      return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and "
                                             "you have access to it.");
    }
    role.space_guid = space->guid;
    role.org_guid = space->org_guid;
    where = fmt::format("space '{}'", space->name);
  } else {
    auto org = api.store.getOrg(org_guid);
    base::Status allowed = org.ok() ? api.authorizeOrg(call, Action::kManageOrg, org->guid,
                                                       "Organization")  // §8: OrgMgr
                                    : base::Status();
    if (!org.ok() || (!allowed.ok() && allowed.error().code == Errc::kNotFound)) {
      if (!org.ok() && org.error().code != Errc::kNotFound) return org.takeError();
      return base::makeError(Errc::kInvalid, "Invalid organization. Ensure that the organization "
                                             "exists and you have access to it.");
    }
    MCF_TRY(std::move(allowed));
    role.org_guid = org->guid;
    where = fmt::format("organization '{}'", org->name);
  }
  auto user = roleUser(api, userRef(*body), space_role);
  if (!user.ok()) return user.takeError();
  role.user_guid = user->guid;
  store::RoleFilter mine;
  mine.user_guids = {user->guid};
  mine.org_guids = {role.org_guid};
  auto held = api.store.listRoles(mine);
  if (!held.ok()) return held.takeError();
  if (space_role) {
    bool in_org = std::any_of(held->begin(), held->end(),
                              [](const model::Role& r) { return !model::isSpaceRole(r.type); });
    if (!in_org) {
      return base::makeError(Errc::kInvalid, "Users cannot be assigned roles in a space if they "
                                             "do not have a role in that space's organization.");
    }
  }
  for (const auto& r : *held) {
    if (r.type == role.type && r.space_guid == role.space_guid) {
      return base::makeError(Errc::kInvalid, "User '{}' already has '{}' role in {}.",
                             user->username, model::toString(role.type), where);
    }
  }
  auto created = api.store.createRole(role);
  if (!created.ok()) {
    if (created.error().code == Errc::kConflict) {
      return base::makeError(Errc::kInvalid, "User '{}' already has '{}' role in {}.",
                             user->username, model::toString(role.type), where);
    }
    return created.takeError();
  }
  recordTenancyEvent(api, call, eventType(created->type, "add"), "user", user->guid,
                     user->username, created->space_guid, created->org_guid,
                     {{"request", *body}});
  return jsonReply(201, presentRole(api, *created));
}

Reply deleteRole(Api& api, const Call& call) {
  auto role = findRole(api, call, call.param("guid"));
  if (!role.ok()) return role.takeError();
  if (model::isSpaceRole(role->type)) {
    MCF_TRY(api.authorize(call, Action::kManageSpace, role->space_guid, "Role"));  // §8: OrgMgr, SpaceMgr
  } else {
    MCF_TRY(api.authorizeOrg(call, Action::kManageOrg, role->org_guid, "Role"));  // §8: OrgMgr
    if (role->type == model::RoleType::kOrganizationUser) {
      store::RoleFilter in_spaces;
      in_spaces.user_guids = {role->user_guid};
      in_spaces.org_guids = {role->org_guid};
      auto held = api.store.listRoles(in_spaces);
      if (!held.ok()) return held.takeError();
      if (std::any_of(held->begin(), held->end(),
                      [](const model::Role& r) { return model::isSpaceRole(r.type); })) {
        return base::makeError(Errc::kInvalid, "Cannot delete organization_user role while user "
                                               "has roles in spaces in that organization.");
      }
    }
  }
  auto user = api.store.getUser(role->user_guid);
  MCF_TRY(api.store.deleteRole(role->guid));
  recordTenancyEvent(api, call, eventType(role->type, "remove"), "user", role->user_guid,
                     user.ok() ? user->username : "", role->space_guid, role->org_guid);
  return accepted(api, api.jobs.add("role.delete", "/v3/roles/" + role->guid, api.nowSeconds()));
}

}  // namespace mcf::controller
