// Service brokers, their offerings and plans, and plan visibility: /v3/service_brokers,
// /v3/service_offerings, /v3/service_plans (CF-CONTRACT §7). Registering or updating a broker
// fetches its catalog first; a broker whose catalog cannot be read is not registered.
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "controller/service_catalog.h"
#include "services/catalog.h"
#include "services/osb_client.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "name"};

bool globalReader(const Api& api, const Call& call) {
  auto p = api.powers(call);
  return p.admin || p.admin_read_only || p.global_auditor;
}

base::Status adminOnly(const Api& api, const Call& call, const char* what) {
  auto st = api.authorize(call, Action::kWriteGlobal, "", what);
  if (st.ok() || st.error().code != Errc::kForbidden) return st;
  return base::makeError(Errc::kForbidden, "You are not authorized to perform the requested "
                                           "action. Only admins manage service brokers and "
                                           "plan access.");
}

base::Result<model::ServiceBroker> findBroker(Api& api, const Call& call) {
  if (!globalReader(api, call)) return base::makeError(Errc::kNotFound, "Service broker not found");
  return api.store.getServiceBroker(call.param("guid"));
}

// Fetches the broker's catalog, then (on the loop, later) stores broker and catalog. The
// job ends FAILED, with nothing stored, when the catalog cannot be had.
void synchronize(Api& api, model::ServiceBroker broker, bool create, std::string job,
                 std::string new_plan_visibility, std::function<void(base::Status)> done = {}) {
  std::weak_ptr<int> alive = api.alive;
  services::OsbRequest req;
  req.path = "/v2/catalog";
  api.config.osb->send(broker, std::move(req), [&api, alive, broker, create, job,
                                                new_plan_visibility, done](
                                                   base::Result<services::OsbResponse> r) mutable {
    if (alive.expired()) return;
    auto finish = [&](base::Status st) {
      if (!job.empty())
        api.jobs.finish(job, api.nowSeconds(),
                        st.ok() ? std::vector<base::Error>{} : std::vector<base::Error>{st.error()});
      if (done) done(st);
    };
    if (!r.ok()) return finish(base::makeError(Errc::kInvalid, "{}", r.error().message));
    if (r->status != 200)
      return finish(base::makeError(Errc::kInvalid, "The service broker answered {} to GET "
                                    "/v2/catalog{}. Check the broker's URL and credentials.",
                                    r->status, r->status == 401 ? " (wrong username or password)" : ""));
    auto catalog = services::parseCatalog(r->raw);
    if (!catalog.ok()) return finish(catalog.takeError());
    if (create) {
      auto made = api.store.createServiceBroker(broker);
      if (!made.ok()) return finish(made.takeError());
      broker = *made;
    } else if (auto st = api.store.updateServiceBroker(broker); !st.ok()) {
      return finish(st);
    }
    auto synced = api.store.syncCatalog(broker.guid, *catalog, new_plan_visibility);
    // A new broker whose catalog could not be stored is not registered.
    if (!synced.ok() && create) (void)api.store.deleteServiceBroker(broker.guid);
    finish(synced);
  });
}

struct BrokerFields {
  std::optional<std::string> name, url, username, password;
};

base::Result<BrokerFields> readBrokerBody(const json& body) {
  MCF_TRY(checkFields(body, {"name", "url", "authentication", "metadata", "relationships"},
                      {"space"}));
  if (!relationshipGuid(body, "space").empty())
    return base::makeError(Errc::kInvalid, "Space-scoped service brokers are not supported by "
                           "microcf; register the broker for the whole platform (as an admin).");
  BrokerFields f;
  auto name = optString(body, "name", "Name");
  if (!name.ok()) return name.takeError();
  f.name = *name;
  auto url = optString(body, "url", "Url");
  if (!url.ok()) return url.takeError();
  f.url = *url;
  if (auto a = body.find("authentication"); a != body.end()) {
    if (!a->is_object() || a->value("type", "") != "basic" || !a->contains("credentials") ||
        !(*a)["credentials"].is_object())
      return base::makeError(Errc::kInvalid, "Authentication must be {{\"type\": \"basic\", "
                             "\"credentials\": {{\"username\": ..., \"password\": ...}}}}");
    const json& c = (*a)["credentials"];
    if (!c.contains("username") || !c["username"].is_string() || !c.contains("password") ||
        !c["password"].is_string())
      return base::makeError(Errc::kInvalid, "Authentication credentials must have a username "
                             "and a password (strings)");
    f.username = c["username"].get<std::string>();
    f.password = c["password"].get<std::string>();
  }
  return f;
}

