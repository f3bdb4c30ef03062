// User-provided service instances (/v3/service_instances, type "user-provided") and their app
// credential bindings (/v3/service_credential_bindings, type "app"). Nothing here talks to a
// broker: user-provided instances answer synchronously, as Cloud Controller does for them.
#include <algorithm>
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
#include "logs/syslog_drain.h"
#include "model/service.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kOrder = {"created_at", "updated_at", "name"};

json lastOperation(const std::string& type, int64_t created_at, int64_t updated_at) {
  return {{"type", type},
          {"state", "succeeded"},
          {"description", "Operation succeeded"},
          {"created_at", base::formatTimestamp(created_at)},
          {"updated_at", base::formatTimestamp(updated_at)}};
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json presentInstance(const Api& api, const model::ServiceInstance& si) {
  std::string self = "/v3/service_instances/" + si.guid;
  return {{"guid", si.guid},
          {"created_at", base::formatTimestamp(si.created_at)},
          {"updated_at", base::formatTimestamp(si.updated_at)},
          {"name", si.name},
          {"tags", si.tags},
          {"type", si.type},
          {"syslog_drain_url", nullable(si.syslog_drain_url)},
          {"route_service_url", nullable(si.route_service_url)},
          {"last_operation", lastOperation(si.created_at == si.updated_at ? "create" : "update",
                                           si.created_at, si.updated_at)},
          {"relationships", {{"space", relationship(si.space_guid)}}},
          {"metadata", presentMetadata(api, meta::kServiceInstance, si.guid)},
          {"links", {{"self", link(api, self)},
                     {"space", link(api, "/v3/spaces/" + si.space_guid)},
                     {"credentials", link(api, self + "/credentials")},
                     {"service_credential_bindings",
                      link(api, "/v3/service_credential_bindings?service_instance_guids=" + si.guid)},
                     {"service_route_bindings",
                      link(api, "/v3/service_route_bindings?service_instance_guids=" + si.guid)}}}};
}

json presentBinding(const Api& api, const model::ServiceBinding& b) {
  std::string self = "/v3/service_credential_bindings/" + b.guid;
  return {{"guid", b.guid},
          {"created_at", base::formatTimestamp(b.created_at)},
          {"updated_at", base::formatTimestamp(b.updated_at)},
          {"name", nullable(b.name)},
          {"type", b.type},
          {"last_operation", lastOperation("create", b.created_at, b.updated_at)},
          {"relationships", {{"app", relationship(b.app_guid)},
                             {"service_instance", relationship(b.instance_guid)}}},
          {"metadata", presentMetadata(api, meta::kServiceBinding, b.guid)},
          {"links", {{"self", link(api, self)},
                     {"details", link(api, self + "/details")},
                     {"service_instance", link(api, "/v3/service_instances/" + b.instance_guid)},
                     {"app", link(api, "/v3/apps/" + b.app_guid)}}}};
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
  if (**type == "managed")
    return base::makeError(Errc::kInvalid,
                           "Managed service instances need a service broker and microcf has no "
                           "service offerings yet. Create a user-provided service instance "
                           "instead (type 'user-provided', 'microcf cups NAME -p JSON').");
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
  if (!created.ok()) {
    // CC words a taken name as a validation failure (422 CF-UnprocessableEntity).
    if (created.error().code == Errc::kConflict)
      return base::makeError(Errc::kInvalid, "{}", created.error().message);
    return created.takeError();
  }
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
  for (const auto& si : *all) {
    if (!q->matches("names", si.name) || !q->matches("space_guids", si.space_guid) ||
        !q->matches("guids", si.guid) || !q->matches("type", si.type) ||
        !api.canRead(call, si.space_guid) ||
        // User-provided instances have no plan.
        q->has("service_plan_guids") || q->has("service_plan_names"))
      continue;
    if (q->has("organization_guids")) {
      auto space = api.store.getSpace(si.space_guid);
      if (!space.ok() || !q->matches("organization_guids", space->org_guid)) continue;
    }
    out.push_back(presentInstance(api, si));
  }
  return jsonReply(200, paginate(api, "/v3/service_instances", *q, std::move(out)));
}

Reply getServiceInstance(Api& api, const Call& call) {
  auto si = findInstance(api, call, call.param("guid"), Action::kRead);
  if (!si.ok()) return si.takeError();
  return jsonReply(200, presentInstance(api, *si));
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
  if (!st.ok()) {
    if (st.error().code == Errc::kConflict)
      return base::makeError(Errc::kInvalid, "{}", st.error().message);
    return st.takeError();
  }
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
  if (!bindings->empty()) {
    std::vector<std::string> names;
    for (const auto& b : *bindings) {
      auto app = api.store.getApp(b.app_guid);
      names.push_back(app.ok() ? app->name : b.app_guid);
    }
    std::sort(names.begin(), names.end());
    return base::makeError(
        Errc::kInvalid,
        "Cannot delete service instance '{}': it is bound to {} {}. Please delete the "
        "service_bindings associations for your service_instances first ('microcf "
        "unbind-service {} {}').",
        si->name, names.size() == 1 ? "app" : "apps", base::join(names, ", "), names.front(),
        si->name);
  }
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
  if (*type && **type == "key")
    return base::makeError(Errc::kInvalid, "Service credential bindings of type 'key' are not "
                                           "supported for user-provided service instances");
  if (!*type || **type != "app")
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
  auto app = api.app(call, relationshipGuid(*body, "app"), Action::kWriteLifecycle);
  if (!app.ok()) {
    if (app.error().code != Errc::kNotFound) return app.takeError();
    return base::makeError(Errc::kInvalid, "The app could not be found: '{}'.",
                           relationshipGuid(*body, "app"));
  }
  if (app->space_guid != si->space_guid)
    return base::makeError(Errc::kInvalid, "The service instance and the app are in different "
                                           "spaces.");
  if (auto p = body->find("parameters"); p != body->end() && !p->is_null() &&
                                          !(p->is_object() && p->empty()))
    return base::makeError(Errc::kInvalid, "Binding parameters are not supported for "
                                           "user-provided service instances");
  model::ServiceBinding b;
  b.name = name->value_or("");
  b.app_guid = app->guid;
  b.instance_guid = si->guid;
  auto metadata = metadataUpdate(api, meta::kServiceBinding, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = api.store.createServiceBinding(b);
  if (!created.ok()) {
    if (created.error().code == Errc::kConflict)
      return base::makeError(Errc::kInvalid, "{}", created.error().message);
    return created.takeError();
  }
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
  std::vector<json> out;
  for (const auto& b : *all) {
    if (!q->matches("app_guids", b.app_guid) || !q->matches("service_instance_guids", b.instance_guid) ||
        !q->matches("names", b.name) || !q->matches("guids", b.guid) || !q->matches("type", b.type))
      continue;
    auto si = api.store.getServiceInstance(b.instance_guid);
    if (!si.ok() || !api.canRead(call, si->space_guid) ||
        !q->matches("service_instance_names", si->name))
      continue;
    if (q->has("app_names")) {
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

// {credentials, syslog_drain_url?, volume_mounts?}: what the app sees of this binding.
Reply getServiceBindingDetails(Api& api, const Call& call) {
  auto b = findBinding(api, call, Action::kReadSecrets);
  if (!b.ok()) return b.takeError();
  auto si = api.store.getServiceInstance(b->instance_guid);
  if (!si.ok()) return si.takeError();
  json j = {{"credentials", si->credentials}};
  if (!si->syslog_drain_url.empty()) j["syslog_drain_url"] = si->syslog_drain_url;
  return jsonReply(200, j);
}

Reply deleteServiceBinding(Api& api, const Call& call) {
  auto b = findBinding(api, call, Action::kWriteLifecycle);
  if (!b.ok()) return b.takeError();
  MCF_TRY(api.store.deleteServiceBinding(b->guid));
  if (auto app = api.store.getApp(b->app_guid); app.ok())
    recordEvent(api, call, "audit.service_binding.delete", {"service_binding", b->guid, b->name},
                app->space_guid);
  tellBindingsChanged(api, {b->app_guid});
  return noContent();
}

}  // namespace mcf::controller
