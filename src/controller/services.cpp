// Service instances (/v3/service_instances) and their credential bindings
// (/v3/service_credential_bindings, type "app" and "key"). User-provided instances answer
// synchronously, as Cloud Controller does for them; managed ones go to their broker through
// managed_services.cpp.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/managed_services.h"
#include "controller/service_catalog.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "logs/syslog_drain.h"
#include "model/service.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "name"};

json lastOperation(const model::LastOperation& op, int64_t created_at, int64_t updated_at) {
  std::string description = op.description;
  if (description.empty() && op.state == "succeeded") description = "Operation succeeded";
  return {{"type", op.type},
          {"state", op.state},
          {"description", description},
          {"created_at", base::formatTimestamp(created_at)},
          {"updated_at", base::formatTimestamp(updated_at)}};
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

}  // namespace

json presentServiceInstance(const Api& api, const model::ServiceInstance& si) {
  std::string self = "/v3/service_instances/" + si.guid;
  model::LastOperation op = si.last_operation;
  if (si.type == model::kUserProvided) op.type = si.created_at == si.updated_at ? "create" : "update";
  json j = {{"guid", si.guid},
          {"created_at", base::formatTimestamp(si.created_at)},
          {"updated_at", base::formatTimestamp(si.updated_at)},
          {"name", si.name},
          {"tags", si.tags},
          {"type", si.type},
          {"syslog_drain_url", nullable(si.syslog_drain_url)},
          {"route_service_url", nullable(si.route_service_url)},
          {"last_operation", lastOperation(op, si.created_at, si.updated_at)},
          {"relationships", {{"space", relationship(si.space_guid)}}},
          {"metadata", presentMetadata(api, meta::kServiceInstance, si.guid)},
          {"links", {{"self", link(api, self)},
                     {"space", link(api, "/v3/spaces/" + si.space_guid)},
                     {"credentials", link(api, self + "/credentials")},
                     {"service_credential_bindings",
                      link(api, "/v3/service_credential_bindings?service_instance_guids=" + si.guid)},
                     {"service_route_bindings",
                      link(api, "/v3/service_route_bindings?service_instance_guids=" + si.guid)}}}};
  if (si.type == model::kManaged) {
    j.erase("syslog_drain_url");
    j.erase("route_service_url");
    j["dashboard_url"] = nullable(si.dashboard_url);
    j["upgrade_available"] = false;
    j["maintenance_info"] = json::object();
    j["relationships"]["service_plan"] = relationship(si.plan_guid);
    j["links"]["service_plan"] = link(api, "/v3/service_plans/" + si.plan_guid);
    j["links"]["parameters"] = link(api, self + "/parameters");
    j["links"].erase("credentials");
  }
  return j;
}

