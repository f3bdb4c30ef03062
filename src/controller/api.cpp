// The helpers every handler shares: authorization, lookups, request bodies, replies.
#include "controller/api.h"

#include <algorithm>

#include "base/log.h"
#include "base/strutil.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

const std::string& Call::param(const std::string& name) const {
  static const std::string kNone;
  auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

const std::string* Call::queryValue(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return &v;
  return nullptr;
}

Api::Api(loop::Loop& loop_, ControllerConfig config_, store::Store& store_,
         blobstore::Blobstore& blobs_, blobstore::ResourcePool& pool_,
         auth::TokenService& tokens_, logs::LogStore& logs_, Stager& stager_, Runtime& runtime_,
         Routing& routing_, Stacks& stacks_, const base::Clock& clock_)
    : loop(loop_), config(std::move(config_)), store(store_), blobs(blobs_), pool(pool_),
      tokens(tokens_), logs(logs_), stager(stager_), runtime(runtime_), routing(routing_),
      stacks(stacks_), clock(clock_), started_ns(clock_.nowNs()) {}

std::string jobOwner(const Call& call) {
  if (!call.claims) return "";
  if (!call.claims->user_id.empty()) return call.claims->user_id;
  return "client:" + call.claims->client_id;
}

bool hasScope(const auth::Claims& c, std::string_view scope) {
  return std::find(c.scopes.begin(), c.scopes.end(), scope) != c.scopes.end();
}

namespace {

constexpr char kNotAuthorized[] = "You are not authorized to perform the requested action";

base::Status verdict(auth::Decision d, const char* what) {
  switch (d) {
    case auth::Decision::kAllow: return {};
    case auth::Decision::kForbidden: return base::makeError(Errc::kForbidden, kNotAuthorized);
    case auth::Decision::kNotFound: break;
  }
  return base::makeError(Errc::kNotFound, "{} not found", what);
}

// The caller's roles that apply to an object: org roles in org_guid, and space roles in
// space_guid; for an org itself (space_guid "") every role in the org, space roles included,
// since a space role makes its org visible.
std::vector<model::RoleType> rolesAt(const std::vector<model::Role>& roles,
                                     const std::string& org_guid, const std::string& space_guid) {
  std::vector<model::RoleType> out;
  for (const model::Role& r : roles) {
    bool applies = model::isSpaceRole(r.type)
                       ? (space_guid.empty() ? !org_guid.empty() && r.org_guid == org_guid
                                             : r.space_guid == space_guid)
                       : !org_guid.empty() && r.org_guid == org_guid;
    if (applies) out.push_back(r.type);
  }
  return out;
}

}  // namespace

auth::Powers Api::powers(const Call& call) const {
  auth::Powers p;
  if (!call.claims) return p;
  p.admin = hasScope(*call.claims, "cloud_controller.admin");
  p.admin_read_only = hasScope(*call.claims, "cloud_controller.admin_read_only");
  p.global_auditor = hasScope(*call.claims, "cloud_controller.global_auditor");
  return p;
}

const std::vector<model::Role>& Api::callerRoles(const Call& call) const {
  if (call.roles) return *call.roles;
  call.roles.emplace();
  // A client's token (no user) has its scopes and no roles.
  if (!call.claims || call.claims->user_id.empty()) return *call.roles;
  store::RoleFilter filter;
  filter.user_guids = {call.claims->user_id};
  auto roles = store.listRoles(filter);
  if (roles.ok()) {
    *call.roles = std::move(*roles);
  } else {
    // Fail closed: without its roles the caller is treated as having none.
    MCF_WARN("controller", "cannot read the roles of user {}: {}", call.claims->user_id,
             roles.error().message);
  }
  return *call.roles;
}

// The org of a space, from the caller's roles when they name it, else from the store; "" for
// a space that does not exist.
static std::string orgOfSpace(const Api& api, const Call& call, const std::string& space_guid) {
  if (space_guid.empty()) return "";
  if (auto it = call.space_orgs.find(space_guid); it != call.space_orgs.end()) return it->second;
  std::string org;
  for (const model::Role& r : api.callerRoles(call))
    if (r.space_guid == space_guid) org = r.org_guid;
  if (org.empty()) {
    auto space = api.store.getSpace(space_guid);
    if (space.ok()) org = space->org_guid;
  }
  call.space_orgs[space_guid] = org;
  return org;
}

base::Status Api::authorize(const Call& call, Action action, const std::string& space_guid,
                            const char* what) const {
  if (!call.claims) return base::makeError(Errc::kUnauthenticated, "Authentication error");
  auth::Powers p = powers(call);
  if (p.admin) return {};
  switch (auth::scopeOf(action)) {
    case auth::Scope::kGlobal: return verdict(auth::decide(p, {}, action), what);
    case auth::Scope::kOrg:
      return authorizeOrg(call, action, orgOfSpace(*this, call, space_guid), what);
    case auth::Scope::kSpace: break;
  }
  // Global readers need no roles: skip reading them when the scopes alone allow.
  if (auth::decide(p, {}, action) == auth::Decision::kAllow) return {};
  std::string org = orgOfSpace(*this, call, space_guid);
  return verdict(auth::decide(p, rolesAt(callerRoles(call), org, space_guid), action), what);
}

base::Status Api::authorizeOrg(const Call& call, Action action, const std::string& org_guid,
                               const char* what) const {
  if (!call.claims) return base::makeError(Errc::kUnauthenticated, "Authentication error");
  auth::Powers p = powers(call);
  if (p.admin) return {};
  if (auth::decide(p, {}, action) == auth::Decision::kAllow) return {};
  return verdict(auth::decide(p, rolesAt(callerRoles(call), org_guid, ""), action), what);
}

bool Api::canRead(const Call& call, const std::string& space_guid) const {
  return authorize(call, Action::kRead, space_guid, "Object").ok();
}

bool Api::canReadOrg(const Call& call, const std::string& org_guid) const {
  return authorizeOrg(call, Action::kReadOrg, org_guid, "Organization").ok();
}

Visible Api::visibleSpaces(const Call& call) const {
  Visible v;
  auth::Powers p = powers(call);
  if (auth::canSee(p, {}, auth::Scope::kSpace)) {
    v.all = true;
    return v;
  }
  std::set<std::string> managed_orgs;
  for (const model::Role& r : callerRoles(call)) {
    if (model::isSpaceRole(r.type)) v.guids.insert(r.space_guid);
    if (r.type == model::RoleType::kOrganizationManager) managed_orgs.insert(r.org_guid);
  }
  if (!managed_orgs.empty()) {
    auto spaces = store.listSpaces();
    if (spaces.ok()) {
      for (const model::Space& s : *spaces)
        if (managed_orgs.count(s.org_guid)) v.guids.insert(s.guid);
    }
  }
  return v;
}

Visible Api::visibleOrgs(const Call& call) const {
  Visible v;
  if (auth::canSee(powers(call), {}, auth::Scope::kOrg)) {
    v.all = true;
    return v;
  }
  for (const model::Role& r : callerRoles(call)) v.guids.insert(r.org_guid);
  return v;
}

base::Result<model::App> Api::app(const Call& call, const std::string& guid, Action action) {
  auto app = store.getApp(guid);
  if (!app.ok()) {
    if (app.error().code == Errc::kNotFound)
      return base::makeError(Errc::kNotFound, "App not found");
    return app.takeError();
  }
  MCF_TRY(authorize(call, action, app->space_guid, "App"));
  return app;
}

base::Result<model::Space> Api::space(const Call& call, const std::string& guid, Action action) {
  auto space = store.getSpace(guid);
  if (!space.ok()) {
    if (space.error().code == Errc::kNotFound)
      return base::makeError(Errc::kNotFound, "Space not found");
    return space.takeError();
  }
  MCF_TRY(authorize(call, action, space->guid, "Space"));
  return space;
}

base::Result<model::Process> Api::process(const Call& call, const std::string& guid,
                                          Action action, model::App* app_out) {
  auto process = store.getProcess(guid);
  if (!process.ok()) {
    if (process.error().code == Errc::kNotFound)
      return base::makeError(Errc::kNotFound, "Process not found");
    return process.takeError();
  }
  auto owner = store.getApp(process->app_guid);
  if (!owner.ok()) return base::makeError(Errc::kNotFound, "Process not found");
  MCF_TRY(authorize(call, action, owner->space_guid, "Process"));
  if (app_out) *app_out = std::move(*owner);
  return process;
}

base::Result<json> parseBody(const http::Request& request) {
  if (base::trim(request.body).empty()) return json::object();
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return base::makeError(Errc::kParse, "Request invalid due to parse error: the body is not "
                                         "valid JSON");
  }
  if (!body.is_object()) {
    return base::makeError(Errc::kParse, "Request invalid due to parse error: the body must be "
                                         "a JSON object");
  }
  return body;
}

base::Result<std::optional<std::string>> optString(const json& body, const char* key,
                                                   const char* label) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return base::makeError(Errc::kInvalid, "{} must be a string", label);
  return std::optional<std::string>(it->get<std::string>());
}

base::Result<std::optional<int64_t>> optInt(const json& body, const char* key, const char* label) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer())
    return base::makeError(Errc::kInvalid, "{} must be an integer", label);
  return std::optional<int64_t>(it->get<int64_t>());
}

std::string relationshipGuid(const json& body, const char* name) {
  auto rel = body.find("relationships");
  if (rel == body.end() || !rel->is_object()) return "";
  auto r = rel->find(name);
  if (r == rel->end() || !r->is_object()) return "";
  auto data = r->find("data");
  if (data == r->end() || !data->is_object()) return "";
  auto guid = data->find("guid");
  return guid != data->end() && guid->is_string() ? guid->get<std::string>() : "";
}

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response jsonReply(int status, const json& j) {
  return http::Response::json(status, dumpJson(j));
}

http::Response accepted(const Api& api, const std::string& job_guid) {
  http::Response r;
  r.status = 202;
  r.set("Location", api.url("/v3/jobs/" + job_guid));
  return r;
}

http::Response noContent() {
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace mcf::controller
