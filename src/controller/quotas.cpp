// Organization and space quotas: the /v3/organization_quotas and /v3/space_quotas endpoints,
// and the checks that keep started apps, tasks, routes and service instances within them.
#include "controller/quotas.h"

#include <algorithm>
#include <map>
#include <set>

#include "controller/api.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "model/quota.h"
#include "model/task.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;
using model::QuotaKind;

namespace {

// ---- Presentation

json limit(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

json guidList(const std::vector<std::string>& guids) {
  json data = json::array();
  for (const auto& g : guids) data.push_back({{"guid", g}});
  return data;
}

json presentLimits(const model::Quota& q, bool org) {
  const auto& l = q.limits;
  json j = {
      {"apps",
       {{"total_memory_in_mb", limit(l.total_memory_in_mb)},
        {"per_process_memory_in_mb", limit(l.per_process_memory_in_mb)},
        {"total_instances", limit(l.total_instances)},
        {"per_app_tasks", limit(l.per_app_tasks)},
        {"log_rate_limit_in_bytes_per_second", limit(l.log_rate_limit_in_bytes_per_second)}}},
      {"services",
       {{"paid_services_allowed", l.paid_services_allowed},
        {"total_service_instances", limit(l.total_service_instances)},
        {"total_service_keys", limit(l.total_service_keys)}}},
      {"routes",
       {{"total_routes", limit(l.total_routes)},
        {"total_reserved_ports", limit(l.total_reserved_ports)}}}};
  if (org) j["domains"] = {{"total_domains", limit(l.total_domains)}};
  return j;
}

json presentQuota(const Api& api, const model::Quota& q, QuotaKind kind) {
  bool org = kind == QuotaKind::kOrg;
  std::string self = (org ? "/v3/organization_quotas/" : "/v3/space_quotas/") + q.guid;
  json j = {{"guid", q.guid},
            {"created_at", base::formatTimestamp(q.created_at)},
            {"updated_at", base::formatTimestamp(q.updated_at)},
            {"name", q.name}};
  j.update(presentLimits(q, org));
  if (org) {
    j["relationships"] = {{"organizations", {{"data", guidList(q.applied_to)}}}};
    j["links"] = {{"self", link(api, self)}};
  } else {
    j["relationships"] = {{"organization", relationship(q.org_guid)},
                          {"spaces", {{"data", guidList(q.applied_to)}}}};
    j["links"] = {{"self", link(api, self)},
                  {"organization", link(api, "/v3/organizations/" + q.org_guid)}};
  }
  return j;
}

const char* what(QuotaKind kind) {
  return kind == QuotaKind::kOrg ? "Organization quota" : "Space quota";
}

// ---- Request bodies

// body.<group>.<key>: absent leaves the limit alone, null makes it unlimited, otherwise a
// whole number from 0 up.
base::Status readLimit(const json& group, const char* group_name, const char* key,
                       std::optional<int64_t>& out) {
  auto it = group.find(key);
  if (it == group.end()) return {};
  if (it->is_null()) {
    out.reset();
    return {};
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > INT32_MAX) {
    return base::makeError(Errc::kInvalid, "{} {} must be null (unlimited) or a whole number "
                                           "from 0 to 2147483647",
                           group_name, key);
  }
  out = it->get<int64_t>();
  return {};
}

base::Result<const json*> readGroup(const json& body, const char* name,
                                    std::initializer_list<const char*> keys) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  if (!it->is_object()) return base::makeError(Errc::kInvalid, "{} must be an object", name);
  std::string unknown;
  for (const auto& [k, v] : it->items()) {
    (void)v;
    if (std::find_if(keys.begin(), keys.end(), [&](const char* x) { return k == x; }) ==
        keys.end())
      unknown += (unknown.empty() ? "'" : ", '") + k + "'";
  }
  if (!unknown.empty())
    return base::makeError(Errc::kInvalid, "Unknown field(s) in {}: {}", name, unknown);
  return &*it;
}

base::Status readBody(const json& body, model::Quota& q, QuotaKind kind, bool creating) {
  if (auto name = body.find("name"); name != body.end()) {
    if (!name->is_string()) return base::makeError(Errc::kInvalid, "Name must be a string");
    q.name = name->get<std::string>();
  } else if (creating) {
    return base::makeError(Errc::kInvalid, "Name can't be blank");
  }
  if (q.name.empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  if (q.name.size() > 250)
    return base::makeError(Errc::kInvalid, "Name is too long (maximum is 250 characters)");
  for (unsigned char c : q.name)
    if (c < 0x20 || c == 0x7f)
      return base::makeError(Errc::kInvalid, "Name must not contain control characters");
  auto& l = q.limits;
  auto apps = readGroup(body, "apps", {"total_memory_in_mb", "per_process_memory_in_mb",
                                       "total_instances", "per_app_tasks",
                                       "log_rate_limit_in_bytes_per_second"});
  if (!apps.ok()) return apps.takeError();
  if (*apps) {
    MCF_TRY(readLimit(**apps, "apps", "total_memory_in_mb", l.total_memory_in_mb));
    MCF_TRY(readLimit(**apps, "apps", "per_process_memory_in_mb", l.per_process_memory_in_mb));
    MCF_TRY(readLimit(**apps, "apps", "total_instances", l.total_instances));
    MCF_TRY(readLimit(**apps, "apps", "per_app_tasks", l.per_app_tasks));
    MCF_TRY(readLimit(**apps, "apps", "log_rate_limit_in_bytes_per_second",
                      l.log_rate_limit_in_bytes_per_second));
  }
  auto services = readGroup(body, "services", {"paid_services_allowed",
                                               "total_service_instances", "total_service_keys"});
  if (!services.ok()) return services.takeError();
  if (*services) {
    if (auto paid = (*services)->find("paid_services_allowed"); paid != (*services)->end()) {
      if (!paid->is_boolean())
        return base::makeError(Errc::kInvalid, "services paid_services_allowed must be a boolean");
      l.paid_services_allowed = paid->get<bool>();
    }
    MCF_TRY(readLimit(**services, "services", "total_service_instances",
                      l.total_service_instances));
    MCF_TRY(readLimit(**services, "services", "total_service_keys", l.total_service_keys));
  }
  auto routes = readGroup(body, "routes", {"total_routes", "total_reserved_ports"});
  if (!routes.ok()) return routes.takeError();
  if (*routes) {
    MCF_TRY(readLimit(**routes, "routes", "total_routes", l.total_routes));
    MCF_TRY(readLimit(**routes, "routes", "total_reserved_ports", l.total_reserved_ports));
  }
  if (kind == QuotaKind::kOrg) {
    auto domains = readGroup(body, "domains", {"total_domains"});
    if (!domains.ok()) return domains.takeError();
    if (*domains) MCF_TRY(readLimit(**domains, "domains", "total_domains", l.total_domains));
  } else if (body.contains("domains")) {
    return base::makeError(Errc::kInvalid, "Unknown field(s): 'domains'");
  }
  return {};
}

// relationships.<name>.data as a list of guids; kInvalid unless [{"guid": "..."}, ...].
base::Result<std::vector<std::string>> guidsOf(const json& data, const char* label) {
  if (!data.is_array())
    return base::makeError(Errc::kInvalid, "{} must be a list of {{\"guid\": \"...\"}}", label);
  std::vector<std::string> out;
  for (const auto& d : data) {
    if (!d.is_object() || !d.contains("guid") || !d["guid"].is_string())
      return base::makeError(Errc::kInvalid, "{} must be a list of {{\"guid\": \"...\"}}", label);
    out.push_back(d["guid"].get<std::string>());
  }
  return out;
}

base::Result<std::vector<std::string>> relationshipGuids(const json& body, const char* name) {
  auto rel = body.find("relationships");
  if (rel == body.end() || !rel->is_object()) return std::vector<std::string>{};
  auto it = rel->find(name);
  if (it == rel->end() || !it->is_object() || !it->contains("data"))
    return std::vector<std::string>{};
  return guidsOf((*it)["data"], "Relationships data");
}

// A taken name is a validation failure in Cloud Controller (422 CF-UnprocessableEntity).
base::Error asInvalid(base::Error e) {
  if (e.code == Errc::kConflict) e.code = Errc::kInvalid;
  return e;
}

// Organization quotas are platform-wide: everyone reads them, admins write them. A space
// quota belongs to its org: its members read it, its managers write it.
base::Status authorizeQuota(Api& api, const Call& call, QuotaKind kind, const model::Quota& q,
                            bool write) {
  if (kind == QuotaKind::kOrg)
    return write ? api.authorize(call, Action::kWriteGlobal, "", what(kind)) : base::Status();
  MCF_TRY(api.authorizeOrg(call, Action::kReadOrg, q.org_guid, what(kind)));
  return write ? api.authorizeOrg(call, Action::kManageOrg, q.org_guid, what(kind))
               : base::Status();
}

base::Result<model::Quota> findQuota(Api& api, const Call& call, QuotaKind kind, bool write) {
  auto q = api.store.getQuota(kind, call.param("guid"));
  if (!q.ok()) {
    if (q.error().code == Errc::kNotFound)
      return base::makeError(Errc::kNotFound, "{} not found", what(kind));
    return q.takeError();
  }
  MCF_TRY(authorizeQuota(api, call, kind, *q, write));
  return q;
}

// Orgs the caller may apply a quota to: each must exist (kInvalid otherwise, as CC words it).
base::Status checkOrgsExist(Api& api, const std::vector<std::string>& guids) {
  for (const auto& g : guids) {
    auto org = api.store.getOrg(g);
    if (!org.ok()) {
      if (org.error().code != Errc::kNotFound) return org.takeError();
      return base::makeError(Errc::kInvalid, "Organizations with guids [\"{}\"] do not exist, or "
                                             "you do not have access to them.", g);
    }
  }
  return {};
}

base::Status checkSpacesIn(Api& api, const std::vector<std::string>& guids,
                           const std::string& org_guid) {
  for (const auto& g : guids) {
    auto space = api.store.getSpace(g);
    if (!space.ok()) {
      if (space.error().code != Errc::kNotFound) return space.takeError();
      return base::makeError(Errc::kInvalid, "Spaces with guids [\"{}\"] do not exist within the "
                                             "organization specified, or you do not have access "
                                             "to them.", g);
    }
    if (space->org_guid != org_guid) {
      return base::makeError(Errc::kInvalid, "Space '{}' is not in the organization of this "
                                             "space quota; a space quota applies only to spaces "
                                             "of its own organization.", space->name);
    }
  }
  return {};
}

// The quota as the caller may see it: only the orgs or spaces they can read are named.
model::Quota visibleTo(const Api& api, const Call& call, model::Quota q, QuotaKind kind) {
  std::erase_if(q.applied_to, [&](const std::string& guid) {
    return kind == QuotaKind::kOrg ? !api.canReadOrg(call, guid) : !api.canRead(call, guid);
  });
  return q;
}

json appliedReply(const Api& api, const model::Quota& q, QuotaKind kind) {
  bool org = kind == QuotaKind::kOrg;
  std::string self = (org ? "/v3/organization_quotas/" : "/v3/space_quotas/") + q.guid +
                     (org ? "/relationships/organizations" : "/relationships/spaces");
  return {{"data", guidList(q.applied_to)}, {"links", {{"self", link(api, self)}}}};
}

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "name"};

QuotaReply listQuotas(Api& api, const Call& call, QuotaKind kind) {
  auto q = kind == QuotaKind::kOrg
               ? parseListQuery(call.request.query, kOrder,
                                {"names", "guids", "organization_guids"})
               : parseListQuery(call.request.query, kOrder,
                                {"names", "guids", "organization_guids", "space_guids"});
  if (!q.ok()) return q.takeError();
  auto all = api.store.listQuotas(kind);
  if (!all.ok()) return all.takeError();
  std::vector<json> out;
  auto anyIn = [&](const char* filter, const std::vector<std::string>& values) {
    if (!q->has(filter)) return true;
    for (const auto& v : values)
      if (q->matches(filter, v)) return true;
    return false;
  };
  for (const auto& quota : *all) {
    if (!q->matches("names", quota.name) || !q->matches("guids", quota.guid)) continue;
    if (kind == QuotaKind::kOrg && !anyIn("organization_guids", quota.applied_to)) continue;
    if (kind == QuotaKind::kSpace) {
      if (!q->matches("organization_guids", quota.org_guid)) continue;
      if (!anyIn("space_guids", quota.applied_to)) continue;
    }
    if (!authorizeQuota(api, call, kind, quota, false).ok()) continue;
    out.push_back(presentQuota(api, visibleTo(api, call, quota, kind), kind));
  }
  return jsonReply(200, paginate(api, kind == QuotaKind::kOrg ? "/v3/organization_quotas"
                                                              : "/v3/space_quotas",
                                 *q, std::move(out)));
}

QuotaReply getQuota(Api& api, const Call& call, QuotaKind kind) {
  auto q = findQuota(api, call, kind, false);
  if (!q.ok()) return q.takeError();
  return jsonReply(200, presentQuota(api, visibleTo(api, call, *q, kind), kind));
}

QuotaReply updateQuota(Api& api, const Call& call, QuotaKind kind) {
  auto q = findQuota(api, call, kind, true);
  if (!q.ok()) return q.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(readBody(*body, *q, kind, false));
  if (auto ran = api.store.updateQuota(kind, *q); !ran.ok()) return asInvalid(ran.error());
  auto fresh = api.store.getQuota(kind, q->guid);
  if (!fresh.ok()) return fresh.takeError();
  return jsonReply(200, presentQuota(api, *fresh, kind));
}

QuotaReply deleteQuota(Api& api, const Call& call, QuotaKind kind) {
  auto q = findQuota(api, call, kind, true);
  if (!q.ok()) return q.takeError();
  MCF_TRY(api.store.deleteQuota(kind, q->guid));
  const char* op = kind == QuotaKind::kOrg ? "organization_quota.delete" : "space_quota.delete";
  std::string path = (kind == QuotaKind::kOrg ? "/v3/organization_quotas/" : "/v3/space_quotas/") +
                     q->guid;
  return accepted(api, api.jobs.add(op, path, api.nowSeconds()));
}

}  // namespace

