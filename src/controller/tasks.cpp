// Tasks (CC v3 /v3/apps/:guid/tasks and /v3/tasks): create, list, show, cancel. The runtime
// runs them; this file validates, records them PENDING or CANCELING, and presents them.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "controller/api.h"
#include "controller/quotas.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "model/task.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// The task as Cloud Controller presents it; lists of every app's tasks leave the command out.
json presentTask(const Api& api, const model::Task& t, bool with_command) {
  std::string self = "/v3/tasks/" + t.guid;
  json j = {{"guid", t.guid},
            {"created_at", base::formatTimestamp(t.created_at)},
            {"updated_at", base::formatTimestamp(t.updated_at)},
            {"sequence_id", t.sequence_id},
            {"name", t.name},
            {"state", model::toString(t.state)},
            {"memory_in_mb", t.memory_in_mb},
            {"disk_in_mb", t.disk_in_mb},
            {"log_rate_limit_in_bytes_per_second", t.log_rate_limit_in_bytes_per_second},
            {"result", {{"failure_reason", t.failure_reason.empty() ? json(nullptr)
                                                                     : json(t.failure_reason)}}},
            {"droplet_guid", t.droplet_guid},
            {"relationships", {{"app", relationship(t.app_guid)}}},
            {"metadata", presentMetadata(api, meta::kTask, t.guid)},
            {"links", {{"self", link(api, self)},
                       {"app", link(api, "/v3/apps/" + t.app_guid)},
                       {"cancel", link(api, self + "/actions/cancel", "POST")},
                       {"droplet", link(api, "/v3/droplets/" + t.droplet_guid)}}}};
  if (with_command) j["command"] = t.command;
  return j;
}

// The task, authorized through its app; a task the caller cannot see is not found.
base::Result<model::Task> findTask(Api& api, const Call& call, Action action) {
  auto task = api.store.getTask(call.param("guid"));
  if (!task.ok()) {
    if (task.error().code == Errc::kNotFound) return base::makeError(Errc::kNotFound, "Task not found");
    return task.takeError();
  }
  auto app = api.store.getApp(task->app_guid);
  if (!app.ok()) return base::makeError(Errc::kNotFound, "Task not found");
  MCF_TRY(api.authorize(call, action, app->space_guid, "Task"));
  return task;
}

bool canSeeCommands(const Api& api, const Call& call, const model::App& app) {
  return api.authorize(call, Action::kReadSecrets, app.space_guid, "App").ok();
}

// body[key] as a whole number of at least min, or fallback when absent.
base::Result<int64_t> limit(const json& body, const char* key, const char* label, int64_t min,
                            int64_t fallback) {
  auto v = optInt(body, key, label);
  if (!v.ok()) return v.takeError();
  if (!*v) return fallback;
  if (**v < min)
    return base::makeError(Errc::kInvalid, "{} must be greater than or equal to {}", label, min);
  if (**v > INT32_MAX) return base::makeError(Errc::kInvalid, "{} is too large", label);
  return **v;
}

// Cloud Controller's default_app_memory and default_app_disk_in_mb.
constexpr int kDefaultTaskMemoryMb = 1024;
constexpr int kDefaultTaskDiskMb = 1024;

}  // namespace