namespace {

json presentInstance(const Api& api, const model::ServiceInstance& si) {
  return presentServiceInstance(api, si);
}

json presentBinding(const Api& api, const model::ServiceBinding& b) {
  std::string self = "/v3/service_credential_bindings/" + b.guid;
  json j = {{"guid", b.guid},
          {"created_at", base::formatTimestamp(b.created_at)},
          {"updated_at", base::formatTimestamp(b.updated_at)},
          {"name", nullable(b.name)},
          {"type", b.type},
          {"last_operation", lastOperation(b.last_operation, b.created_at, b.updated_at)},
          {"relationships", {{"app", b.app_guid.empty() ? json{{"data", nullptr}} : relationship(b.app_guid)},
                             {"service_instance", relationship(b.instance_guid)}}},
          {"metadata", presentMetadata(api, meta::kServiceBinding, b.guid)},
          {"links", {{"self", link(api, self)},
                     {"details", link(api, self + "/details")},
                     {"service_instance", link(api, "/v3/service_instances/" + b.instance_guid)}}}};
  if (!b.app_guid.empty()) j["links"]["app"] = link(api, "/v3/apps/" + b.app_guid);
  return j;
}

// The instance, authorized through its space; one the caller cannot see is not found.
base::Result<model::ServiceInstance> findInstance(Api& api, const Call& call,
                                                  const std::string& guid, Action action) {
  auto si = api.store.getServiceInstance(guid);
  if (!si.ok()) return si;
  MCF_TRY(api.authorize(call, action, si->space_guid, "Service instance"));
  return si;
}

base::Result<model::ServiceBinding> findBinding(Api& api, const Call& call, Action action) {
  auto b = api.store.getServiceBinding(call.param("guid"));
  if (!b.ok()) return b;
  auto si = api.store.getServiceInstance(b->instance_guid);
  if (!si.ok()) return base::makeError(Errc::kNotFound, "Service credential binding not found");
  auto st = api.authorize(call, action, si->space_guid, "Service credential binding");
  if (!st.ok()) return st.takeError();
  return b;
}

// These apps' bindings changed: their drains follow at once.
void tellBindingsChanged(Api& api, const std::vector<std::string>& app_guids) {
  if (!api.config.bindings_changed) return;
  for (const auto& a : app_guids) api.config.bindings_changed(a);
}

std::vector<std::string> boundApps(Api& api, const std::string& instance_guid) {
  std::vector<std::string> apps;
  if (auto b = api.store.listServiceBindings("", instance_guid); b.ok())
    for (const auto& x : *b) apps.push_back(x.app_guid);
  return apps;
}

// syslog_drain_url and route_service_url: "" or an absolute URL with a scheme and host.
base::Status checkUrl(const std::string& url, const char* label) {
  if (url.empty()) return {};
  size_t scheme = url.find("://");
  if (scheme == std::string::npos || scheme == 0 || scheme + 3 >= url.size())
    return base::makeError(Errc::kInvalid, "{} must be a valid URL, such as "
                           "syslog://logs.example.com:514 (got '{}')", label, url);
  return {};
}

// Reads the optional fields a user-provided instance has from body into si; collects every
// problem, as Cloud Controller lists them together.
base::Status readUpsiFields(const json& body, model::ServiceInstance& si) {
  std::vector<std::string> problems;
  if (auto c = body.find("credentials"); c != body.end()) {
    if (c->is_object()) si.credentials = *c;
    else problems.push_back("Credentials must be an object");
  }
  auto take = [&](const char* key, const char* label, std::string& into) {
    auto v = optString(body, key, label);
    if (!v.ok()) {
      problems.push_back(v.error().message);
      return;
    }
    if (*v) {
      auto st = checkUrl(**v, label);
      if (!st.ok()) problems.push_back(st.error().message);
      else into = **v;
    } else if (body.contains(key)) {
      into.clear();  // null clears
    }
  };
  take("syslog_drain_url", "Syslog drain url", si.syslog_drain_url);
  // microcf drains speak syslog over TCP only; say so now rather than fail quietly later.
  if (!si.syslog_drain_url.empty() && si.syslog_drain_url.find("://") != std::string::npos) {
    if (auto a = logs::parseDrainUrl(si.syslog_drain_url); !a.ok())
      problems.push_back("Syslog drain url: " + a.error().message);
  }
  take("route_service_url", "Route service url", si.route_service_url);
  if (auto t = body.find("tags"); t != body.end()) {
    std::vector<std::string> tags;
    bool ok = t->is_array() || t->is_null();
    if (t->is_array())
      for (const auto& x : *t) {
        if (!x.is_string()) ok = false;
        else tags.push_back(x.get<std::string>());
      }
    if (!ok) problems.push_back("Tags must be a list of strings");
    else si.tags = std::move(tags);
  }
  if (!si.route_service_url.empty() && !si.route_service_url.starts_with("https://"))
    problems.push_back("Route service url must be https");
  if (problems.empty()) return {};
  std::string joined;
  for (const auto& p : problems) joined += (joined.empty() ? "" : ", ") + p;
  return base::makeError(Errc::kInvalid, "{}", joined);
}

// fields[service_plan]=..., fields[service_plan.service_offering]=...,
// fields[service_plan.service_offering.service_broker]=...: the plans, offerings and brokers of
// the listed instances, as the cf CLI's `services` and `service` ask (the fields in full).
json includedPlans(Api& api, const std::set<std::string>& plan_guids) {
  json plans = json::array(), offerings = json::array(), brokers = json::array();
  std::set<std::string> seen_offerings, seen_brokers;
  for (const auto& g : plan_guids) {
    auto plan = api.store.getServicePlan(g);
    if (!plan.ok()) continue;
    plans.push_back({{"guid", plan->guid}, {"name", plan->name},
                     {"relationships", {{"service_offering", relationship(plan->offering_guid)}}}});
    if (!seen_offerings.insert(plan->offering_guid).second) continue;
    auto o = api.store.getServiceOffering(plan->offering_guid);
    if (!o.ok()) continue;
    offerings.push_back({{"guid", o->guid}, {"name", o->name}, {"description", o->description},
                         {"documentation_url", o->metadata.value("documentationUrl", json(nullptr))},
                         {"tags", o->tags},
                         {"relationships", {{"service_broker", relationship(o->broker_guid)}}}});
    if (!seen_brokers.insert(o->broker_guid).second) continue;
    if (auto b = api.store.getServiceBroker(o->broker_guid); b.ok())
      brokers.push_back({{"guid", b->guid}, {"name", b->name}});
  }
  return {{"service_plans", plans}, {"service_offerings", offerings}, {"service_brokers", brokers}};
}

}  // namespace