std::string appliedQuotaGuid(const Api& api, bool org, const std::string& guid) {
  auto q = api.store.appliedQuota(org ? QuotaKind::kOrg : QuotaKind::kSpace, guid);
  return q.ok() && *q ? **q : "";
}

QuotaReply listOrgQuotas(Api& api, const Call& call) { return listQuotas(api, call, QuotaKind::kOrg); }
QuotaReply getOrgQuota(Api& api, const Call& call) { return getQuota(api, call, QuotaKind::kOrg); }
QuotaReply updateOrgQuota(Api& api, const Call& call) { return updateQuota(api, call, QuotaKind::kOrg); }
QuotaReply deleteOrgQuota(Api& api, const Call& call) { return deleteQuota(api, call, QuotaKind::kOrg); }
QuotaReply listSpaceQuotas(Api& api, const Call& call) { return listQuotas(api, call, QuotaKind::kSpace); }
QuotaReply getSpaceQuota(Api& api, const Call& call) { return getQuota(api, call, QuotaKind::kSpace); }
QuotaReply updateSpaceQuota(Api& api, const Call& call) { return updateQuota(api, call, QuotaKind::kSpace); }
QuotaReply deleteSpaceQuota(Api& api, const Call& call) { return deleteQuota(api, call, QuotaKind::kSpace); }