bool hasInstances(Api& api, const std::string& broker_guid, std::vector<std::string>* names) {
  auto offerings = api.store.listServiceOfferings(broker_guid);
  auto instances = api.store.listServiceInstances("");
  if (!offerings.ok() || !instances.ok()) return false;
  std::set<std::string> plans;
  for (const auto& o : *offerings)
    if (auto ps = api.store.listServicePlans(o.guid); ps.ok())
      for (const auto& p : *ps) plans.insert(p.guid);
  for (const auto& si : *instances)
    if (plans.count(si.plan_guid)) names->push_back(si.name);
  return !names->empty();
}

}  // namespace

bool planVisible(const Api& api, const Call& call, const model::ServicePlan& plan,
                 const std::string& org_guid) {
  if (globalReader(api, call)) return true;
  if (!plan.available) return false;
  if (plan.visibility == model::kVisibilityPublic) return true;
  if (plan.visibility != model::kVisibilityOrganization) return false;
  auto orgs = api.store.servicePlanOrgs(plan.guid);
  if (!orgs.ok()) return false;
  for (const auto& o : *orgs) {
    if (!org_guid.empty() ? o == org_guid : api.canReadOrg(call, o)) return true;
  }
  return false;
}

json presentBroker(const Api& api, const model::ServiceBroker& b) {
  std::string self = "/v3/service_brokers/" + b.guid;
  return {{"guid", b.guid},
          {"name", b.name},
          {"url", b.url},
          {"created_at", base::formatTimestamp(b.created_at)},
          {"updated_at", base::formatTimestamp(b.updated_at)},
          {"relationships", {{"space", {{"data", nullptr}}}}},
          {"metadata", presentMetadata(api, "service_broker", b.guid)},
          {"links", {{"self", link(api, self)},
                     {"service_offerings",
                      link(api, "/v3/service_offerings?service_broker_guids=" + b.guid)}}}};
}

json presentOffering(const Api& api, const model::ServiceOffering& o) {
  std::string self = "/v3/service_offerings/" + o.guid;
  return {{"guid", o.guid},
          {"name", o.name},
          {"description", o.description},
          {"available", o.available},
          {"tags", o.tags},
          {"requires", o.requires_},
          {"shareable", false},
          {"documentation_url", o.metadata.value("documentationUrl", json(nullptr))},
          {"created_at", base::formatTimestamp(o.created_at)},
          {"updated_at", base::formatTimestamp(o.updated_at)},
          {"broker_catalog",
           {{"id", o.catalog_id},
            {"metadata", o.metadata},
            {"features", {{"plan_updateable", o.plan_updateable},
                          {"bindable", o.bindable},
                          {"instances_retrievable", o.instances_retrievable},
                          {"bindings_retrievable", o.bindings_retrievable},
                          {"allow_context_updates", false}}}}},
          {"relationships", {{"service_broker", relationship(o.broker_guid)}}},
          {"metadata", presentMetadata(api, "service_offering", o.guid)},
          {"links", {{"self", link(api, self)},
                     {"service_plans", link(api, "/v3/service_plans?service_offering_guids=" + o.guid)},
                     {"service_broker", link(api, "/v3/service_brokers/" + o.broker_guid)}}}};
}