// {type:"user-provided", name, relationships:{space}, credentials?, syslog_drain_url?,
//  route_service_url?, tags?} → 201.
Reply createServiceInstance(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"type", "name", "relationships", "credentials", "syslog_drain_url",
                             "route_service_url", "tags", "parameters", "metadata"},
                      {"space", "service_plan"}));
  auto type = optString(*body, "type", "Type");
  if (!type.ok()) return type.takeError();
  if (!*type)
    return base::makeError(Errc::kInvalid, "Type must be one of 'managed', 'user-provided'");
  if (**type == model::kManaged) return createManagedInstance(api, call, *body);
  if (**type != model::kUserProvided)
    return base::makeError(Errc::kInvalid, "Type must be one of 'managed', 'user-provided'");
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (!*name || (*name)->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  MCF_TRY(checkName(**name));
  auto space = api.space(call, relationshipGuid(*body, "space"), Action::kWriteDev);
  if (!space.ok()) {
    if (space.error().code != Errc::kNotFound) return space.takeError();
    return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and you "
                                           "have access to it.");
  }
  model::ServiceInstance si;
  si.name = **name;
  si.space_guid = space->guid;
  MCF_TRY(readUpsiFields(*body, si));
  auto metadata = metadataUpdate(api, meta::kServiceInstance, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = api.store.createServiceInstance(si);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kServiceInstance, created->guid, *metadata));
  recordEvent(api, call, "audit.user_provided_service_instance.create",
              {"user_provided_service_instance", created->guid, created->name},
              created->space_guid, {{"request", redactRequest(*body)}});
  return jsonReply(201, presentInstance(api, *created));
}

