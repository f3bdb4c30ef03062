// Managed service instances, bindings and keys: validation here, the broker work in
// service_operations.cpp, each behind an API job (CF-CONTRACT §7).
#include "controller/managed_services.h"

#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/quotas.h"
#include "controller/service_catalog.h"
#include "controller/service_operations.h"
#include "services/osb_client.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

base::Result<json> readParameters(const json& body) {
  auto p = body.find("parameters");
  if (p == body.end() || p->is_null()) return json::object();
  if (!p->is_object()) return base::makeError(Errc::kInvalid, "Parameters must be an object");
  return *p;
}

base::Result<std::vector<std::string>> readTags(const json& body, std::vector<std::string> tags) {
  auto t = body.find("tags");
  if (t == body.end()) return tags;
  tags.clear();
  if (t->is_null()) return tags;
  if (!t->is_array()) return base::makeError(Errc::kInvalid, "Tags must be a list of strings");
  for (const auto& x : *t) {
    if (!x.is_string()) return base::makeError(Errc::kInvalid, "Tags must be a list of strings");
    tags.push_back(x.get<std::string>());
  }
  return tags;
}

std::string userOf(const Call& call) {
  return call.claims && !call.claims->client ? call.claims->user_id : "";
}

base::Result<model::ServicePlan> visiblePlan(Api& api, const Call& call, const std::string& guid,
                                             const std::string& org_guid) {
  auto plan = api.store.getServicePlan(guid);
  if (!plan.ok() || !plan->available || !planVisible(api, call, *plan, org_guid))
    return base::makeError(Errc::kInvalid, "Invalid service plan. Ensure that the service plan "
                           "exists, is available, and you have access to it.");
  return plan;
}

void startingOperation(model::LastOperation& op, const char* type) {
  op = model::LastOperation{};
  op.type = type;
  op.state = "in progress";
}

}  // namespace

base::Status refuseWhileInProgress(const model::ServiceInstance& si) {
  if (si.last_operation.state != "in progress") return {};
  return base::makeError(Errc::kInvalid, "An operation for service instance {} is in progress. "
                         "Wait for it to finish (microcf service {}) and try again.",
                         si.name, si.name);
}