json presentPlan(const Api& api, const model::ServicePlan& p) {
  std::string self = "/v3/service_plans/" + p.guid;
  json schemas = {
      {"service_instance", {{"create", {{"parameters", json::object()}}},
                            {"update", {{"parameters", json::object()}}}}},
      {"service_binding", {{"create", {{"parameters", json::object()}}}}}};
  for (const char* what : {"service_instance", "service_binding"})
    if (p.schemas.contains(what) && p.schemas[what].is_object())
      for (auto& [k, v] : p.schemas[what].items())
        if (schemas[what].contains(k) && v.is_object() && v.contains("parameters"))
          schemas[what][k]["parameters"] = v["parameters"];
  json features = {{"bindable", p.bindable ? json(*p.bindable) : json(nullptr)},
                   {"plan_updateable", p.plan_updateable ? json(*p.plan_updateable) : json(nullptr)}};
  return {{"guid", p.guid},
          {"name", p.name},
          {"description", p.description},
          {"visibility_type", p.visibility},
          {"available", p.available},
          {"free", p.free},
          {"costs", json::array()},
          {"maintenance_info", p.maintenance_info},
          {"created_at", base::formatTimestamp(p.created_at)},
          {"updated_at", base::formatTimestamp(p.updated_at)},
          {"broker_catalog", {{"id", p.catalog_id},
                              {"metadata", p.metadata},
                              {"maximum_polling_duration",
                               p.maximum_polling_duration ? json(p.maximum_polling_duration) : json(nullptr)},
                              {"features", features}}},
          {"schemas", schemas},
          {"relationships", {{"service_offering", relationship(p.offering_guid)}}},
          {"metadata", presentMetadata(api, "service_plan", p.guid)},
          {"links", {{"self", link(api, self)},
                     {"service_offering", link(api, "/v3/service_offerings/" + p.offering_guid)},
                     {"visibility", link(api, self + "/visibility")}}}};
}

// --- brokers ---

Reply listServiceBrokers(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder, {"names", "space_guids"});
  if (!q.ok()) return q.takeError();
  std::vector<json> out;
  if (globalReader(api, call)) {
    auto all = api.store.listServiceBrokers();
    if (!all.ok()) return all.takeError();
    for (const auto& b : *all)
      if (q->matches("names", b.name) && !q->has("space_guids")) out.push_back(presentBroker(api, b));
  }
  return jsonReply(200, paginate(api, "/v3/service_brokers", *q, std::move(out)));
}

Reply getServiceBroker(Api& api, const Call& call) {
  auto b = findBroker(api, call);
  if (!b.ok()) return b.takeError();
  return jsonReply(200, presentBroker(api, *b));
}