// Filters: names, space_guids, organization_guids, guids, type.
Reply listServiceInstances(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder,
                          {"names", "space_guids", "organization_guids", "guids", "type",
                           "service_plan_guids", "service_plan_names", "fields"});
  if (!q.ok()) return q.takeError();
  auto all = api.store.listServiceInstances("");
  if (!all.ok()) return all.takeError();
  std::vector<json> out;
  std::set<std::string> plans;
  for (const auto& si : *all) {
    if (!q->matches("names", si.name) || !q->matches("space_guids", si.space_guid) ||
        !q->matches("guids", si.guid) || !q->matches("type", si.type) ||
        !api.canRead(call, si.space_guid))
      continue;
    // User-provided instances have no plan.
    if ((q->has("service_plan_guids") || q->has("service_plan_names")) && si.plan_guid.empty())
      continue;
    if (!q->matches("service_plan_guids", si.plan_guid)) continue;
    if (q->has("service_plan_names")) {
      auto plan = api.store.getServicePlan(si.plan_guid);
      if (!plan.ok() || !q->matches("service_plan_names", plan->name)) continue;
    }
    if (q->has("organization_guids")) {
      auto space = api.store.getSpace(si.space_guid);
      if (!space.ok() || !q->matches("organization_guids", space->org_guid)) continue;
    }
    if (!si.plan_guid.empty()) plans.insert(si.plan_guid);
    out.push_back(presentInstance(api, si));
  }
  json page = paginate(api, "/v3/service_instances", *q, std::move(out));
  if (call.request.query.find("fields") != std::string::npos) page["included"] = includedPlans(api, plans);
  return jsonReply(200, page);
}

Reply getServiceInstance(Api& api, const Call& call) {
  auto si = findInstance(api, call, call.param("guid"), Action::kRead);
  if (!si.ok()) return si.takeError();
  json j = presentInstance(api, *si);
  if (call.request.query.find("fields") != std::string::npos && !si->plan_guid.empty())
    j["included"] = includedPlans(api, {si->plan_guid});
  return jsonReply(200, j);
}

// The credentials object itself (space developers and admins only).
Reply getServiceInstanceCredentials(Api& api, const Call& call) {
  auto si = findInstance(api, call, call.param("guid"), Action::kReadSecrets);
  if (!si.ok()) return si.takeError();
  return jsonReply(200, si->credentials);
}

