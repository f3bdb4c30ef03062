// Processes: list, show, update (command, health check), scale, stats, sidecars.
#include <cstdint>
#include <map>
#include <string_view>
#include <tuple>

#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// The command is hidden from callers who may not read secrets, as Cloud Controller does.
json present(Api& api, const Call& call, const model::Process& p, const model::App& app) {
  json j = presentProcess(api, p, app, detectedCommand(api, app, p.type));
  if (!j["command"].is_null() &&
      !api.authorize(call, Action::kReadSecrets, app.space_guid, "Process").ok())
    j["command"] = "[PRIVATE DATA HIDDEN]";
  return j;
}

// The process of an app by type ("web"), authorized as the app.
base::Result<model::Process> byType(Api& api, const Call& call, Action action, model::App& app) {
  auto found = api.app(call, call.param("guid"), action);
  if (!found.ok()) return found.takeError();
  app = *found;
  auto processes = api.store.listProcesses(app.guid);
  if (!processes.ok()) return processes.takeError();
  for (auto& p : *processes)
    if (p.type == call.param("type")) return p;
  return base::makeError(Errc::kNotFound, "Process not found");
}

base::Result<int64_t> atLeast(const json& body, const char* key, const char* label, int64_t min,
                              int64_t current) {
  auto v = optInt(body, key, label);
  if (!v.ok()) return v.takeError();
  if (!*v) return current;
  if (**v < min) return base::makeError(Errc::kInvalid, "{} must be greater than or equal to {}",
                                        label, min);
  if (**v > INT32_MAX) return base::makeError(Errc::kInvalid, "{} is too large", label);
  return **v;
}

Reply scale(Api& api, const Call& call, model::Process p, const model::App& app) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"instances", "memory_in_mb", "disk_in_mb",
                             "log_rate_limit_in_bytes_per_second"}));
  auto instances = atLeast(*body, "instances", "Instances", 0, p.instances);
  auto memory = atLeast(*body, "memory_in_mb", "Memory in mb", 1, p.memory_in_mb);
  auto disk = atLeast(*body, "disk_in_mb", "Disk in mb", 1, p.disk_in_mb);
  auto log_rate = atLeast(*body, "log_rate_limit_in_bytes_per_second",
                          "Log rate limit in bytes per second", -1,
                          p.log_rate_limit_in_bytes_per_second);
  for (auto* r : {&instances, &memory, &disk, &log_rate})
    if (!r->ok()) return r->takeError();
  p.instances = static_cast<int>(*instances);
  p.memory_in_mb = static_cast<int>(*memory);
  p.disk_in_mb = static_cast<int>(*disk);
  p.log_rate_limit_in_bytes_per_second = *log_rate;
  if (app.state == model::AppState::kStarted) {
    auto processes = api.store.listProcesses(app.guid);
    if (!processes.ok()) return processes.takeError();
    for (auto& other : *processes)
      if (other.guid == p.guid) other = p;
    MCF_TRY(checkMemory(api, app, *processes));
  }
  MCF_TRY(api.store.updateProcess(p));
  api.runtime.desiredChanged(app.guid);
  recordAppEvent(api, call, "audit.app.process.scale", app,
                 {{"process_guid", p.guid},
                  {"process_type", p.type},
                  {"request", {{"instances", p.instances},
                               {"memory_in_mb", p.memory_in_mb},
                               {"disk_in_mb", p.disk_in_mb}}}});
  auto updated = api.store.getProcess(p.guid);
  if (!updated.ok()) return updated.takeError();
  return jsonReply(202, present(api, call, *updated, app));
}

