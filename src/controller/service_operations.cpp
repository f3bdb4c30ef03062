// Managed service operations: OSB requests, their answers, polling and orphan mitigation.
#include "controller/service_operations.h"

#include <algorithm>
#include <cstdlib>

#include "base/log.h"
#include "controller/api.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;
using nlohmann::json;

namespace {

constexpr int64_t kDefaultMaxPollingSeconds = 7 * 24 * 3600;  // Cloud Controller's week
constexpr int kMitigationAttempts = 3;

uint64_t envMs(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return end && *end == '\0' && n > 0 ? n : fallback;
}

std::string truncated(const std::string& s) {
  return s.size() <= 200 ? s : s.substr(0, 200) + "...";
}

}  // namespace

struct ServiceOperations::Op {
  enum Kind { kProvision, kUpdate, kDeprovision, kBind, kUnbind } kind;
  model::ServiceInstance si;
  model::ServiceBinding binding;  // bind and unbind
  ServiceContext ctx;
  std::string previous_plan_id;  // update
  json parameters;
  bool detached = false;  // release(): the rows are gone, nothing is written back
  bool binding_op() const { return kind == kBind || kind == kUnbind; }
  const std::string& guid() const { return binding_op() ? binding.guid : si.guid; }
  model::LastOperation& last() { return binding_op() ? binding.last_operation : si.last_operation; }
  std::string instancePath() const { return "/v2/service_instances/" + si.guid; }
  std::string bindingPath() const { return instancePath() + "/service_bindings/" + binding.guid; }
  std::string path() const { return binding_op() ? bindingPath() : instancePath(); }
  const char* verb() const {
    switch (kind) {
      case kProvision: return "create";
      case kUpdate: return "update";
      case kDeprovision: return "delete";
      case kBind: return "bind";
      case kUnbind: return "unbind";
    }
    return "";
  }
};

ServiceOperations::ServiceOperations(Api& api)
    : api_(api), poll_ms_(envMs("MICROCF_BROKER_POLL_MS", 5000)) {}

ServiceOperations::~ServiceOperations() { *alive_ = false; }

base::Result<ServiceContext> ServiceOperations::contextOf(const model::ServiceInstance& si) {
  ServiceContext ctx;
  auto plan = api_.store.getServicePlan(si.plan_guid);
  if (!plan.ok()) return plan.takeError();
  auto offering = api_.store.getServiceOffering(plan->offering_guid);
  if (!offering.ok()) return offering.takeError();
  auto broker = api_.store.getServiceBroker(offering->broker_guid);
  if (!broker.ok()) return broker.takeError();
  ctx.plan = std::move(*plan);
  ctx.offering = std::move(*offering);
  ctx.broker = std::move(*broker);
  return ctx;
}

namespace {

// Cloud Foundry's context object for the broker (OSB "context").
json brokerContext(Api& api, const model::ServiceInstance& si) {
  json c = {{"platform", "cloudfoundry"}, {"space_guid", si.space_guid},
            {"instance_name", si.name}};
  if (auto space = api.store.getSpace(si.space_guid); space.ok()) {
    c["space_name"] = space->name;
    c["organization_guid"] = space->org_guid;
    if (auto org = api.store.getOrg(space->org_guid); org.ok()) c["organization_name"] = org->name;
  }
  return c;
}

}  // namespace

void ServiceOperations::provision(const model::ServiceInstance& si, ServiceContext ctx,
                                  json parameters) {
  auto op = std::make_shared<Op>(Op{Op::kProvision, si, {}, std::move(ctx), "", std::move(parameters)});
  send(op);
}

void ServiceOperations::update(const model::ServiceInstance& si, ServiceContext ctx,
                               const model::ServicePlan& previous_plan, json parameters) {
  auto op = std::make_shared<Op>(
      Op{Op::kUpdate, si, {}, std::move(ctx), previous_plan.catalog_id, std::move(parameters)});
  send(op);
}

void ServiceOperations::deprovision(const model::ServiceInstance& si, ServiceContext ctx) {
  send(std::make_shared<Op>(Op{Op::kDeprovision, si, {}, std::move(ctx), "", nullptr}));
}