// Any of name, credentials, syslog_drain_url, route_service_url, tags; credentials replace
// the old ones whole, as `cf uups -p` does.
Reply updateServiceInstance(Api& api, const Call& call) {
  auto si = findInstance(api, call, call.param("guid"), Action::kWriteDev);
  if (!si.ok()) return si.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  if (si->type == model::kManaged) return updateManagedInstance(api, call, *si, *body);
  MCF_TRY(checkFields(*body, {"name", "credentials", "syslog_drain_url", "route_service_url",
                             "tags", "parameters", "metadata"}));
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (*name) {
    if ((*name)->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
    MCF_TRY(checkName(**name));
    si->name = **name;
  }
  std::string old_drain = si->syslog_drain_url;
  MCF_TRY(readUpsiFields(*body, *si));
  auto metadata = metadataUpdate(api, meta::kServiceInstance, si->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  auto st = api.store.updateServiceInstance(*si);
  MCF_TRY(uniqueAsInvalid(std::move(st)));
  MCF_TRY(saveMetadata(api, meta::kServiceInstance, si->guid, *metadata));
  recordEvent(api, call, "audit.user_provided_service_instance.update",
              {"user_provided_service_instance", si->guid, si->name}, si->space_guid,
              {{"request", redactRequest(*body)}});
  auto now = api.store.getServiceInstance(si->guid);
  if (!now.ok()) return now.takeError();
  // Drains also carry the instance's name in messages: tell on every change, not only URLs.
  tellBindingsChanged(api, boundApps(api, si->guid));
  return jsonReply(200, presentInstance(api, *now));
}

// 204. An instance that apps are still bound to is refused, naming them.
Reply deleteServiceInstance(Api& api, const Call& call) {
  auto si = findInstance(api, call, call.param("guid"), Action::kWriteDev);
  if (!si.ok()) return si.takeError();
  auto bindings = api.store.listServiceBindings("", si->guid);
  if (!bindings.ok()) return bindings.takeError();
  auto keys = api.store.listServiceKeys(si->guid);
  if (!keys.ok()) return keys.takeError();
  if (!bindings->empty() || !keys->empty()) {
    std::vector<std::string> names, key_names;
    for (const auto& b : *bindings) {
      auto app = api.store.getApp(b.app_guid);
      names.push_back(app.ok() ? app->name : b.app_guid);
    }
    for (const auto& k : *keys) key_names.push_back(k.name);
    std::sort(names.begin(), names.end());
    std::string what, remedy;
    if (!names.empty()) {
      what = fmt::format("it is bound to {} {}", names.size() == 1 ? "app" : "apps",
                         base::join(names, ", "));
      remedy = fmt::format("'microcf unbind-service {} {}'", names.front(), si->name);
    }
    if (!key_names.empty()) {
      what += fmt::format("{}it has service {} {}", what.empty() ? "" : " and ",
                          key_names.size() == 1 ? "key" : "keys", base::join(key_names, ", "));
      remedy += fmt::format("{}'microcf delete-service-key {} {}'", remedy.empty() ? "" : ", ",
                          si->name, key_names.front());
    }
    return base::makeError(
        Errc::kInvalid,
        "Cannot delete service instance '{}': {}. Please delete the service_bindings "
        "associations for your service_instances first ({}).",
        si->name, what, remedy);
  }
  if (si->type == model::kManaged) return deleteManagedInstance(api, call, *si);
  MCF_TRY(api.store.deleteServiceInstance(si->guid));
  recordEvent(api, call, "audit.user_provided_service_instance.delete",
              {"user_provided_service_instance", si->guid, si->name}, si->space_guid);
  return noContent();
}

// {type:"app", name?, relationships:{service_instance, app}, parameters?} → 201.
Reply createServiceBinding(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"type", "name", "relationships", "parameters", "metadata"},
                      {"service_instance", "app"}));
  auto type = optString(*body, "type", "Type");
  if (!type.ok()) return type.takeError();
  if (!*type || (**type != "app" && **type != "key"))
    return base::makeError(Errc::kInvalid, "Type must be one of 'app', 'key'");
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (*name) MCF_TRY(checkName(**name));
  auto si = findInstance(api, call, relationshipGuid(*body, "service_instance"), Action::kRead);
  if (!si.ok()) {
    if (si.error().code != Errc::kNotFound) return si.takeError();
    return base::makeError(Errc::kInvalid, "The service instance could not be found: '{}'.",
                           relationshipGuid(*body, "service_instance"));
  }
  if (**type == "key") {
    if (si->type != model::kManaged)
      return base::makeError(Errc::kInvalid, "Service credential bindings of type 'key' are not "
                                             "supported for user-provided service instances.");
    if (!relationshipGuid(*body, "app").empty())
      return base::makeError(Errc::kInvalid, "Relationships app must not be given for a service "
                                             "key");
    model::ServiceBinding key;
    key.type = "key";
    key.name = name->value_or("");
    key.instance_guid = si->guid;
    return createManagedBinding(api, call, *body, *si, key);
  }
  auto app = api.app(call, relationshipGuid(*body, "app"), Action::kWriteLifecycle);
  if (!app.ok()) {
    if (app.error().code != Errc::kNotFound) return app.takeError();
    return base::makeError(Errc::kInvalid, "The app could not be found: '{}'.",
                           relationshipGuid(*body, "app"));
  }
  if (app->space_guid != si->space_guid)
    return base::makeError(Errc::kInvalid, "The service instance and the app are in different "
                                           "spaces.");
  model::ServiceBinding b;
  b.name = name->value_or("");
  b.app_guid = app->guid;
  b.instance_guid = si->guid;
  if (si->type == model::kManaged) return createManagedBinding(api, call, *body, *si, b);
  if (auto p = body->find("parameters"); p != body->end() && !p->is_null() &&
                                          !(p->is_object() && p->empty()))
    return base::makeError(Errc::kInvalid, "Binding parameters are not supported for "
                                           "user-provided service instances");
  auto metadata = metadataUpdate(api, meta::kServiceBinding, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = api.store.createServiceBinding(b);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kServiceBinding, created->guid, *metadata));
  recordEvent(api, call, "audit.service_binding.create",
              {"service_binding", created->guid, created->name}, app->space_guid,
              {{"request", redactRequest(*body)}});
  tellBindingsChanged(api, {app->guid});
  return jsonReply(201, presentBinding(api, *created));
}