// {"command", "name"?, "memory_in_mb"?, "disk_in_mb"?, "log_rate_limit_in_bytes_per_second"?,
//  "droplet_guid"?, "template"?: {"process": {"guid"}}} → 202 with the PENDING task.
Reply createTask(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"command", "name", "droplet_guid", "memory_in_mb", "disk_in_mb",
                             "log_rate_limit_in_bytes_per_second", "template", "metadata"}));

  // A process as template gives its command and limits (cf run-task --process).
  std::optional<model::Process> tmpl;
  if (auto t = body->find("template"); t != body->end() && !t->is_null()) {
    std::string guid;
    if (t->is_object())
      if (auto p = t->find("process"); p != t->end() && p->is_object()) guid = p->value("guid", "");
    auto process = api.store.getProcess(guid);
    if (!process.ok() || process->app_guid != app->guid)
      return base::makeError(Errc::kNotFound, "Process not found");
    tmpl = *process;
  }

  std::vector<std::string> problems;
  auto command = optString(*body, "command", "Command");
  auto name = optString(*body, "name", "Name");
  auto droplet_guid = optString(*body, "droplet_guid", "Droplet guid");
  auto memory = limit(*body, "memory_in_mb", "Memory in mb", 1,
                      tmpl ? tmpl->memory_in_mb : kDefaultTaskMemoryMb);
  auto disk = limit(*body, "disk_in_mb", "Disk in mb", 1,
                    tmpl ? tmpl->disk_in_mb : kDefaultTaskDiskMb);
  auto log_rate = limit(*body, "log_rate_limit_in_bytes_per_second",
                        "Log rate limit in bytes per second", -1,
                        tmpl ? tmpl->log_rate_limit_in_bytes_per_second : -1);
  auto note = [&problems](const auto& field) {
    if (!field.ok()) problems.push_back(field.error().message);
  };
  note(command);
  note(name);
  if (name.ok() && *name) {
    if (auto st = checkName(**name); !st.ok()) problems.push_back(st.error().message);
  }
  note(droplet_guid);
  note(memory);
  note(disk);
  note(log_rate);
  std::string cmd = command.ok() && *command ? **command : "";
  if (command.ok() && cmd.empty() && tmpl) {
    cmd = tmpl->command.value_or(detectedCommand(api, *app, tmpl->type));
  }
  if (command.ok() && cmd.empty()) problems.push_back("Command can't be blank");
  if (!problems.empty()) {
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : ", ") + p;
    return base::makeError(Errc::kInvalid, "{}", joined);
  }

  model::Task task;
  if (droplet_guid.ok() && *droplet_guid) {
    auto d = api.store.getDroplet(**droplet_guid);
    if (!d.ok() || d->app_guid != app->guid || d->state != model::DropletState::kStaged)
      return base::makeError(Errc::kNotFound, "Droplet not found");
    task.droplet_guid = d->guid;
  } else if (app->droplet_guid.empty()) {
    return base::makeError(Errc::kInvalid,
                           "Task must have a droplet. Assign current droplet to app.");
  } else {
    task.droplet_guid = app->droplet_guid;
  }
  MCF_TRY(checkTaskQuota(api, *app, *memory));
  task.app_guid = app->guid;
  task.name = name.ok() && *name && !(*name)->empty() ? **name : base::randomHex(4);
  task.command = cmd;
  task.memory_in_mb = static_cast<int>(*memory);
  task.disk_in_mb = static_cast<int>(*disk);
  task.log_rate_limit_in_bytes_per_second = *log_rate;
  auto created = api.store.createTask(task);
  if (!created.ok()) return created.takeError();
  recordAppEvent(api, call, "audit.app.task.create", *app,
                 {{"task_guid", created->guid}, {"request", {{"name", created->name}}}});
  api.runtime.taskCreated(created->guid);
  // The runtime may have started it already.
  auto now = api.store.getTask(created->guid);
  return jsonReply(202, presentTask(api, now.ok() ? *now : *created, true));
}

Reply getTask(Api& api, const Call& call) {
  auto task = findTask(api, call, Action::kRead);
  if (!task.ok()) return task.takeError();
  auto app = api.store.getApp(task->app_guid);
  return jsonReply(200, presentTask(api, *task, app.ok() && canSeeCommands(api, call, *app)));
}

// /v3/tasks and /v3/apps/:guid/tasks; filters names, states, guids, app_guids, sequence_ids.
Reply listTasks(Api& api, const Call& call) {
  bool nested = call.params.count("guid") != 0;
  return listAppChildren(api, call, "tasks", [&](const model::App& app, const ListQuery& q)
                             -> base::Result<std::vector<json>> {
    auto tasks = api.store.listTasks(app.guid);
    if (!tasks.ok()) return tasks.takeError();
    bool with_command = nested && canSeeCommands(api, call, app);
    std::vector<json> out;
    for (const auto& t : *tasks) {
      if (q.matches("names", t.name) && q.matches("states", model::toString(t.state)) &&
          q.matches("guids", t.guid) && q.matches("sequence_ids", std::to_string(t.sequence_id)))
        out.push_back(presentTask(api, t, with_command));
    }
    return out;
  });
}

Reply listAppTasks(Api& api, const Call& call) { return listTasks(api, call); }

// 202 with the task CANCELING; the runtime stops it and it ends FAILED "task was cancelled".
Reply cancelTask(Api& api, const Call& call) {
  auto task = findTask(api, call, Action::kWriteLifecycle);
  if (!task.ok()) return task.takeError();
  if (model::isFinal(task->state)) {
    return base::makeError(Errc::kInvalid, "Task state is {} and therefore cannot be canceled",
                           model::toString(task->state));
  }
  if (task->state != model::TaskState::kCanceling) {
    task->state = model::TaskState::kCanceling;
    MCF_TRY(api.store.updateTask(*task));
    if (auto app = api.store.getApp(task->app_guid); app.ok())
      recordAppEvent(api, call, "audit.app.task.cancel", *app,
                     {{"task_guid", task->guid}, {"request", {{"name", task->name}}}});
  }
  auto canceling = api.store.getTask(task->guid);
  if (!canceling.ok()) return canceling.takeError();
  // The answer shows CANCELING even when the runtime ends the task at once.
  api.runtime.cancelTask(task->guid);
  return jsonReply(202, presentTask(api, *canceling, true));
}

}  // namespace mcf::controller