void ServiceOperations::bind(const model::ServiceBinding& b, const model::ServiceInstance& si,
                             ServiceContext ctx, json parameters) {
  send(std::make_shared<Op>(Op{Op::kBind, si, b, std::move(ctx), "", std::move(parameters)}));
}

void ServiceOperations::unbind(const model::ServiceBinding& b, const model::ServiceInstance& si,
                               ServiceContext ctx) {
  send(std::make_shared<Op>(Op{Op::kUnbind, si, b, std::move(ctx), "", nullptr}));
}

void ServiceOperations::release(const model::ServiceBinding& b, const model::ServiceInstance& si) {
  if (si.type != model::kManaged) return;
  auto ctx = contextOf(si);
  if (!ctx.ok()) return;
  auto op = std::make_shared<Op>(Op{Op::kUnbind, si, b, std::move(*ctx), "", nullptr});
  op->detached = true;
  send(op);
}

void ServiceOperations::release(const model::ServiceInstance& si) {
  if (si.type != model::kManaged) return;
  auto ctx = contextOf(si);
  if (!ctx.ok()) return;
  auto op = std::make_shared<Op>(Op{Op::kDeprovision, si, {}, std::move(*ctx), "", nullptr});
  op->detached = true;
  send(op);
}

void ServiceOperations::send(std::shared_ptr<Op> op) {
  if (!api_.config.osb) return fail(op, "microcf has no service broker client", false);
  services::OsbRequest req;
  req.path = op->path();
  req.user_guid = op->ctx.user_guid;
  const std::string& service_id = op->ctx.offering.catalog_id;
  const std::string& plan_id = op->ctx.plan.catalog_id;
  json context = brokerContext(api_, op->si);
  bool has_params = op->parameters.is_object() && !op->parameters.empty();
  switch (op->kind) {
    case Op::kProvision:
      req.method = "PUT";
      req.body = {{"service_id", service_id},
                  {"plan_id", plan_id},
                  {"organization_guid", context.value("organization_guid", "")},
                  {"space_guid", op->si.space_guid},
                  {"context", context}};
      if (!op->ctx.plan.maintenance_info.empty())
        req.body["maintenance_info"] = op->ctx.plan.maintenance_info;
      break;
    case Op::kUpdate:
      req.method = "PATCH";
      req.body = {{"service_id", service_id},
                  {"plan_id", plan_id},
                  {"context", context},
                  {"previous_values", {{"plan_id", op->previous_plan_id},
                                       {"service_id", service_id},
                                       {"organization_id", context.value("organization_guid", "")},
                                       {"space_id", op->si.space_guid}}}};
      break;
    case Op::kBind:
      req.method = "PUT";
      req.body = {{"service_id", service_id}, {"plan_id", plan_id}, {"context", context}};
      if (op->binding.type == "app") {
        req.body["app_guid"] = op->binding.app_guid;
        req.body["bind_resource"] = {{"app_guid", op->binding.app_guid}};
      } else {
        req.body["bind_resource"] = json::object();
      }
      break;
    case Op::kDeprovision:
    case Op::kUnbind:
      req.method = "DELETE";
      req.query = {{"service_id", service_id}, {"plan_id", plan_id}};
      break;
  }
  if (has_params && req.body.is_object()) req.body["parameters"] = op->parameters;
  req.query.push_back({"accepts_incomplete", "true"});
  MCF_INFO("services", "{} {} at broker {}", op->verb(), op->guid(), op->ctx.broker.name);
  auto alive = alive_;
  api_.config.osb->send(op->ctx.broker, std::move(req),
                        [this, alive, op](base::Result<services::OsbResponse> r) {
                          if (*alive) answered(op, std::move(r));
                        });
}