Reply createManagedInstance(Api& api, const Call& call, const json& body) {
  auto name = optString(body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (!*name || (*name)->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  MCF_TRY(checkName(**name));
  auto space = api.space(call, relationshipGuid(body, "space"), Action::kWriteDev);
  if (!space.ok()) {
    if (space.error().code != Errc::kNotFound) return space.takeError();
    return base::makeError(Errc::kInvalid, "Invalid space. Ensure that the space exists and you "
                                           "have access to it.");
  }
  if (relationshipGuid(body, "service_plan").empty())
    return base::makeError(Errc::kInvalid, "Relationships Service plan can't be blank");
  auto plan = visiblePlan(api, call, relationshipGuid(body, "service_plan"), space->org_guid);
  if (!plan.ok()) return plan.takeError();
  auto parameters = readParameters(body);
  if (!parameters.ok()) return parameters.takeError();
  auto tags = readTags(body, {});
  if (!tags.ok()) return tags.takeError();
  for (const char* upsi_only : {"credentials", "syslog_drain_url", "route_service_url"})
    if (body.contains(upsi_only))
      return base::makeError(Errc::kInvalid, "Unknown field(s): '{}' (only user-provided "
                             "service instances have it)", upsi_only);
  MCF_TRY(checkServiceInstanceQuota(api, space->guid));
  model::ServiceInstance si;
  si.type = model::kManaged;
  si.name = **name;
  si.space_guid = space->guid;
  si.tags = std::move(*tags);
  si.plan_guid = plan->guid;
  startingOperation(si.last_operation, "create");
  auto ctx = [&]() -> base::Result<ServiceContext> {
    model::ServiceInstance probe = si;
    return api.service_ops->contextOf(probe);
  }();
  if (!ctx.ok()) return ctx.takeError();
  auto metadata = metadataUpdate(api, meta::kServiceInstance, "", body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = api.store.createServiceInstance(si);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kServiceInstance, created->guid, *metadata));
  recordEvent(api, call, "audit.service_instance.create",
              {"service_instance", created->guid, created->name}, created->space_guid,
              {{"request", {{"name", created->name}, {"service_plan_guid", plan->guid}}}});
  ctx->user_guid = userOf(call);
  ctx->job_guid = api.jobs.start("service_instance.create",
                                 "/v3/service_instances/" + created->guid, api.nowSeconds());
  std::string job = ctx->job_guid;
  api.service_ops->provision(*created, std::move(*ctx), std::move(*parameters));
  return accepted(api, job);
}

Reply updateManagedInstance(Api& api, const Call& call, model::ServiceInstance si,
                            const json& body) {
  MCF_TRY(checkFields(body, {"name", "tags", "parameters", "metadata", "relationships",
                             "maintenance_info"},
                      {"service_plan"}));
  MCF_TRY(refuseWhileInProgress(si));
  auto name = optString(body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (*name) {
    if ((*name)->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
    MCF_TRY(checkName(**name));
    si.name = **name;
  }
  auto tags = readTags(body, si.tags);
  if (!tags.ok()) return tags.takeError();
  si.tags = std::move(*tags);
  auto parameters = readParameters(body);
  if (!parameters.ok()) return parameters.takeError();
  auto ctx = api.service_ops->contextOf(si);
  if (!ctx.ok()) return ctx.takeError();
  model::ServicePlan previous = ctx->plan;
  std::string plan_guid = relationshipGuid(body, "service_plan");
  bool new_plan = !plan_guid.empty() && plan_guid != si.plan_guid;
  if (new_plan) {
    auto space = api.store.getSpace(si.space_guid);
    if (!space.ok()) return space.takeError();
    auto plan = visiblePlan(api, call, plan_guid, space->org_guid);
    if (!plan.ok()) return plan.takeError();
    if (plan->offering_guid != previous.offering_guid)
      return base::makeError(Errc::kInvalid, "The service plan must belong to the instance's "
                             "service offering ('{}').", ctx->offering.name);
    if (!previous.plan_updateable.value_or(ctx->offering.plan_updateable))
      return base::makeError(Errc::kInvalid, "The service does not support changing plans.");
    ctx->plan = *plan;
  }
  bool via_broker = new_plan || !parameters->empty();
  auto metadata = metadataUpdate(api, meta::kServiceInstance, si.guid, body);
  if (!metadata.ok()) return metadata.takeError();
  if (via_broker) {
    startingOperation(si.last_operation, "update");
    if (new_plan) si.pending_plan_guid = ctx->plan.guid;
  }
  auto st = api.store.updateServiceInstance(si);
  MCF_TRY(uniqueAsInvalid(std::move(st)));
  MCF_TRY(saveMetadata(api, meta::kServiceInstance, si.guid, *metadata));
  recordEvent(api, call, "audit.service_instance.update", {"service_instance", si.guid, si.name},
              si.space_guid, {{"request", {{"name", si.name}}}});
  auto now = api.store.getServiceInstance(si.guid);
  if (!now.ok()) return now.takeError();
  if (!via_broker) return jsonReply(200, presentServiceInstance(api, *now));
  ctx->user_guid = userOf(call);
  ctx->job_guid = api.jobs.start("service_instance.update", "/v3/service_instances/" + si.guid,
                                 api.nowSeconds());
  std::string job = ctx->job_guid;
  api.service_ops->update(*now, std::move(*ctx), previous, std::move(*parameters));
  return accepted(api, job);
}

Reply deleteManagedInstance(Api& api, const Call& call, model::ServiceInstance si) {
  // A delete may follow a failed or stuck one; only a running operation stands in the way.
  if (si.last_operation.state == "in progress" && si.last_operation.type != "create")
    MCF_TRY(refuseWhileInProgress(si));
  auto ctx = api.service_ops->contextOf(si);
  if (!ctx.ok()) return ctx.takeError();
  startingOperation(si.last_operation, "delete");
  MCF_TRY(api.store.updateServiceInstance(si));
  recordEvent(api, call, "audit.service_instance.delete", {"service_instance", si.guid, si.name},
              si.space_guid);
  ctx->user_guid = userOf(call);
  ctx->job_guid = api.jobs.start("service_instance.delete", "", api.nowSeconds());
  std::string job = ctx->job_guid;
  api.service_ops->deprovision(si, std::move(*ctx));
  return accepted(api, job);
}

Reply createManagedBinding(Api& api, const Call& call, const json& body,
                           const model::ServiceInstance& si, model::ServiceBinding b) {
  if (si.last_operation.state != "succeeded" && !(si.last_operation.type == "update" &&
                                                  si.last_operation.state != "in progress"))
    return base::makeError(Errc::kInvalid, "The service instance '{}' is not ready: its last "
                           "operation ({}) is {}. Wait for it (microcf service {}) or create it "
                           "again.", si.name, si.last_operation.type, si.last_operation.state,
                           si.name);
  auto ctx = api.service_ops->contextOf(si);
  if (!ctx.ok()) return ctx.takeError();
  if (!ctx->plan.bindable.value_or(ctx->offering.bindable))
    return base::makeError(Errc::kInvalid, "Service plan does not allow bindings.");
  auto parameters = readParameters(body);
  if (!parameters.ok()) return parameters.takeError();
  if (b.type == "key") {
    if (b.name.empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
    MCF_TRY(api.authorize(call, Action::kWriteDev, si.space_guid, "Service instance"));
  }
  startingOperation(b.last_operation, "create");
  auto metadata = metadataUpdate(api, meta::kServiceBinding, "", body);
  if (!metadata.ok()) return metadata.takeError();
  auto created = api.store.createServiceBinding(b);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kServiceBinding, created->guid, *metadata));
  recordEvent(api, call, b.type == "key" ? "audit.service_key.create" : "audit.service_binding.create",
              {b.type == "key" ? "service_key" : "service_binding", created->guid, created->name},
              si.space_guid);
  ctx->user_guid = userOf(call);
  ctx->job_guid = api.jobs.start(b.type == "key" ? "service_keys.create" : "service_bindings.create",
                                 "/v3/service_credential_bindings/" + created->guid,
                                 api.nowSeconds());
  std::string job = ctx->job_guid;
  api.service_ops->bind(*created, si, std::move(*ctx), std::move(*parameters));
  return accepted(api, job);
}

Reply deleteManagedBinding(Api& api, const Call& call, model::ServiceBinding b) {
  auto si = api.store.getServiceInstance(b.instance_guid);
  if (!si.ok()) return si.takeError();
  if (b.last_operation.state == "in progress")
    return base::makeError(Errc::kInvalid, "An operation for the service binding is in progress. "
                           "Wait for it to finish and try again.");
  auto ctx = api.service_ops->contextOf(*si);
  if (!ctx.ok()) return ctx.takeError();
  startingOperation(b.last_operation, "delete");
  MCF_TRY(api.store.updateServiceBinding(b));
  recordEvent(api, call, b.type == "key" ? "audit.service_key.delete" : "audit.service_binding.delete",
              {b.type == "key" ? "service_key" : "service_binding", b.guid, b.name}, si->space_guid);
  ctx->user_guid = userOf(call);
  ctx->job_guid = api.jobs.start(b.type == "key" ? "service_keys.delete" : "service_bindings.delete",
                                 "", api.nowSeconds());
  std::string job = ctx->job_guid;
  api.service_ops->unbind(b, *si, std::move(*ctx));
  return accepted(api, job);
}

void getManagedParameters(Api& api, Call&& call, std::function<void(Reply)> done) {
  auto si = api.store.getServiceInstance(call.param("guid"));
  if (!si.ok()) return done(si.takeError());
  if (auto st = api.authorize(call, Action::kReadSecrets, si->space_guid, "Service instance"); !st.ok())
    return done(st.takeError());
  if (si->type != model::kManaged)
    return done(base::makeError(Errc::kInvalid, "This service instance is user-provided: it has "
                                "credentials, not parameters."));
  auto ctx = api.service_ops->contextOf(*si);
  if (!ctx.ok()) return done(ctx.takeError());
  if (!ctx->offering.instances_retrievable)
    return done(base::makeError(Errc::kInvalid, "This service does not support fetching service "
                                "instance parameters."));
  services::OsbRequest req;
  req.path = "/v2/service_instances/" + si->guid;
  req.query = {{"service_id", ctx->offering.catalog_id}, {"plan_id", ctx->plan.catalog_id}};
  std::weak_ptr<int> alive = api.alive;
  api.config.osb->send(ctx->broker, std::move(req),
                       [alive, done](base::Result<services::OsbResponse> r) {
    if (alive.expired()) return;
    if (!r.ok()) return done(base::makeError(Errc::kUnavailable, "{}", r.error().message));
    if (r->status != 200 || !r->body.is_object())
      return done(base::makeError(Errc::kUnavailable, "The service broker answered {} when asked "
                                  "for the instance's parameters", r->status));
    done(jsonReply(200, r->body.value("parameters", json::object())));
  });
}

}  // namespace mcf::controller