QuotaReply createOrgQuota(Api& api, const Call& call) {
  MCF_TRY(api.authorize(call, Action::kWriteGlobal, "", "Organization quota"));
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  model::Quota q;
  MCF_TRY(readBody(*body, q, QuotaKind::kOrg, true));
  auto orgs = relationshipGuids(*body, "organizations");
  if (!orgs.ok()) return orgs.takeError();
  MCF_TRY(checkOrgsExist(api, *orgs));
  auto created = api.store.createQuota(QuotaKind::kOrg, q);
  if (!created.ok()) return asInvalid(created.error());
  for (const auto& org : *orgs) MCF_TRY(api.store.applyQuota(QuotaKind::kOrg, created->guid, org));
  auto fresh = api.store.getQuota(QuotaKind::kOrg, created->guid);
  if (!fresh.ok()) return fresh.takeError();
  return jsonReply(201, presentQuota(api, *fresh, QuotaKind::kOrg));
}

QuotaReply applyOrgQuota(Api& api, const Call& call) {
  auto q = findQuota(api, call, QuotaKind::kOrg, true);
  if (!q.ok()) return q.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto orgs = guidsOf(body->value("data", json()), "Data");
  if (!orgs.ok()) return orgs.takeError();
  MCF_TRY(checkOrgsExist(api, *orgs));
  for (const auto& org : *orgs) MCF_TRY(api.store.applyQuota(QuotaKind::kOrg, q->guid, org));
  auto fresh = api.store.getQuota(QuotaKind::kOrg, q->guid);
  if (!fresh.ok()) return fresh.takeError();
  return jsonReply(200, appliedReply(api, *fresh, QuotaKind::kOrg));
}

