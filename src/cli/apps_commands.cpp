// App commands: apps, app, scale, start, stop, restart, delete.
#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/app_summary.h"
#include "cli/commands.h"
#include "cli/deploy.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "cli/table.h"
#include "model/manifest.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

void flush() { std::fflush(stdout); }

int apps(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting apps {}...\n\n", whereAs(session));
  auto list = session.listAll("/v3/apps?order_by=name&per_page=5000&space_guids=" +
                              session.config().space.guid);
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No apps found\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"name", "requested state", "processes", "routes"}};
  for (const auto& app : *list) {
    std::string guid = jstr(app, "guid");
    auto processes = session.listAll("/v3/apps/" + guid + "/processes");
    if (!processes) return fail(processes.error());
    std::vector<std::string> counts;
    for (const auto& p : *processes) {
      int64_t desired = jint(p, "instances");
      size_t running = 0;
      if (desired > 0) {
        auto stats = session.get("/v3/processes/" + jstr(p, "guid") + "/stats");
        if (!stats) return fail(stats.error());
        for (const auto& s : jarr(*stats, "resources"))
          if (jstr(s, "state") == "RUNNING") ++running;
      }
      counts.push_back(fmt::format("{}:{}/{}", jstr(p, "type"), running, desired));
    }
    auto routes = session.listAll("/v3/apps/" + guid + "/routes");
    if (!routes) return fail(routes.error());
    std::vector<std::string> urls;
    for (const auto& r : *routes) urls.push_back(session.routeUrl(jstr(r, "url")));
    rows.push_back({jstr(app, "name"), base::toLower(jstr(app, "state")),
                    base::join(counts, ", "), base::join(urls, ", ")});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

int appCommand(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Showing health and status for app {} {}...\n\n", name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  if (auto s = printAppSummary(session, *app); !s) return fail(s.error());
  return 0;
}

// Waits until the app's instances run, then prints its summary.
int showWhenStarted(Session& session, const std::string& guid, const std::string& name) {
  if (auto s = waitForStart(session, guid, name); !s) return fail(s.error());
  auto fresh = session.get("/v3/apps/" + guid);
  if (!fresh) return fail(fresh.error());
  if (auto s = printAppSummary(session, *fresh); !s) return fail(s.error());
  return 0;
}

// Starts (or restarts) and waits, then prints the summary: start, restart, scale -m/-k.
int startAndShow(Session& session, const json& app, const char* action) {
  std::string guid = jstr(app, "guid");
  std::string name = jstr(app, "name");
  if (auto s = stageIfNeeded(session, app); !s) return fail(s.error());
  auto started = session.api("POST", "/v3/apps/" + guid + "/actions/" + action);
  if (!started) return fail(started.error());
  fmt::print("Waiting for app {} to start...\n\n", name);
  flush();
  return showWhenStarted(session, guid, name);
}

int start(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Starting app {} {}...\n\n", name, whereAs(session));
  flush();
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  if (jstr(*app, "state") == "STARTED") {
    fmt::print("App '{}' is already started.\n\nOK\n", name);
    return 0;
  }
  return startAndShow(session, *app, "start");
}

struct RestartOptions {
  std::string name;
  std::string strategy;
  int max_in_flight = 0;
};

base::Status checkRestartOptions(const RestartOptions& o) {
  MCF_TRY(checkStrategy(o.strategy));
  if (o.max_in_flight != 0 && o.strategy.empty())
    return base::makeError(base::Errc::kInvalid, "--max-in-flight needs --strategy rolling");
  return {};
}

int restart(const Context& ctx, const RestartOptions& o) {
  if (auto s = checkRestartOptions(o); !s) return fail(s.error());
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Restarting app {} {}...\n\n", o.name, whereAs(session));
  flush();
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  if (o.strategy.empty() || jstr(*app, "state") != "STARTED")
    return startAndShow(session, *app, "restart");
  // A rolling restart: the current droplet deployed again, a batch of instances at a time.
  std::string guid = jstr(*app, "guid");
  if (auto s = deployAndWait(session, guid, o.name, "", o.max_in_flight); !s) return fail(s.error());
  return showWhenStarted(session, guid, o.name);
}

// cf restage: a new droplet from the app's newest package with its current buildpacks and
// environment, then the app restarted on it (--strategy rolling: deployed without downtime).
int restage(const Context& ctx, const RestartOptions& o) {
  if (auto s = checkRestartOptions(o); !s) return fail(s.error());
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Restaging app {} {}...\n\n", o.name, whereAs(session));
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  std::string guid = jstr(*app, "guid");
  auto package = newestPackage(session, guid);
  if (!package) return fail(package.error());
  if (package->empty())
    return fail(fmt::format("App '{}' has no package to stage: push it with 'microcf push {}'",
                            o.name, o.name));
  bool rolling = !o.strategy.empty() && jstr(*app, "state") == "STARTED";
  if (!rolling) fmt::print("This action will cause app downtime.\n\n");
  fmt::print("Staging app and tracing logs...\n");
  flush();
  auto droplet = stagePackage(session, guid, *package, false);
  if (!droplet) return fail(droplet.error());
  fmt::print("\n");
  if (rolling) {
    if (auto s = deployAndWait(session, guid, o.name, *droplet, o.max_in_flight); !s)
      return fail(s.error());
  } else {
    if (auto s = setCurrentDroplet(session, guid, *droplet); !s) return fail(s.error());
    auto restarted = session.api("POST", "/v3/apps/" + guid + "/actions/restart");
    if (!restarted) return fail(restarted.error());
    fmt::print("Waiting for app {} to start...\n\n", o.name);
    flush();
  }
  return showWhenStarted(session, guid, o.name);
}

int stop(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Stopping app {} {}...\n\n", name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  if (jstr(*app, "state") == "STOPPED") {
    fmt::print("App '{}' is already stopped.\n\nOK\n", name);
    return 0;
  }
  auto stopped = session.api("POST", "/v3/apps/" + jstr(*app, "guid") + "/actions/stop");
  if (!stopped) return fail(stopped.error());
  fmt::print("OK\n");
  return 0;
}