// health_check, or readiness_health_check (which has no start timeout) when readiness.
base::Status readHealthCheck(const json& hc, model::HealthCheck& out, bool readiness = false) {
  const char* what = readiness ? "Readiness health check" : "Health check";
  if (!hc.is_object()) return base::makeError(Errc::kInvalid, "{} must be an object", what);
  auto type = optString(hc, "type", "Health check type");
  if (!type.ok()) return type.takeError();
  if (*type) {
    std::string t = **type == "none" ? "process" : **type;
    if (t != "port" && t != "process" && t != "http")
      return base::makeError(Errc::kInvalid, "{} type must be port, process or http", what);
    out.type = t;
  }
  auto data = hc.find("data");
  json d = data != hc.end() && data->is_object() ? *data : json::object();
  for (auto [key, field, label] :
       {std::tuple{"timeout", &out.timeout, "Health check timeout"},
        std::tuple{"invocation_timeout", &out.invocation_timeout,
                   "Health check invocation timeout"},
        std::tuple{"interval", &out.interval, "Health check interval"}}) {
    if (!d.contains(key) || (readiness && std::string_view(key) == "timeout")) continue;
    auto v = optInt(d, key, label);
    if (!v.ok()) return v.takeError();
    if (*v && (**v < 1 || **v > 180))
      return base::makeError(Errc::kInvalid, "{} must be between 1 and 180 seconds", label);
    *field = *v ? std::optional<int>(static_cast<int>(**v)) : std::nullopt;
  }
  auto endpoint = optString(d, "endpoint", "Health check endpoint");
  if (!endpoint.ok()) return endpoint.takeError();
  if (*endpoint && out.type != "http") {
    return base::makeError(Errc::kInvalid, "Health check type must be 'http' to set a health "
                                           "check HTTP endpoint");
  }
  if (*endpoint) out.endpoint = **endpoint;
  if (out.type != "http") out.endpoint.clear();
  // push_back, not = "/": GCC 12 reports a false -Wrestrict for the assignment here.
  else if (out.endpoint.empty()) out.endpoint.push_back('/');
  return {};
}

Reply stats(Api& api, const model::Process& p) {
  json resources = json::array();
  for (const auto& status : api.runtime.instances(p.guid))
    resources.push_back(presentInstance(api, p, status));
  return jsonReply(200, {{"resources", resources}});
}

}  // namespace

Reply listProcesses(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"},
                          {"app_guids", "types", "guids", "space_guids", "organization_guids"});
  if (!q.ok()) return q.takeError();
  auto processes = api.store.listProcesses("");
  if (!processes.ok()) return processes.takeError();
  std::map<std::string, std::optional<model::App>> apps;  // by guid, looked up once
  std::vector<json> out;
  for (const auto& p : *processes) {
    if (!q->matches("app_guids", p.app_guid) || !q->matches("types", p.type) ||
        !q->matches("guids", p.guid)) {
      continue;
    }
    auto& app = apps[p.app_guid];
    if (!app) {
      auto found = api.store.getApp(p.app_guid);
      if (!found.ok()) continue;
      app = *found;
    }
    if (!q->matches("space_guids", app->space_guid) || !api.canRead(call, app->space_guid))
      continue;
    if (q->has("organization_guids")) {
      auto space = api.store.getSpace(app->space_guid);
      if (!space.ok() || !q->matches("organization_guids", space->org_guid)) continue;
    }
    out.push_back(present(api, call, p, *app));
  }
  return jsonReply(200, paginate(api, "/v3/processes", *q, std::move(out)));
}

Reply getProcess(Api& api, const Call& call) {
  model::App app;
  auto p = api.process(call, call.param("guid"), Action::kRead, &app);
  if (!p.ok()) return p.takeError();
  return jsonReply(200, present(api, call, *p, app));
}