QuotaReply createSpaceQuota(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  std::string org_guid = relationshipGuid(*body, "organization");
  if (org_guid.empty()) {
    return base::makeError(Errc::kInvalid, "Relationships Organization can't be blank: "
                                           "{{\"relationships\": {{\"organization\": {{\"data\": "
                                           "{{\"guid\": \"...\"}}}}}}}}");
  }
  auto org = api.store.getOrg(org_guid);
  if (!org.ok()) {
    if (org.error().code != Errc::kNotFound) return org.takeError();
    return base::makeError(Errc::kInvalid, "Organization with guid '{}' does not exist, or you "
                                           "do not have access to it.", org_guid);
  }
  MCF_TRY(api.authorizeOrg(call, Action::kManageOrg, org_guid, "Organization"));
  model::Quota q;
  q.org_guid = org_guid;
  MCF_TRY(readBody(*body, q, QuotaKind::kSpace, true));
  auto spaces = relationshipGuids(*body, "spaces");
  if (!spaces.ok()) return spaces.takeError();
  MCF_TRY(checkSpacesIn(api, *spaces, org_guid));
  auto created = api.store.createQuota(QuotaKind::kSpace, q);
  if (!created.ok()) return asInvalid(created.error());
  for (const auto& s : *spaces)
    MCF_TRY(api.store.applyQuota(QuotaKind::kSpace, created->guid, s));
  auto fresh = api.store.getQuota(QuotaKind::kSpace, created->guid);
  if (!fresh.ok()) return fresh.takeError();
  return jsonReply(201, presentQuota(api, *fresh, QuotaKind::kSpace));
}