Reply createServiceBroker(Api& api, const Call& call) {
  MCF_TRY(adminOnly(api, call, "Service broker"));
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto f = readBrokerBody(*body);
  if (!f.ok()) return f.takeError();
  if (!f->name || f->name->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  MCF_TRY(checkName(*f->name));
  if (!f->url || f->url->empty()) return base::makeError(Errc::kInvalid, "Url can't be blank");
  if (!f->username) return base::makeError(Errc::kInvalid, "Authentication can't be blank");
  if (!api.config.osb) return base::makeError(Errc::kUnavailable, "microcf has no service broker client");
  MCF_TRY(api.config.osb->checkUrl(*f->url));
  auto brokers = api.store.listServiceBrokers();
  if (!brokers.ok()) return brokers.takeError();
  for (const auto& b : *brokers)
    if (b.name == *f->name) return base::makeError(Errc::kConflict, "Name must be unique");
  model::ServiceBroker broker;
  broker.name = *f->name;
  broker.url = *f->url;
  broker.username = *f->username;
  broker.password = *f->password;
  std::string job = api.jobs.start("service_broker.catalog.synchronize", "", api.nowSeconds());
  recordEvent(api, call, "audit.service_broker.create", {"service_broker", "", broker.name}, "",
              {{"request", {{"name", broker.name}, {"url", broker.url}}}});
  synchronize(api, broker, true, job, model::kVisibilityAdmin);
  return accepted(api, job);
}

Reply updateServiceBroker(Api& api, const Call& call) {
  MCF_TRY(adminOnly(api, call, "Service broker"));
  auto broker = findBroker(api, call);
  if (!broker.ok()) return broker.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto f = readBrokerBody(*body);
  if (!f.ok()) return f.takeError();
  model::ServiceBroker next = *broker;
  if (f->name) {
    if (f->name->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
    MCF_TRY(checkName(*f->name));
    next.name = *f->name;
  }
  if (f->url) {
    MCF_TRY(api.config.osb->checkUrl(*f->url));
    next.url = *f->url;
  }
  if (f->username) {
    next.username = *f->username;
    next.password = *f->password;
  }
  MCF_TRY(updateMetadata(api, "service_broker", next.guid, *body));
  if (!f->url && !f->username) {
    // A rename or metadata alone needs no catalog.
    MCF_TRY(api.store.updateServiceBroker(next));
    auto again = api.store.getServiceBroker(next.guid);
    if (!again.ok()) return again.takeError();
    return jsonReply(200, presentBroker(api, *again));
  }
  std::string job = api.jobs.start("service_broker.update", "/v3/service_brokers/" + next.guid,
                                   api.nowSeconds());
  synchronize(api, next, false, job, model::kVisibilityAdmin);
  return accepted(api, job);
}

Reply deleteServiceBroker(Api& api, const Call& call) {
  MCF_TRY(adminOnly(api, call, "Service broker"));
  auto broker = findBroker(api, call);
  if (!broker.ok()) return broker.takeError();
  std::vector<std::string> names;
  if (hasInstances(api, broker->guid, &names))
    return base::makeError(Errc::kInvalid, "Can not remove brokers that have associated service "
                           "instances: {}. Delete them first (microcf delete-service NAME).",
                           base::join(names, ", "));
  MCF_TRY(api.store.deleteServiceBroker(broker->guid));
  recordEvent(api, call, "audit.service_broker.delete", {"service_broker", broker->guid, broker->name}, "");
  return accepted(api, api.jobs.add("service_broker.delete", "", api.nowSeconds()));
}

// --- offerings ---

namespace {

// Offerings with at least one plan the caller sees (every one for admins).
bool offeringVisible(const Api& api, const Call& call, const model::ServiceOffering& o) {
  if (globalReader(api, call)) return true;
  auto plans = api.store.listServicePlans(o.guid);
  if (!plans.ok()) return false;
  for (const auto& p : *plans)
    if (planVisible(api, call, p)) return true;
  return false;
}

std::map<std::string, model::ServiceBroker> brokersByGuid(Api& api) {
  std::map<std::string, model::ServiceBroker> out;
  if (auto all = api.store.listServiceBrokers(); all.ok())
    for (auto& b : *all) out[b.guid] = b;
  return out;
}

}  // namespace

Reply listServiceOfferings(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder,
                          {"names", "guids", "available", "service_broker_guids",
                           "service_broker_names", "space_guids", "organization_guids", "fields",
                           "include"});
  if (!q.ok()) return q.takeError();
  auto all = api.store.listServiceOfferings("");
  if (!all.ok()) return all.takeError();
  auto brokers = brokersByGuid(api);
  std::vector<json> out;
  std::set<std::string> used_brokers;
  for (const auto& o : *all) {
    const std::string broker_name = brokers.count(o.broker_guid) ? brokers[o.broker_guid].name : "";
    if (!q->matches("names", o.name) || !q->matches("guids", o.guid) ||
        !q->matches("available", o.available ? "true" : "false") ||
        !q->matches("service_broker_guids", o.broker_guid) ||
        !q->matches("service_broker_names", broker_name) || !offeringVisible(api, call, o))
      continue;
    used_brokers.insert(o.broker_guid);
    out.push_back(presentOffering(api, o));
  }
  json page = paginate(api, "/v3/service_offerings", *q, std::move(out));
  // fields[service_broker]=name,guid: the cf CLI's marketplace reads the brokers' names here.
  if (call.request.query.find("fields") != std::string::npos) {
    json included = json::array();
    for (const auto& g : used_brokers)
      if (brokers.count(g)) included.push_back({{"name", brokers[g].name}, {"guid", g}});
    page["included"] = {{"service_brokers", included}};
  }
  return jsonReply(200, page);
}

Reply getServiceOffering(Api& api, const Call& call) {
  auto o = api.store.getServiceOffering(call.param("guid"));
  if (!o.ok()) return o.takeError();
  if (!offeringVisible(api, call, *o))
    return base::makeError(Errc::kNotFound, "Service offering not found");
  return jsonReply(200, presentOffering(api, *o));
}

// --- plans ---

Reply listServicePlans(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder,
                          {"names", "guids", "available", "service_offering_guids",
                           "service_offering_names", "service_broker_guids",
                           "service_broker_names", "service_instance_guids", "space_guids",
                           "organization_guids", "broker_catalog_ids", "include", "fields"});
  if (!q.ok()) return q.takeError();
  auto plans = api.store.listServicePlans("");
  if (!plans.ok()) return plans.takeError();
  auto brokers = brokersByGuid(api);
  std::map<std::string, model::ServiceOffering> offerings;
  if (auto all = api.store.listServiceOfferings(""); all.ok())
    for (auto& o : *all) offerings[o.guid] = o;
  std::set<std::string> instance_plans;
  if (q->has("service_instance_guids"))
    if (auto all = api.store.listServiceInstances(""); all.ok())
      for (const auto& si : *all)
        if (q->matches("service_instance_guids", si.guid)) instance_plans.insert(si.plan_guid);
  std::vector<json> out;
  std::set<std::string> used_offerings;
  for (const auto& p : *plans) {
    const model::ServiceOffering& o = offerings[p.offering_guid];
    const std::string broker_name = brokers.count(o.broker_guid) ? brokers[o.broker_guid].name : "";
    if (!q->matches("names", p.name) || !q->matches("guids", p.guid) ||
        !q->matches("available", p.available ? "true" : "false") ||
        !q->matches("service_offering_guids", p.offering_guid) ||
        !q->matches("service_offering_names", o.name) ||
        !q->matches("service_broker_guids", o.broker_guid) ||
        !q->matches("service_broker_names", broker_name) ||
        !q->matches("broker_catalog_ids", p.catalog_id) ||
        (q->has("service_instance_guids") && !instance_plans.count(p.guid)) ||
        !planVisible(api, call, p))
      continue;
    if (const auto* orgs = q->filter("organization_guids")) {
      bool any = false;
      for (const auto& org : *orgs) any = any || planVisible(api, call, p, org);
      if (!any) continue;
    }
    used_offerings.insert(p.offering_guid);
    out.push_back(presentPlan(api, p));
  }
  json page = paginate(api, "/v3/service_plans", *q, std::move(out));
  bool include_offering = false;
  for (const auto& i : q->include) include_offering = include_offering || i == "service_offering";
  if (include_offering || call.request.query.find("fields") != std::string::npos) {
    json included_offerings = json::array(), included_brokers = json::array();
    std::set<std::string> used_brokers;
    for (const auto& g : used_offerings) {
      included_offerings.push_back(presentOffering(api, offerings[g]));
      used_brokers.insert(offerings[g].broker_guid);
    }
    for (const auto& g : used_brokers)
      if (brokers.count(g)) included_brokers.push_back({{"name", brokers[g].name}, {"guid", g}});
    page["included"] = {{"service_offerings", included_offerings},
                        {"service_brokers", included_brokers}};
  }
  return jsonReply(200, page);
}