struct ScaleOptions {
  std::string name;
  int instances = 1;
  std::string memory;
  std::string disk;
  std::string log_rate;
  bool force = false;
  CLI::Option* instances_opt = nullptr;
};

int scale(const Context& ctx, const ScaleOptions& o) {
  json body = json::object();
  if (o.instances_opt->count() > 0) {
    if (o.instances < 0) return fail("-i: the number of instances must be 0 or more");
    body["instances"] = o.instances;
  }
  if (auto sized = addMemoryAndDisk(body, o.memory, o.disk); !sized) return fail(sized.error());
  if (!o.log_rate.empty()) {
    auto rate = model::parseLogRate(o.log_rate);
    if (!rate)
      return fail(base::makeError(base::Errc::kInvalid, "-l {}: the log rate limit must be a size "
                                  "per second with a unit (B, K, M, G; e.g. 16K, 1M) or -1 for "
                                  "unlimited", o.log_rate));
    body["log_rate_limit_in_bytes_per_second"] = *rate;
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  std::string guid = jstr(*app, "guid");
  if (body.empty()) {
    fmt::print("Showing current scale of app {} {}...\n\n", o.name, whereAs(session));
    auto web = session.get("/v3/apps/" + guid + "/processes/web");
    if (!web) return fail(web.error());
    fmt::print("{}", formatKeyValues({{"memory", shortBytes(jint(*web, "memory_in_mb") << 20)},
                                      {"disk", shortBytes(jint(*web, "disk_in_mb") << 20)},
                                      {"instances", std::to_string(jint(*web, "instances"))}}));
    return 0;
  }
  fmt::print("Scaling app {} {}...\n", o.name, whereAs(session));
  flush();
  auto scaled = session.api("POST", "/v3/apps/" + guid + "/processes/web/actions/scale", body);
  if (!scaled) return fail(scaled.error());
  // Memory and disk limits apply to new containers only: restart as cf does.
  bool needs_restart = body.contains("memory_in_mb") || body.contains("disk_in_mb") ||
                       body.contains("log_rate_limit_in_bytes_per_second");
  if (needs_restart && jstr(*app, "state") == "STARTED") {
    fmt::print("Restarting app {}...\n\n", o.name);
    return startAndShow(session, *app, "restart");
  }
  fmt::print("\n");
  auto fresh = session.get("/v3/apps/" + guid);
  if (!fresh) return fail(fresh.error());
  if (auto s = printAppSummary(session, *fresh); !s) return fail(s.error());
  return 0;
}

struct DeleteOptions {
  std::string name;
  bool force = false;
  bool routes = false;
};

int deleteApp(const Context& ctx, const DeleteOptions& o) {
  if (!o.force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting app {}: there is no terminal to confirm on. Use "
                              "'microcf delete {} -f' to delete without confirmation.",
                              o.name, o.name));
    if (!confirm(fmt::format("Really delete the app {}? [yN]: ", o.name))) {
      fmt::print("Delete cancelled\n");
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting app {} {}...\n", o.name, whereAs(session));
  flush();
  auto app = findApp(session, o.name);
  if (!app) {
    if (app.error().code != base::Errc::kNotFound) return fail(app.error());
    fmt::print("App '{}' does not exist.\nOK\n", o.name);
    return 0;
  }
  std::string guid = jstr(*app, "guid");
  std::vector<json> routes;
  if (o.routes) {
    auto list = session.listAll("/v3/apps/" + guid + "/routes");
    if (!list) return fail(list.error());
    routes = std::move(*list);
  }
  auto job = session.startJob("DELETE", "/v3/apps/" + guid);
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  for (const auto& route : routes) {
    auto route_job = session.startJob("DELETE", "/v3/routes/" + jstr(route, "guid"));
    if (!route_job) return fail(route_job.error());
    if (!route_job->empty())
      if (auto s = session.waitJob(*route_job); !s) return fail(s.error());
  }
  fmt::print("OK\n");
  return 0;
}

// Registers a command whose only argument is the app name.
void addNameCommand(CLI::App& app, CommandTable& table, const char* name, const char* help,
                    std::function<int(const std::string&)> run) {
  auto app_name = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("name", *app_name, "App name")->required();
  table.add(cmd, [app_name, run] { return run(*app_name); });
}

}  // namespace

void addAppCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  table.add(app.add_subcommand("apps", "List all apps in the target space"),
            [&ctx] { return apps(ctx); });
  addNameCommand(app, table, "app", "Display health and status for an app",
                 [&ctx](const std::string& n) { return appCommand(ctx, n); });
  addNameCommand(app, table, "start", "Start an app",
                 [&ctx](const std::string& n) { return start(ctx, n); });
  addNameCommand(app, table, "stop", "Stop an app",
                 [&ctx](const std::string& n) { return stop(ctx, n); });
  auto ro = std::make_shared<RestartOptions>();
  CLI::App* rs = app.add_subcommand("restart", "Stop all instances of the app, then start them "
                                               "again (--strategy rolling: without downtime)");
  rs->add_option("name", ro->name, "App name")->required();
  rs->add_option("--strategy", ro->strategy,
                 "Deployment strategy: 'rolling' replaces instances without downtime");
  rs->add_option("--max-in-flight", ro->max_in_flight,
                 "With --strategy rolling: how many new instances start at a time (default 1)");
  table.add(rs, [ro, &ctx] { return restart(ctx, *ro); });

  auto rso = std::make_shared<RestartOptions>();
  CLI::App* rg = app.add_subcommand("restage", "Stage the app's package again (its buildpacks "
                                               "and environment as they are now) and restart it "
                                               "(--strategy rolling: without downtime)");
  rg->add_option("name", rso->name, "App name")->required();
  rg->add_option("--strategy", rso->strategy,
                 "Deployment strategy: 'rolling' replaces instances without downtime");
  rg->add_option("--max-in-flight", rso->max_in_flight,
                 "With --strategy rolling: how many new instances start at a time (default 1)");
  table.add(rg, [rso, &ctx] { return restage(ctx, *rso); });

  auto so = std::make_shared<ScaleOptions>();
  CLI::App* sc = app.add_subcommand("scale", "Change or view the instance count, disk space "
                                             "limit, and memory limit for an app");
  sc->add_option("name", so->name, "App name")->required();
  so->instances_opt = sc->add_option("-i,--instances", so->instances, "Number of instances");
  sc->add_option("-m,--memory", so->memory, "Memory limit (e.g. 256M, 1024M, 1G)");
  sc->add_option("-k,--disk", so->disk, "Disk limit (e.g. 256M, 1024M, 1G)");
  sc->add_option("-l,--log-rate-limit", so->log_rate,
                 "Log rate limit per second, in bytes (e.g. 128B, 4K, 1M); -1 for unlimited");
  sc->add_flag("-f,--force", so->force, "Restart without asking (microcf never asks)");
  table.add(sc, [so, &ctx] { return scale(ctx, *so); });

  auto dopt = std::make_shared<DeleteOptions>();
  CLI::App* del = app.add_subcommand("delete", "Delete an app");
  del->add_option("name", dopt->name, "App name")->required();
  del->add_flag("-f,--force", dopt->force, "Force deletion without confirmation");
  del->add_flag("-r", dopt->routes, "Also delete any mapped routes");
  table.add(del, [dopt, &ctx] { return deleteApp(ctx, *dopt); });
}

}  // namespace mcf::cli