QuotaReply applySpaceQuota(Api& api, const Call& call) {
  auto q = findQuota(api, call, QuotaKind::kSpace, true);
  if (!q.ok()) return q.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto spaces = guidsOf(body->value("data", json()), "Data");
  if (!spaces.ok()) return spaces.takeError();
  MCF_TRY(checkSpacesIn(api, *spaces, q->org_guid));
  for (const auto& s : *spaces) MCF_TRY(api.store.applyQuota(QuotaKind::kSpace, q->guid, s));
  auto fresh = api.store.getQuota(QuotaKind::kSpace, q->guid);
  if (!fresh.ok()) return fresh.takeError();
  return jsonReply(200, appliedReply(api, *fresh, QuotaKind::kSpace));
}

QuotaReply removeSpaceQuota(Api& api, const Call& call) {
  auto q = findQuota(api, call, QuotaKind::kSpace, true);
  if (!q.ok()) return q.takeError();
  auto removed = api.store.removeQuota(QuotaKind::kSpace, q->guid, call.param("space_guid"));
  if (!removed.ok()) {
    if (removed.error().code != Errc::kNotFound) return removed.error();
    return base::makeError(Errc::kInvalid, "Unable to remove quota from space with guid '{}'. "
                                           "Ensure the space quota is applied to this space.",
                           call.param("space_guid"));
  }
  return noContent();
}

// ---- Enforcement