Reply getServicePlan(Api& api, const Call& call) {
  auto p = api.store.getServicePlan(call.param("guid"));
  if (!p.ok()) return p.takeError();
  if (!planVisible(api, call, *p)) return base::makeError(Errc::kNotFound, "Service plan not found");
  return jsonReply(200, presentPlan(api, *p));
}

Reply deleteServicePlan(Api& api, const Call& call) {
  MCF_TRY(adminOnly(api, call, "Service plan"));
  return base::makeError(Errc::kInvalid, "Service plans come from their broker's catalog: remove "
                         "the plan from the catalog and update the broker (microcf "
                         "update-service-broker).");
}

Reply getServicePlanVisibility(Api& api, const Call& call) {
  auto p = api.store.getServicePlan(call.param("guid"));
  if (!p.ok()) return p.takeError();
  if (!planVisible(api, call, *p)) return base::makeError(Errc::kNotFound, "Service plan not found");
  json j = {{"type", p->visibility}};
  if (p->visibility == model::kVisibilityOrganization) {
    json orgs = json::array();
    if (auto list = api.store.servicePlanOrgs(p->guid); list.ok())
      for (const auto& g : *list) {
        if (!globalReader(api, call) && !api.canReadOrg(call, g)) continue;
        auto org = api.store.getOrg(g);
        orgs.push_back({{"guid", g}, {"name", org.ok() ? org->name : ""}});
      }
    j["organizations"] = orgs;
  }
  return jsonReply(200, j);
}

