// Health and crash commands: events, set-health-check, set-readiness-health-check,
// restart-app-instance.
#include "cli/health_commands.h"

#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

using nlohmann::json;

namespace {

std::string scalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::string eventDescription(const json& event) {
  const json& data = jobj(event, "data");
  std::string type = jstr(event, "type");
  std::vector<std::string> parts;
  if (type == "app.crash" || type == "audit.app.process.crash") {
    for (const char* key : {"index", "reason", "cell_id", "instance", "exit_description"}) {
      auto it = data.find(key);
      if (it != data.end()) parts.push_back(fmt::format("{}: {}", key, scalarText(*it)));
    }
    return base::join(parts, ", ");
  }
  if (auto idx = data.find("process_index"); idx != data.end())
    parts.push_back(fmt::format("index: {}", scalarText(*idx)));
  const json& request = jobj(data, "request");
  for (const auto& [key, value] : request.items()) {
    if (value.is_object() || value.is_array()) {
      parts.push_back(fmt::format("{}: {}", key, value.dump()));
    } else {
      parts.push_back(fmt::format("{}: {}", key, scalarText(value)));
    }
  }
  return base::join(parts, ", ");
}

std::string eventTime(const std::string& created_at) {
  tm t{};
  if (!strptime(created_at.c_str(), "%Y-%m-%dT%H:%M:%S", &t)) return created_at;
  time_t secs = timegm(&t);
  tm local{};
  localtime_r(&secs, &local);
  char day[32], zone[16];
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &local);
  strftime(zone, sizeof zone, "%z", &local);
  return fmt::format("{}.00{}", day, zone);
}

namespace {

int events(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting events for app {} {}...\n\n", name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  auto page = session.get("/v3/audit_events?target_guids=" + jstr(*app, "guid") +
                          "&order_by=-created_at&per_page=50");
  if (!page) return fail(page.error());
  const json& resources = jarr(*page, "resources");
  if (resources.empty()) {
    fmt::print("No events found\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"time", "event", "actor", "description"}};
  for (const auto& e : resources) {
    rows.push_back({eventTime(jstr(e, "created_at")), jstr(e, "type"),
                    jstr(jobj(e, "actor"), "name"), eventDescription(e)});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

struct HealthCheckOptions {
  std::string name;
  std::string type;
  std::string endpoint;
  std::string process = "web";
  int invocation_timeout = 0;
  int interval = 0;
  bool readiness = false;
};

int setHealthCheck(const Context& ctx, const HealthCheckOptions& o) {
  if (o.type != "port" && o.type != "process" && o.type != "http" && o.type != "none")
    return fail(fmt::format("Incorrect usage: HEALTH_CHECK_TYPE must be \"port\", \"process\" "
                            "or \"http\", not \"{}\"", o.type));
  if (!o.endpoint.empty() && o.type != "http")
    return fail("Incorrect usage: --endpoint can only be used with the \"http\" type");
  if (o.invocation_timeout < 0 || o.interval < 0)
    return fail("Incorrect usage: timeouts and intervals are whole seconds, 1 or more");
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Updating {}health check type for app {} process {} {}...\n",
             o.readiness ? "readiness " : "", o.name, o.process, whereAs(session));
  std::fflush(stdout);
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  auto process = session.get("/v3/apps/" + jstr(*app, "guid") + "/processes/" + o.process);
  if (!process) return fail(process.error());
  json data = json::object();
  if (o.type == "http") data["endpoint"] = o.endpoint.empty() ? "/" : o.endpoint;
  if (o.invocation_timeout > 0) data["invocation_timeout"] = o.invocation_timeout;
  if (o.interval > 0) data["interval"] = o.interval;
  json body = {{o.readiness ? "readiness_health_check" : "health_check",
                {{"type", o.type == "none" ? "process" : o.type}, {"data", data}}}};
  auto patched = session.api("PATCH", "/v3/processes/" + jstr(*process, "guid"), body);
  if (!patched) return fail(patched.error());
  fmt::print("\nOK\n");
  if (jstr(*app, "state") == "STARTED")
    fmt::print("\nTIP: An app restart is required for the change to take effect.\n");
  return 0;
}

struct RestartInstanceOptions {
  std::string name;
  int index = 0;
  std::string process = "web";
};

int restartInstance(const Context& ctx, const RestartInstanceOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Restarting instance {} of process {} of app {} {}...\n", o.index, o.process, o.name,
             whereAs(session));
  std::fflush(stdout);
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  auto done = session.api("DELETE", fmt::format("/v3/apps/{}/processes/{}/instances/{}",
                                                jstr(*app, "guid"), o.process, o.index));
  if (!done) return fail(done.error());
  fmt::print("OK\n");
  return 0;
}

void addSetHealthCheck(CLI::App& app, CommandTable& table, const Context& ctx, bool readiness) {
  auto o = std::make_shared<HealthCheckOptions>();
  o->readiness = readiness;
  CLI::App* cmd = app.add_subcommand(
      readiness ? "set-readiness-health-check" : "set-health-check",
      readiness ? "Change the type of readiness check (which decides whether an instance gets "
                  "traffic) of an app's process"
                : "Change the type of health check performed on an app's process");
  cmd->add_option("name", o->name, "App name")->required();
  cmd->add_option("type", o->type, "port, process or http")->required();
  cmd->add_option("--endpoint", o->endpoint, "Path on the app (http only; default /)");
  cmd->add_option(readiness ? "--readiness-invocation-timeout" : "--invocation-timeout",
                  o->invocation_timeout, "Seconds a single check may take (default 1)");
  if (readiness)
    cmd->add_option("--readiness-interval", o->interval, "Seconds between checks (default 30)");
  cmd->add_option("--process", o->process, "App process to update (default web)");
  table.add(cmd, [o, &ctx] { return setHealthCheck(ctx, *o); });
}

}  // namespace

void addHealthCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto app_name = std::make_shared<std::string>();
  CLI::App* ev = app.add_subcommand("events", "Show recent app events");
  ev->add_option("name", *app_name, "App name")->required();
  table.add(ev, [app_name, &ctx] { return events(ctx, *app_name); });

  addSetHealthCheck(app, table, ctx, false);
  addSetHealthCheck(app, table, ctx, true);

  auto ro = std::make_shared<RestartInstanceOptions>();
  CLI::App* ri = app.add_subcommand("restart-app-instance",
                                    "Terminate, then instantiate an app instance");
  ri->add_option("name", ro->name, "App name")->required();
  ri->add_option("index", ro->index, "Instance index")->required();
  ri->add_option("--process", ro->process, "Process of the instance (default web)");
  table.add(ri, [ro, &ctx] { return restartInstance(ctx, *ro); });
}

}  // namespace mcf::cli