namespace {

// One quota that applies, with what it is attached to for messages.
struct Applied {
  model::Quota quota;
  bool org = true;
  std::string target_name;  // the org's or space's name
};

// The org quota and (when set) the space quota of a space.
base::Result<std::vector<Applied>> quotasOf(Api& api, const model::Space& space) {
  std::vector<Applied> out;
  auto org = api.store.getOrg(space.org_guid);
  if (!org.ok()) return org.takeError();
  // Cloud Controller checks the space's quota before the org's.
  auto sq = api.store.appliedQuota(QuotaKind::kSpace, space.guid);
  if (!sq.ok()) return sq.takeError();
  if (*sq) {
    auto q = api.store.getQuota(QuotaKind::kSpace, **sq);
    if (q.ok()) out.push_back({std::move(*q), false, space.name});
  }
  auto oq = api.store.appliedQuota(QuotaKind::kOrg, org->guid);
  if (!oq.ok()) return oq.takeError();
  if (*oq) {
    auto q = api.store.getQuota(QuotaKind::kOrg, **oq);
    if (q.ok()) out.push_back({std::move(*q), true, org->name});
  }
  return out;
}

// What the apps and tasks of an org or space use now, leaving one app's processes out.
struct Usage {
  int64_t memory_mb = 0;
  int64_t instances = 0;
};

base::Result<Usage> usageOf(Api& api, const Applied& a, const std::string& space_guid,
                            const std::string& org_guid, const std::string& except_app) {
  auto spaces = api.store.listSpaces();
  if (!spaces.ok()) return spaces.takeError();
  std::set<std::string> in;
  for (const auto& s : *spaces)
    if (a.org ? s.org_guid == org_guid : s.guid == space_guid) in.insert(s.guid);
  auto apps = api.store.listApps({});
  if (!apps.ok()) return apps.takeError();
  std::map<std::string, bool> app_in;  // guid -> started
  for (const auto& app : *apps)
    if (in.count(app.space_guid)) app_in[app.guid] = app.state == model::AppState::kStarted;
  auto processes = api.store.listProcesses("");
  if (!processes.ok()) return processes.takeError();
  Usage u;
  for (const auto& p : *processes) {
    auto it = app_in.find(p.app_guid);
    if (it == app_in.end() || !it->second || p.app_guid == except_app) continue;
    u.memory_mb += int64_t{p.instances} * p.memory_in_mb;
    u.instances += p.instances;
  }
  for (auto state : {model::TaskState::kPending, model::TaskState::kRunning}) {
    auto tasks = api.store.listTasksInState(state);
    if (!tasks.ok()) return tasks.takeError();
    for (const auto& t : *tasks)
      if (app_in.count(t.app_guid)) u.memory_mb += t.memory_in_mb;
  }
  return u;
}

std::string whose(const Applied& a) {
  return fmt::format("{} '{}'", a.org ? "organization" : "space", a.target_name);
}

std::string raiseHint(const Applied& a, const char* flag) {
  return fmt::format("ask an admin{} to raise the limit ('microcf update-{}-quota {} {} ...')",
                     a.org ? "" : " or org manager", a.org ? "org" : "space", a.quota.name, flag);
}

}  // namespace