void ServiceOperations::answered(std::shared_ptr<Op> op, base::Result<services::OsbResponse> r) {
  bool creates = op->kind == Op::kProvision || op->kind == Op::kBind;
  if (!r.ok()) return fail(op, r.error().message, creates && r.error().code == Errc::kIo);
  const services::OsbResponse& a = *r;
  std::string broker_words = a.description().empty() ? a.error() : a.description();
  std::string said = broker_words.empty() ? "" : ": " + broker_words;
  if (op->kind == Op::kDeprovision || op->kind == Op::kUnbind) {
    if (a.status == 200 || a.status == 410) return succeed(op, json::object());
  } else if (a.status == 200 || a.status == 201) {
    if (!a.body_is_json || !a.body.is_object())
      return fail(op, "The service broker returned an invalid response: status " +
                          std::to_string(a.status) + " with a body that is not a JSON object (" +
                          truncated(a.raw) + ")", creates);
    return succeed(op, a.body);
  }
  if (a.status == 202) {
    if (a.body_is_json && !a.body.is_object())
      return fail(op, "The service broker returned an invalid response: status 202 with a body "
                      "that is not a JSON object", creates);
    model::LastOperation& last = op->last();
    last.broker_operation = a.body_is_json && a.body.contains("operation") &&
                                    a.body["operation"].is_string()
                                ? a.body["operation"].get<std::string>()
                                : "";
    last.started_at = api_.nowSeconds();
    if (op->kind == Op::kProvision && a.body_is_json && a.body.contains("dashboard_url") &&
        a.body["dashboard_url"].is_string())
      op->si.dashboard_url = a.body["dashboard_url"];
    save(*op);
    return schedulePoll(op, a.retry_after_s);
  }
  if (a.status >= 500)
    return fail(op, "Service broker error: the broker answered " + std::to_string(a.status) + said,
                creates);
  if (a.status == 409)
    return fail(op, "Service broker error: the broker reports a conflict (409)" + said, false);
  if (a.status == 400 || a.status == 422 || a.status == 403 || a.status == 401)
    return fail(op, "Service broker error" + (said.empty() ? " (status " + std::to_string(a.status) + ")" : said),
                false);
  fail(op, "The service broker returned an unexpected status " + std::to_string(a.status) + said,
       false);
}

void ServiceOperations::schedulePoll(std::shared_ptr<Op> op, int retry_after_s) {
  uint64_t delay = poll_ms_;
  if (retry_after_s >= 0) delay = std::max<uint64_t>(delay, uint64_t(retry_after_s) * 1000);
  auto& timer = timers_[op->guid()];
  if (!timer) timer = std::make_unique<loop::Timer>(api_.loop);
  timer->start(delay, 0, [this, op] { poll(op); });
}

void ServiceOperations::poll(std::shared_ptr<Op> op) {
  int64_t limit = op->ctx.plan.maximum_polling_duration > 0 ? op->ctx.plan.maximum_polling_duration
                                                           : kDefaultMaxPollingSeconds;
  if (api_.nowSeconds() - op->last().started_at > limit)
    return fail(op, "The service broker did not finish the operation within " +
                        std::to_string(limit) + " seconds (the plan's maximum polling duration)",
                false);
  services::OsbRequest req;
  req.path = op->path() + "/last_operation";
  req.query = {{"service_id", op->ctx.offering.catalog_id}, {"plan_id", op->ctx.plan.catalog_id}};
  if (!op->last().broker_operation.empty())
    req.query.push_back({"operation", op->last().broker_operation});
  auto alive = alive_;
  api_.config.osb->send(op->ctx.broker, std::move(req),
                        [this, alive, op](base::Result<services::OsbResponse> r) {
    if (!*alive) return;
    bool gone_ok = op->kind == Op::kDeprovision || op->kind == Op::kUnbind;
    if (r.ok() && r->status == 410) {
      if (gone_ok) return succeed(op, json::object());
      return fail(op, "The service broker no longer knows this " +
                          std::string(op->binding_op() ? "binding" : "service instance"),
                  false);
    }
    if (!r.ok() || r->status != 200 || !r->body.is_object() || !r->body.contains("state") ||
        !r->body["state"].is_string()) {
      // Brokers have bad moments; Cloud Controller keeps polling until the limit.
      MCF_WARN("services", "polling {} at broker {}: {}", op->guid(), op->ctx.broker.name,
               r.ok() ? "status " + std::to_string(r->status) : r.error().message);
      return schedulePoll(op, r.ok() ? r->retry_after_s : -1);
    }
    std::string state = r->body["state"];
    std::string description = r->body.value("description", "");
    if (state == "succeeded") {
      if (op->kind == Op::kBind) return fetchBinding(op);
      return succeed(op, json::object());
    }
    if (state == "failed")
      return fail(op, description.empty() ? "The service broker reports that the operation failed"
                                          : "Service broker error: " + description,
                  false);
    if (!description.empty() && description != op->last().description) {
      op->last().description = description;
      save(*op);
    }
    schedulePoll(op, r->retry_after_s);
  });
}