// Filters: app_guids, service_instance_guids, service_instance_names, app_names, names, type.
Reply listServiceBindings(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kOrder,
                          {"app_guids", "service_instance_guids", "service_instance_names",
                           "app_names", "names", "guids", "type", "include"});
  if (!q.ok()) return q.takeError();
  auto all = api.store.listServiceBindings("", "");
  if (!all.ok()) return all.takeError();
  auto keys = api.store.listServiceKeys("");
  if (!keys.ok()) return keys.takeError();
  all->insert(all->end(), keys->begin(), keys->end());
  std::vector<json> out;
  for (const auto& b : *all) {
    if (!q->matches("app_guids", b.app_guid) || !q->matches("service_instance_guids", b.instance_guid) ||
        !q->matches("names", b.name) || !q->matches("guids", b.guid) || !q->matches("type", b.type))
      continue;
    auto si = api.store.getServiceInstance(b.instance_guid);
    if (!si.ok() || !api.canRead(call, si->space_guid) ||
        !q->matches("service_instance_names", si->name))
      continue;
    if (q->has("app_names") || q->has("app_guids")) {
      if (b.app_guid.empty()) continue;
      auto app = api.store.getApp(b.app_guid);
      if (!app.ok() || !q->matches("app_names", app->name)) continue;
    }
    out.push_back(presentBinding(api, b));
  }
  return jsonReply(200, paginate(api, "/v3/service_credential_bindings", *q, std::move(out)));
}

Reply getServiceBinding(Api& api, const Call& call) {
  auto b = findBinding(api, call, Action::kRead);
  if (!b.ok()) return b.takeError();
  return jsonReply(200, presentBinding(api, *b));
}

void getServiceInstanceParameters(Api& api, Call&& call, Done done) {
  getManagedParameters(api, std::move(call), std::move(done));
}

// {credentials, syslog_drain_url?, volume_mounts?}: what the app sees of this binding.
Reply getServiceBindingDetails(Api& api, const Call& call) {
  auto b = findBinding(api, call, Action::kReadSecrets);
  if (!b.ok()) return b.takeError();
  auto si = api.store.getServiceInstance(b->instance_guid);
  if (!si.ok()) return si.takeError();
  if (si->type == model::kManaged) {
    if (b->last_operation.state != "succeeded")
      return base::makeError(Errc::kNotFound, "Service credential binding not found: its "
                             "creation has not succeeded ({})", b->last_operation.state);
    json j = {{"credentials", b->credentials}};
    if (!b->syslog_drain_url.empty()) j["syslog_drain_url"] = b->syslog_drain_url;
    if (!b->volume_mounts.empty()) j["volume_mounts"] = b->volume_mounts;
    return jsonReply(200, j);
  }
  json j = {{"credentials", si->credentials}};
  if (!si->syslog_drain_url.empty()) j["syslog_drain_url"] = si->syslog_drain_url;
  return jsonReply(200, j);
}

Reply deleteServiceBinding(Api& api, const Call& call) {
  auto b = findBinding(api, call, Action::kWriteLifecycle);
  if (!b.ok()) return b.takeError();
  if (auto si = api.store.getServiceInstance(b->instance_guid);
      si.ok() && si->type == model::kManaged)
    return deleteManagedBinding(api, call, *b);
  MCF_TRY(api.store.deleteServiceBinding(b->guid));
  if (auto app = api.store.getApp(b->app_guid); app.ok())
    recordEvent(api, call, "audit.service_binding.delete", {"service_binding", b->guid, b->name},
                app->space_guid);
  tellBindingsChanged(api, {b->app_guid});
  return noContent();
}

}  // namespace mcf::controller
