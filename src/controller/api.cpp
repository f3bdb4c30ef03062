// The helpers every handler shares: authorization, lookups, request bodies, replies.
#include "controller/api.h"

#include <algorithm>

#include "base/log.h"
#include "base/strutil.h"
#include "http/url.h"
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
      stacks(stacks_), clock(clock_), started_ns(clock_.nowNs()) {
  service_ops = std::make_unique<ServiceOperations>(*this);
}

std::string jobOwner(const Call& call) {
  if (!call.claims) return "";
  if (call.claims->client) return "client:" + call.claims->client_id;
  return call.claims->user_id;
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
  if (!call.claims || call.claims->client || call.claims->user_id.empty()) return *call.roles;
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
      // An org-wide action on a space the caller cannot see is a 404, as for its GET.
      if (!space_guid.empty() && !canRead(call, space_guid))
        return base::makeError(Errc::kNotFound, "{} not found", what);
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

namespace {

std::string quotedList(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "'" : ", '") + k + "'";
  return out;
}

bool among(std::string_view key, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

}  // namespace

base::Status checkFields(const json& body, std::initializer_list<std::string_view> known,
                         std::initializer_list<std::string_view> relationships) {
  if (!body.is_object()) return base::makeError(Errc::kInvalid, "The body must be an object");
  std::vector<std::string> unknown;
  for (const auto& [key, value] : body.items())
    if (!among(key, known)) unknown.push_back(key);
  if (!unknown.empty())
    return base::makeError(Errc::kInvalid, "Unknown field(s): {}", quotedList(unknown));
  if (auto m = body.find("metadata"); m != body.end() && !m->is_null()) {
    if (!m->is_object()) return base::makeError(Errc::kInvalid, "Metadata must be an object");
    for (const auto& [key, value] : m->items())
      if (key != "labels" && key != "annotations") unknown.push_back(key);
    if (!unknown.empty()) {
      return base::makeError(Errc::kInvalid, "Metadata has unknown field(s): {}",
                             quotedList(unknown));
    }
  }
  auto rel = body.find("relationships");
  if (rel == body.end() || rel->is_null()) return {};
  if (!rel->is_object()) {
    return base::makeError(Errc::kInvalid, "Relationships must be an object, e.g. "
                                           "{{\"space\": {{\"data\": {{\"guid\": \"...\"}}}}}}");
  }
  for (const auto& [key, value] : rel->items())
    if (!among(key, relationships)) unknown.push_back(key);
  if (!unknown.empty()) {
    return base::makeError(Errc::kInvalid, "Relationships has unknown field(s): {}",
                           quotedList(unknown));
  }
  for (const auto& [key, value] : rel->items()) {
    auto guid_object = [](const json& d) {
      return d.is_object() && d.contains("guid") && d["guid"].is_string();
    };
    bool ok = value.is_object() && value.contains("data");
    if (ok) {
      const json& d = value["data"];
      // {"data": [{"guid"}, ...]} for to-many relationships (shared_organizations).
      ok = d.is_null() || guid_object(d) ||
           (d.is_array() && std::all_of(d.begin(), d.end(), guid_object));
    }
    if (!ok) {
      return base::makeError(Errc::kInvalid, "Relationships {} must be an object of the form "
                                             "{{\"data\": {{\"guid\": \"...\"}}}}", key);
    }
  }
  return {};
}

base::Status checkName(std::string_view name, const char* label, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    // C0 controls and DEL; C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8.
    bool c1 = c == 0xC2 && i + 1 < name.size() &&
              static_cast<unsigned char>(name[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(name[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      return base::makeError(Errc::kInvalid, "{} must not contain control characters (such as "
                                             "newlines or tabs)", label);
    }
  }
  if (chars > max)
    return base::makeError(Errc::kInvalid, "{} is too long (maximum is {} characters)", label, max);
  return {};
}

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response jsonReply(int status, const json& j) {
  return http::Response::json(status, dumpJson(j));
}

base::Status uniqueAsInvalid(base::Status st) {
  if (!st.ok() && st.error().code == base::Errc::kConflict)
    return base::makeError(base::Errc::kInvalid, "{}", st.error().message);
  return st;
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

std::string baseUrlFor(const ControllerConfig& config, const http::Request& request) {
  const std::string* header = request.header("Host");
  auto own = http::parseUrl(config.api_url);
  if (!header || !own.ok()) return config.api_url;
  std::string value = base::trim(*header);
  for (char& c : value) c = base::asciiLower(c);
  std::string name = value;
  int port = 0;
  if (size_t colon = value.rfind(':'); colon != std::string::npos) {
    name = value.substr(0, colon);
    std::string digits = value.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return config.api_url;
    port = std::stoi(digits);
  }
  const std::string* proto = request.header("X-Forwarded-Proto");
  bool tls = proto && base::iequals(base::trim(*proto), "https");
  if (port == 0) port = tls ? 443 : 80;
  int listener = tls ? config.tls_port : own->port;
  if (listener <= 0 || port != listener) return config.api_url;
  bool known = false;
  for (const std::string& n : {"api." + config.domain, config.domain, std::string("localhost"),
                               std::string("127.0.0.1"), own->host}) {
    if (name == n) known = true;
  }
  if (!known) return config.api_url;
  std::string scheme = tls ? "https" : "http";
  bool default_port = port == (tls ? 443 : 80);
  return default_port ? fmt::format("{}://{}", scheme, name)
                      : fmt::format("{}://{}:{}", scheme, name, port);
}

void rebaseLinks(const ControllerConfig& config, const std::string& base, http::Response& r) {
  if (base == config.api_url) return;
  for (auto& [k, v] : r.headers) {
    if (base::iequals(k, "Location") && v.starts_with(config.api_url) &&
        (v.size() == config.api_url.size() || v[config.api_url.size()] == '/'))
      v = base + v.substr(config.api_url.size());
  }
  // In dumped JSON a quote inside a string is escaped, so "href":"<api_url> only matches a
  // link's own key and value, never user data that happens to contain the URL.
  const std::string from = "\"href\":\"" + config.api_url;
  const std::string to = "\"href\":\"" + base;
  if (r.body.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(r.body.size());
  size_t at = 0;
  for (size_t hit; (hit = r.body.find(from, at)) != std::string::npos; at = hit + from.size()) {
    size_t after = hit + from.size();
    bool whole = after < r.body.size() && (r.body[after] == '"' || r.body[after] == '/' ||
                                           r.body[after] == '?');
    out.append(r.body, at, hit - at);
    out.append(whole ? to : from);
  }
  out.append(r.body, at, std::string::npos);
  r.body = std::move(out);
}

}  // namespace mcf::controller