void ServiceOperations::fetchBinding(std::shared_ptr<Op> op) {
  services::OsbRequest req;
  req.path = op->bindingPath();
  req.query = {{"service_id", op->ctx.offering.catalog_id}, {"plan_id", op->ctx.plan.catalog_id}};
  auto alive = alive_;
  api_.config.osb->send(op->ctx.broker, std::move(req),
                        [this, alive, op](base::Result<services::OsbResponse> r) {
    if (!*alive) return;
    if (!r.ok() || r->status != 200 || !r->body.is_object())
      return fail(op, "The service broker finished the binding but did not give its credentials"
                      " (GET " + op->bindingPath() + ": " +
                      (r.ok() ? "status " + std::to_string(r->status) : r.error().message) + ")",
                  true);
    succeed(op, r->body);
  });
}

void ServiceOperations::succeed(std::shared_ptr<Op> op, const json& body) {
  timers_.erase(op->guid());
  model::LastOperation& last = op->last();
  last.state = "succeeded";
  last.description.clear();
  last.broker_operation.clear();
  std::vector<base::Error> none;
  switch (op->kind) {
    case Op::kProvision:
    case Op::kUpdate:
      if (body.contains("dashboard_url") && body["dashboard_url"].is_string())
        op->si.dashboard_url = body["dashboard_url"];
      if (op->kind == Op::kUpdate) {
        op->si.plan_guid = op->ctx.plan.guid;
        op->si.pending_plan_guid.clear();
      }
      save(*op);
      break;
    case Op::kDeprovision:
      if (op->detached) break;
      if (auto st = api_.store.deleteServiceInstance(op->si.guid); !st.ok())
        MCF_WARN("services", "removing instance {}: {}", op->si.guid, st.error().message);
      break;
    case Op::kBind:
      op->binding.credentials = body.contains("credentials") && body["credentials"].is_object()
                                    ? body["credentials"]
                                    : json::object();
      op->binding.syslog_drain_url = body.value("syslog_drain_url", "");
      op->binding.volume_mounts = body.contains("volume_mounts") && body["volume_mounts"].is_array()
                                      ? body["volume_mounts"]
                                      : json::array();
      save(*op);
      break;
    case Op::kUnbind:
      if (op->detached) break;
      if (auto st = api_.store.deleteServiceBinding(op->binding.guid); !st.ok())
        MCF_WARN("services", "removing binding {}: {}", op->binding.guid, st.error().message);
      break;
  }
  if (op->binding_op() && !op->binding.app_guid.empty() && api_.config.bindings_changed)
    api_.config.bindings_changed(op->binding.app_guid);
  MCF_INFO("services", "{} {} succeeded", op->verb(), op->guid());
  if (!op->ctx.job_guid.empty()) api_.jobs.finish(op->ctx.job_guid, api_.nowSeconds());
}

void ServiceOperations::fail(std::shared_ptr<Op> op, std::string why, bool mitigate) {
  timers_.erase(op->guid());
  MCF_WARN("services", "{} {} failed: {}", op->verb(), op->guid(), why);
  model::LastOperation& last = op->last();
  last.state = "failed";
  last.description = why;
  last.broker_operation.clear();
  if (op->detached) {
    // Nothing left to record: the platform deleted it already.
  } else if (op->kind == Op::kBind) {
    // The user tries again after fixing the cause; a failed binding only stands in the way.
    (void)api_.store.deleteServiceBinding(op->binding.guid);
  } else {
    if (op->kind == Op::kUpdate) op->si.pending_plan_guid.clear();
    save(*op);
  }
  if (mitigate) mitigateOrphan(op, 1);
  if (!op->ctx.job_guid.empty())
    api_.jobs.finish(op->ctx.job_guid, api_.nowSeconds(),
                     {base::makeError(Errc::kInvalid, "{}", why)});
}