namespace {

// PATCH replaces, POST appends (CC's two forms).
Reply setVisibility(Api& api, const Call& call, bool replace) {
  MCF_TRY(adminOnly(api, call, "Service plan"));
  auto p = api.store.getServicePlan(call.param("guid"));
  if (!p.ok()) return p.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"type", "organizations"}));
  auto type = optString(*body, "type", "Type");
  if (!type.ok()) return type.takeError();
  static const std::set<std::string> kTypes = {"public", "admin", "organization"};
  if (!*type || !kTypes.count(**type))
    return base::makeError(Errc::kInvalid, "Type must be one of 'public', 'admin', "
                           "'organization'");
  std::vector<std::string> orgs;
  if (**type == model::kVisibilityOrganization) {
    auto list = body->find("organizations");
    if (list == body->end() || !list->is_array() || list->empty())
      return base::makeError(Errc::kInvalid, "Organizations can't be blank when type is "
                             "'organization'");
    for (const auto& o : *list) {
      if (!o.is_object() || !o.contains("guid") || !o["guid"].is_string())
        return base::makeError(Errc::kInvalid, "Organizations must be a list of {{\"guid\": ...}}");
      std::string g = o["guid"];
      if (!api.store.getOrg(g).ok())
        return base::makeError(Errc::kInvalid, "Could not find organization with guid '{}'.", g);
      orgs.push_back(g);
    }
  } else if (body->contains("organizations")) {
    return base::makeError(Errc::kInvalid, "Organizations can only be given when type is "
                           "'organization'");
  }
  // Appending orgs to a public plan would narrow it; CC refuses the same way.
  if (!replace && **type == model::kVisibilityOrganization &&
      p->visibility == model::kVisibilityPublic)
    return base::makeError(Errc::kInvalid, "Cannot append organizations to a plan that is "
                           "public. Use PATCH to replace the visibility.");
  MCF_TRY(api.store.setServicePlanVisibility(p->guid, **type, orgs, replace));
  recordEvent(api, call, "audit.service_plan_visibility.update", {"service_plan", p->guid, p->name},
              "", {{"request", *body}});
  return getServicePlanVisibility(api, call);
}

}  // namespace

Reply patchServicePlanVisibility(Api& api, const Call& call) { return setVisibility(api, call, true); }
Reply postServicePlanVisibility(Api& api, const Call& call) { return setVisibility(api, call, false); }

Reply deleteServicePlanVisibilityOrg(Api& api, const Call& call) {
  MCF_TRY(adminOnly(api, call, "Service plan"));
  auto p = api.store.getServicePlan(call.param("guid"));
  if (!p.ok()) return p.takeError();
  MCF_TRY(api.store.removeServicePlanOrg(p->guid, call.param("org_guid")));
  return noContent();
}

// --- built-in brokers ---

void registerBuiltin(Api& api, const std::string& name, const std::string& url,
                     std::function<void(base::Status)> done) {
  if (!api.config.osb) return done(base::makeError(Errc::kUnavailable, "no broker client"));
  auto brokers = api.store.listServiceBrokers();
  if (!brokers.ok()) return done(brokers.takeError());
  model::ServiceBroker broker;
  bool exists = false;
  for (const auto& b : *brokers)
    if (b.url == url) {
      broker = b;
      exists = true;
    }
  if (!exists) {
    broker.name = name;
    broker.url = url;
    broker.username = "microcf";
    broker.password = "microcf";
    for (const auto& b : *brokers)
      if (b.name == name) broker.name = name + "-builtin";
  }
  synchronize(api, broker, !exists, "", model::kVisibilityPublic, std::move(done));
}

}  // namespace mcf::controller