Reply updateProcess(Api& api, const Call& call) {
  model::App app;
  auto p = api.process(call, call.param("guid"), Action::kWriteLifecycle, &app);
  if (!p.ok()) return p.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"command", "health_check", "readiness_health_check", "metadata"}));
  if (auto cmd = body->find("command"); cmd != body->end()) {
    if (cmd->is_null()) {
      p->command.reset();
    } else if (!cmd->is_string() || cmd->get<std::string>().empty() ||
               cmd->get<std::string>().size() > 4096) {
      return base::makeError(Errc::kInvalid, "Command must be between 1 and 4096 characters");
    } else {
      p->command = cmd->get<std::string>();
    }
  }
  if (auto hc = body->find("health_check"); hc != body->end())
    MCF_TRY(readHealthCheck(*hc, p->health_check));
  if (auto rc = body->find("readiness_health_check"); rc != body->end())
    MCF_TRY(readHealthCheck(*rc, p->readiness_check, true));
  auto metadata = metadataUpdate(api, meta::kProcess, p->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  MCF_TRY(api.store.updateProcess(*p));
  MCF_TRY(saveMetadata(api, meta::kProcess, p->guid, *metadata));
  api.runtime.desiredChanged(app.guid);
  recordAppEvent(api, call, "audit.app.process.update", app,
                 {{"process_guid", p->guid}, {"process_type", p->type}, {"request", redactRequest(*body)}});
  auto updated = api.store.getProcess(p->guid);
  if (!updated.ok()) return updated.takeError();
  return jsonReply(200, present(api, call, *updated, app));
}

Reply scaleProcess(Api& api, const Call& call) {
  model::App app;
  auto p = api.process(call, call.param("guid"), Action::kWriteLifecycle, &app);
  if (!p.ok()) return p.takeError();
  return scale(api, call, *p, app);
}

Reply processStats(Api& api, const Call& call) {
  auto p = api.process(call, call.param("guid"), Action::kRead);
  if (!p.ok()) return p.takeError();
  return stats(api, *p);
}

Reply processSidecars(Api& api, const Call& call) {
  auto p = api.process(call, call.param("guid"), Action::kRead);
  if (!p.ok()) return p.takeError();
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"}, {});
  if (!q.ok()) return q.takeError();
  return jsonReply(200, paginate(api, "/v3/processes/" + p->guid + "/sidecars", *q, {}));
}

Reply listAppProcesses(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"}, {"types", "guids"});
  if (!q.ok()) return q.takeError();
  auto app = api.app(call, call.param("guid"), Action::kRead);
  if (!app.ok()) return app.takeError();
  auto processes = api.store.listProcesses(app->guid);
  if (!processes.ok()) return processes.takeError();
  std::vector<json> out;
  for (const auto& p : *processes)
    if (q->matches("types", p.type) && q->matches("guids", p.guid))
      out.push_back(present(api, call, p, *app));
  return jsonReply(200, paginate(api, "/v3/apps/" + app->guid + "/processes", *q, std::move(out)));
}

Reply getAppProcess(Api& api, const Call& call) {
  model::App app;
  auto p = byType(api, call, Action::kRead, app);
  if (!p.ok()) return p.takeError();
  return jsonReply(200, present(api, call, *p, app));
}

Reply scaleAppProcess(Api& api, const Call& call) {
  model::App app;
  auto p = byType(api, call, Action::kWriteLifecycle, app);
  if (!p.ok()) return p.takeError();
  return scale(api, call, *p, app);
}

Reply appProcessStats(Api& api, const Call& call) {
  model::App app;
  auto p = byType(api, call, Action::kRead, app);
  if (!p.ok()) return p.takeError();
  return stats(api, *p);
}

// DELETE /v3/apps/:guid/processes/:type/instances/:index: only that instance is replaced.
Reply restartAppInstance(Api& api, const Call& call) {
  model::App app;
  auto p = byType(api, call, Action::kWriteLifecycle, app);
  if (!p.ok()) return p.takeError();
  const std::string& raw = call.param("index");
  int index = -1;
  if (!raw.empty() && raw.size() < 9 && raw.find_first_not_of("0123456789") == std::string::npos)
    index = std::stoi(raw);
  if (index < 0 || index >= p->instances)
    return base::makeError(Errc::kNotFound, "Instance not found");
  MCF_TRY(api.runtime.restartInstance(p->guid, index));
  recordAppEvent(api, call, "audit.app.process.terminate_instance", app,
                 {{"process_guid", p->guid}, {"process_type", p->type}, {"process_index", index}});
  return noContent();
}

}  // namespace mcf::controller