base::Status checkAppQuota(Api& api, const model::App& app,
                           const std::vector<model::Process>& processes) {
  auto space = api.store.getSpace(app.space_guid);
  if (!space.ok()) return space.takeError();
  auto applied = quotasOf(api, *space);
  if (!applied.ok()) return applied.takeError();
  if (applied->empty()) return {};
  // What the app holds now: nothing unless it is started.
  std::map<std::string, model::Process> before;
  if (app.state == model::AppState::kStarted) {
    auto current = api.store.listProcesses(app.guid);
    if (!current.ok()) return current.takeError();
    for (const auto& p : *current) before[p.guid] = p;
  }
  int64_t now_mb = 0, now_instances = 0, want_mb = 0, want_instances = 0;
  for (const auto& [g, p] : before) {
    now_mb += int64_t{p.instances} * p.memory_in_mb;
    now_instances += p.instances;
  }
  std::string shape;
  for (const auto& p : processes) {
    want_mb += int64_t{p.instances} * p.memory_in_mb;
    want_instances += p.instances;
    if (p.instances == 0) continue;
    shape += fmt::format("{}{} {} instance{} of {} MB", shape.empty() ? "" : ", ", p.instances,
                         p.type, p.instances == 1 ? "" : "s", p.memory_in_mb);
  }
  // CC's order: space memory, org memory, org instance memory, space instance memory, org
  // instances, space instances.
  std::vector<const Applied*> order;
  for (const auto& a : *applied) order.push_back(&a);
  for (const Applied* a : order) {
    const auto& l = a->quota.limits;
    if (!l.total_memory_in_mb || want_mb <= now_mb) continue;
    auto used = usageOf(api, *a, space->guid, space->org_guid, app.guid);
    if (!used.ok()) return used.takeError();
    if (used->memory_mb + want_mb <= *l.total_memory_in_mb) continue;
    return base::makeError(
        Errc::kInvalid,
        "memory {}. App '{}' needs {} MB ({}) but the {} has a memory limit of {} MB (quota "
        "'{}') and its other apps and tasks use {} MB. Scale this or other apps down, stop "
        "apps you don't need, or {}.",
        a->org ? "quota_exceeded" : "space_quota_exceeded", app.name, want_mb, shape, whose(*a),
        *l.total_memory_in_mb, a->quota.name, used->memory_mb, raiseHint(*a, "-m SIZE"));
  }
  std::vector<const Applied*> per_instance;  // org first, then space
  for (const Applied* a : order) if (a->org) per_instance.push_back(a);
  for (const Applied* a : order) if (!a->org) per_instance.push_back(a);
  for (const Applied* a : per_instance) {
    const auto& l = a->quota.limits;
    if (!l.per_process_memory_in_mb) continue;
    for (const auto& p : processes) {
      if (p.instances == 0 || p.memory_in_mb <= *l.per_process_memory_in_mb) continue;
      auto was = before.find(p.guid);
      if (was != before.end() && was->second.instances > 0 &&
          was->second.memory_in_mb >= p.memory_in_mb)
        continue;  // not an increase
      return base::makeError(
          Errc::kInvalid,
          "memory {}. Each {} instance of app '{}' asks for {} MB but the {} allows at most {} "
          "MB per instance (quota '{}'). Lower the app's memory ('microcf scale {} -m {}M') or "
          "{}.",
          a->org ? "instance_memory_limit_exceeded" : "space_instance_memory_limit_exceeded",
          p.type, app.name, p.memory_in_mb, whose(*a), *l.per_process_memory_in_mb,
          a->quota.name, app.name, *l.per_process_memory_in_mb, raiseHint(*a, "-i SIZE"));
    }
  }
  for (const Applied* a : per_instance) {
    const auto& l = a->quota.limits;
    if (!l.total_instances || want_instances <= now_instances) continue;
    auto used = usageOf(api, *a, space->guid, space->org_guid, app.guid);
    if (!used.ok()) return used.takeError();
    if (used->instances + want_instances <= *l.total_instances) continue;
    return base::makeError(
        Errc::kInvalid,
        "instances {}. App '{}' would run {} instance{} but the {} allows {} app instances in "
        "total (quota '{}') and its other apps run {}. Scale apps down or {}.",
        a->org ? "app_instance_limit_exceeded" : "space_app_instance_limit_exceeded", app.name,
        want_instances, want_instances == 1 ? "" : "s", whose(*a), *l.total_instances,
        a->quota.name, used->instances, raiseHint(*a, "-a COUNT"));
  }
  return {};
}

