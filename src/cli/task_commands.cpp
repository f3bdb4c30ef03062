// Task commands: run-task, tasks, terminate-task (cf CLI v7+ wording and layout).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "cli/table.h"
#include "model/manifest.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

struct RunTaskOptions {
  std::string app;
  std::string command;       // positional (cf v6 style)
  std::string command_flag;  // --command / -c (cf v7+)
  std::string name;
  std::string memory;
  std::string disk;
  std::string process;
  bool wait = false;
};

// How long --wait polls before giving up (a task may legitimately run for a long time).
constexpr auto kWaitLimit = std::chrono::hours(24);

int runTask(const Context& ctx, const RunTaskOptions& o) {
  if (!o.command.empty() && !o.command_flag.empty() && o.command != o.command_flag)
    return fail("Incorrect Usage: give the task's command once, as an argument or with --command");
  std::string command = o.command_flag.empty() ? o.command : o.command_flag;
  if (command.empty() && o.process.empty())
    return fail("Incorrect Usage: the task needs a command. Example: microcf run-task " + o.app +
                " --command \"bin/migrate\" --name migrate");
  json body = json::object();
  if (!command.empty()) body["command"] = command;
  if (!o.name.empty()) body["name"] = o.name;
  if (auto sized = addMemoryAndDisk(body, o.memory, o.disk); !sized) return fail(sized.error());

  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, o.app);
  if (!app) return fail(app.error());
  std::string guid = jstr(*app, "guid");
  fmt::print("Creating task for app {} {}...\n", o.app, whereAs(session));
  std::fflush(stdout);
  if (!o.process.empty()) {
    auto process = session.get("/v3/apps/" + guid + "/processes/" + base::urlEncode(o.process));
    if (!process) return fail(process.error());
    body["template"] = {{"process", {{"guid", jstr(*process, "guid")}}}};
  }
  auto task = session.api("POST", "/v3/apps/" + guid + "/tasks", body);
  if (!task) {
    std::string message = task.error().message;
    if (message.find("Task must have a droplet") != std::string::npos)
      message += fmt::format("\nTIP: the app has no droplet yet. Stage it first with 'microcf "
                             "push {}' (or 'microcf start {}' after 'push --no-start').",
                             o.app, o.app);
    return fail(message);
  }
  fmt::print("Task has been submitted successfully for execution.\nOK\n\n");
  fmt::print("{}", formatKeyValues({{"task name", jstr(*task, "name")},
                                    {"task id", std::to_string(jint(*task, "sequence_id"))}}));
  if (!o.wait) return 0;
  fmt::print("\nWaiting for task to complete execution...\n");
  std::fflush(stdout);
  std::string url = "/v3/tasks/" + jstr(*task, "guid");
  auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  for (;;) {
    auto now = session.get(url);
    if (!now) return fail(now.error());
    std::string state = jstr(*now, "state");
    if (state == "SUCCEEDED") break;
    if (state == "FAILED")
      return fail("Task failed to complete successfully: " +
                  jstr(jobj(*now, "result"), "failure_reason"));
    if (std::chrono::steady_clock::now() > deadline)
      return fail("Task is still " + state + " after 24 hours; stopped waiting.");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  fmt::print("\nTask has completed successfully.\nOK\n");
  return 0;
}

// "2024-05-01T10:00:00Z" as cf tasks shows it (Go's RFC1123): "Wed, 01 May 2024 10:00:00 UTC".
std::string startTime(const std::string& created_at) {
  struct tm tm {};
  if (!strptime(created_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return created_at;
  time_t t = timegm(&tm);
  struct tm utc {};
  gmtime_r(&t, &utc);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S UTC", &utc);
  return buf;
}

int tasks(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  fmt::print("Getting tasks for app {} {}...\n\n", name, whereAs(session));
  auto list = session.listAll("/v3/apps/" + jstr(*app, "guid") + "/tasks?per_page=5000");
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No tasks found for application.\n");
    return 0;
  }
  std::sort(list->begin(), list->end(), [](const json& a, const json& b) {
    return jint(a, "sequence_id") > jint(b, "sequence_id");  // newest first, as cf does
  });
  std::vector<std::vector<std::string>> rows = {{"id", "name", "state", "start time", "command"}};
  for (const auto& t : *list) {
    std::string command = jstr(t, "command");
    rows.push_back({std::to_string(jint(t, "sequence_id")), jstr(t, "name"), jstr(t, "state"),
                    startTime(jstr(t, "created_at")), command.empty() ? "[hidden]" : command});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

struct TerminateOptions {
  std::string app;
  std::string id;
};

int terminateTask(const Context& ctx, const TerminateOptions& o) {
  int64_t id = 0;
  bool numeric = !o.id.empty() && o.id.size() < 18 &&
                 std::all_of(o.id.begin(), o.id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric) id = std::stoll(o.id);
  if (!numeric || id <= 0)
    return fail("Incorrect Usage: Value for TASK_ID must be integer (the id 'microcf tasks " +
                o.app + "' shows)");
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, o.app);
  if (!app) return fail(app.error());
  auto found = session.get(fmt::format("/v3/apps/{}/tasks?sequence_ids={}", jstr(*app, "guid"), id));
  if (!found) return fail(found.error());
  const json& resources = jarr(*found, "resources");
  if (resources.empty())
    return fail(fmt::format("Task sequence ID {} not found. 'microcf tasks {}' lists the app's "
                            "tasks.", id, o.app));
  fmt::print("Terminating task {} of app {} {}...\n", id, o.app, whereAs(session));
  std::fflush(stdout);
  auto cancelled = session.api("POST", "/v3/tasks/" + jstr(resources[0], "guid") + "/actions/cancel");
  if (!cancelled) return fail(cancelled.error());
  fmt::print("OK\n");
  return 0;
}

}  // namespace

void addTaskCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto ro = std::make_shared<RunTaskOptions>();
  CLI::App* run = app.add_subcommand(
      "run-task", "Run a one-off task on an app: a new container from the app's droplet, with "
                  "the app's environment (see its output with 'microcf logs APP')");
  run->add_option("name", ro->app, "App name")->required();
  run->add_option("command", ro->command, "The command to run (or use --command)");
  run->add_option("-c,--command", ro->command_flag, "The command to run");
  run->add_option("--name", ro->name, "Name to give the task (generated if omitted)");
  run->add_option("-m", ro->memory, "Memory limit (e.g. 256M, 1024M, 1G)");
  run->add_option("-k", ro->disk, "Disk limit (e.g. 256M, 1024M, 1G)");
  run->add_option("--process", ro->process,
                  "Process type to use as a template for command, memory, and disk");
  run->add_flag("-w,--wait", ro->wait, "Wait for the task to complete before exiting");
  table.add(run, [ro, &ctx] { return runTask(ctx, *ro); });

  auto app_name = std::make_shared<std::string>();
  CLI::App* list = app.add_subcommand("tasks", "List the tasks of an app");
  list->add_option("name", *app_name, "App name")->required();
  table.add(list, [app_name, &ctx] { return tasks(ctx, *app_name); });

  auto to = std::make_shared<TerminateOptions>();
  CLI::App* term = app.add_subcommand("terminate-task", "Terminate a running task of an app");
  term->add_option("name", to->app, "App name")->required();
  term->add_option("task_id", to->id, "The task's id, as 'microcf tasks' shows it")->required();
  table.add(term, [to, &ctx] { return terminateTask(ctx, *to); });
}

}  // namespace mcf::cli