// The broker may have made what it did not report: ask it to remove it (OSB orphan
// mitigation), a few times, without waiting for anyone.
void ServiceOperations::mitigateOrphan(std::shared_ptr<Op> op, int attempt) {
  services::OsbRequest req;
  req.method = "DELETE";
  req.path = op->path();
  req.query = {{"service_id", op->ctx.offering.catalog_id},
               {"plan_id", op->ctx.plan.catalog_id},
               {"accepts_incomplete", "true"}};
  MCF_INFO("services", "orphan mitigation for {} at broker {} (attempt {})", op->guid(),
           op->ctx.broker.name, attempt);
  auto alive = alive_;
  api_.config.osb->send(op->ctx.broker, std::move(req),
                        [this, alive, op, attempt](base::Result<services::OsbResponse> r) {
    if (!*alive) return;
    bool done = r.ok() && (r->status == 200 || r->status == 202 || r->status == 410);
    if (done || attempt >= kMitigationAttempts) return;
    auto& timer = timers_["mitigate:" + op->guid()];
    if (!timer) timer = std::make_unique<loop::Timer>(api_.loop);
    timer->start(poll_ms_, 0, [this, op, attempt] { mitigateOrphan(op, attempt + 1); });
  });
}

// Writes the operation's outcome over what the store has now (a rename meanwhile stays).
void ServiceOperations::save(Op& op) {
  if (op.detached) return;
  if (op.binding_op()) {
    if (auto st = api_.store.updateServiceBinding(op.binding); !st.ok())
      MCF_WARN("services", "saving binding {}: {}", op.binding.guid, st.error().message);
    return;
  }
  auto now = api_.store.getServiceInstance(op.si.guid);
  if (!now.ok()) return;
  now->last_operation = op.si.last_operation;
  now->dashboard_url = op.si.dashboard_url;
  now->plan_guid = op.si.plan_guid;
  now->pending_plan_guid = op.si.pending_plan_guid;
  if (auto st = api_.store.updateServiceInstance(*now); !st.ok())
    MCF_WARN("services", "saving instance {}: {}", op.si.guid, st.error().message);
}

void ServiceOperations::resume() {
  auto restart = [this](std::shared_ptr<Op> op) {
    // Accepted by the broker (202): poll; sent but unanswered when microcf stopped: send again
    // (OSB's requests are idempotent: the same provision answers 200 or 202).
    if (op->last().started_at > 0) schedulePoll(op, -1);
    else send(op);
  };
  if (auto list = api_.store.listServiceInstancesInProgress(); list.ok()) {
    for (auto& si : *list) {
      auto ctx = contextOf(si);
      if (!ctx.ok()) continue;
      Op::Kind kind = si.last_operation.type == "delete"   ? Op::kDeprovision
                      : si.last_operation.type == "update" ? Op::kUpdate
                                                           : Op::kProvision;
      std::string previous;
      if (kind == Op::kUpdate) {
        previous = ctx->plan.catalog_id;
        if (auto next = api_.store.getServicePlan(si.pending_plan_guid); next.ok())
          ctx->plan = std::move(*next);
      }
      MCF_INFO("services", "resuming {} of service instance {}", si.last_operation.type, si.name);
      restart(std::make_shared<Op>(Op{kind, si, {}, std::move(*ctx), previous, nullptr}));
    }
  }
  if (auto list = api_.store.listServiceBindingsInProgress(); list.ok()) {
    for (auto& b : *list) {
      auto si = api_.store.getServiceInstance(b.instance_guid);
      if (!si.ok()) continue;
      auto ctx = contextOf(*si);
      if (!ctx.ok()) continue;
      Op::Kind kind = b.last_operation.type == "delete" ? Op::kUnbind : Op::kBind;
      restart(std::make_shared<Op>(Op{kind, *si, b, std::move(*ctx), "", nullptr}));
    }
  }
}

}  // namespace mcf::controller