base::Status checkTaskQuota(Api& api, const model::App& app, int64_t memory_mb) {
  auto space = api.store.getSpace(app.space_guid);
  if (!space.ok()) return space.takeError();
  auto applied = quotasOf(api, *space);
  if (!applied.ok()) return applied.takeError();
  for (const auto& a : *applied) {
    const auto& l = a.quota.limits;
    if (l.per_process_memory_in_mb && memory_mb > *l.per_process_memory_in_mb) {
      return base::makeError(
          Errc::kInvalid,
          "memory {}. The task asks for {} MB but the {} allows at most {} MB per instance "
          "(quota '{}'). Run it with less memory ('microcf run-task {} -m {}M ...') or {}.",
          a.org ? "instance_memory_limit_exceeded" : "space_instance_memory_limit_exceeded",
          memory_mb, whose(a), *l.per_process_memory_in_mb, a.quota.name, app.name,
          *l.per_process_memory_in_mb, raiseHint(a, "-i SIZE"));
    }
    if (l.total_memory_in_mb) {
      auto used = usageOf(api, a, space->guid, space->org_guid, "");
      if (!used.ok()) return used.takeError();
      if (used->memory_mb + memory_mb > *l.total_memory_in_mb) {
        return base::makeError(
            Errc::kInvalid,
            "memory {}. The task of app '{}' needs {} MB but the {} has a memory limit of {} MB "
            "(quota '{}') and its apps and tasks use {} MB. Wait for tasks to finish, scale "
            "apps down, or {}.",
            a.org ? "quota_exceeded" : "space_quota_exceeded", app.name, memory_mb, whose(a),
            *l.total_memory_in_mb, a.quota.name, used->memory_mb, raiseHint(a, "-m SIZE"));
      }
    }
    if (l.per_app_tasks) {
      int64_t running = 0;
      auto tasks = api.store.listTasks(app.guid);
      if (!tasks.ok()) return tasks.takeError();
      for (const auto& t : *tasks)
        if (t.state == model::TaskState::kPending || t.state == model::TaskState::kRunning)
          ++running;
      if (running + 1 > *l.per_app_tasks) {
        return base::makeError(
            Errc::kInvalid,
            "app_task_limit {}. App '{}' has {} task{} running and the {} allows {} per app "
            "(quota '{}'). Wait for a task to finish, cancel one ('microcf terminate-task'), or "
            "ask an admin to raise the limit.",
            a.org ? "app_task_limit_exceeded" : "space_app_task_limit_exceeded", app.name,
            running, running == 1 ? "" : "s", whose(a), *l.per_app_tasks, a.quota.name);
      }
    }
  }
  return {};
}

base::Status checkRouteQuota(Api& api, const std::string& space_guid) {
  auto space = api.store.getSpace(space_guid);
  if (!space.ok()) return space.takeError();
  auto applied = quotasOf(api, *space);
  if (!applied.ok()) return applied.takeError();
  for (const auto& a : *applied) {
    if (!a.quota.limits.total_routes) continue;
    int64_t count = 0;
    auto spaces = api.store.listSpaces();
    if (!spaces.ok()) return spaces.takeError();
    for (const auto& s : *spaces) {
      if (a.org ? s.org_guid != space->org_guid : s.guid != space->guid) continue;
      auto routes = api.store.listRoutes(s.guid);
      if (!routes.ok()) return routes.takeError();
      count += static_cast<int64_t>(routes->size());
    }
    if (count + 1 <= *a.quota.limits.total_routes) continue;
    return base::makeError(
        Errc::kInvalid,
        "Routes quota exceeded for {} '{}'. It has {} route{} and its quota '{}' allows {}. "
        "Delete routes it no longer needs ('microcf delete-route') or {}.",
        a.org ? "organization" : "space", a.target_name, count, count == 1 ? "" : "s",
        a.quota.name, *a.quota.limits.total_routes, raiseHint(a, "-r COUNT"));
  }
  return {};
}

base::Status checkServiceInstanceQuota(Api& api, const std::string& space_guid) {
  auto space = api.store.getSpace(space_guid);
  if (!space.ok()) return space.takeError();
  auto applied = quotasOf(api, *space);
  if (!applied.ok()) return applied.takeError();
  for (const auto& a : *applied) {
    if (!a.quota.limits.total_service_instances) continue;
    int64_t count = 0;
    auto spaces = api.store.listSpaces();
    if (!spaces.ok()) return spaces.takeError();
    for (const auto& s : *spaces) {
      if (a.org ? s.org_guid != space->org_guid : s.guid != space->guid) continue;
      auto instances = api.store.listServiceInstances(s.guid);
      if (!instances.ok()) return instances.takeError();
      for (const auto& si : *instances)
        if (si.type != model::kUserProvided) ++count;
    }
    if (count + 1 <= *a.quota.limits.total_service_instances) continue;
    return base::makeError(
        Errc::kInvalid,
        "You have exceeded your {}'s services limit. The {} has {} managed service "
        "instance{} and its quota '{}' allows {}. Delete instances it no longer needs or {}.",
        a.org ? "organization" : "space", whose(a), count, count == 1 ? "" : "s", a.quota.name,
        *a.quota.limits.total_service_instances, raiseHint(a, "-s COUNT"));
  }
  return {};
}

}  // namespace mcf::controller
