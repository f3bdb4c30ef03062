// `microcf push`.
#include "cli/push.h"

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/app_summary.h"
#include "cli/deploy.h"
#include "cli/json_util.h"
#include "cli/manifest_vars.h"
#include "cli/package.h"
#include "cli/poll.h"
#include "cli/session.h"
#include "http/client.h"
#include "http/url.h"

namespace mcf::cli {

namespace {

namespace stdfs = std::filesystem;

struct ManifestFile {
  std::string path;  // "" when there is none
  std::string dir;
  model::Manifest manifest;
};

std::string absolutePath(const std::string& path) {
  std::error_code ec;
  auto abs = stdfs::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// -f, else manifest.yml / manifest.yaml in dir, with the ((variables)) of --vars-file and
// --var substituted. Problems are printed as the manifest parser reports them, and the API
// is not contacted.
base::Result<ManifestFile> loadManifest(const PushFlags& flags, const std::string& dir) {
  auto vars = collectVariables(flags.vars_files, flags.vars);
  if (!vars) return vars.takeError();
  ManifestFile out;
  if (!flags.manifest_path.empty()) {
    out.path = absolutePath(flags.manifest_path);
    if (base::isDirectory(out.path)) out.path = base::joinPath(out.path, "manifest.yml");
    if (!base::pathExists(out.path))
      return base::makeError(base::Errc::kNotFound,
                             "The manifest file '{}' does not exist: pass an existing file with "
                             "-f", flags.manifest_path);
  } else {
    for (const char* name : {"manifest.yml", "manifest.yaml"}) {
      std::string candidate = base::joinPath(dir, name);
      if (base::pathExists(candidate)) {
        out.path = candidate;
        break;
      }
    }
    if (out.path.empty()) return out;
  }
  out.dir = stdfs::path(out.path).parent_path().string();
  auto text = base::readFile(out.path);
  if (!text) return text.takeError();
  auto manifest = model::parseManifest(*text, &*vars);
  if (!manifest && manifest.error().code == base::Errc::kNotFound)  // a missing variable
    return base::makeError(base::Errc::kInvalid, "{}\nSet them with --var NAME=VALUE or in a "
                           "--vars-file, or remove them from {}", manifest.error().message,
                           out.path);
  if (!manifest)
    return base::makeError(base::Errc::kInvalid, "The manifest {} is not valid:\n{}", out.path,
                           manifest.error().message);
  out.manifest = std::move(*manifest);
  return out;
}

base::Status checkAppPath(const std::string& path) {
  if (base::isDirectory(path)) return {};
  if (!base::pathExists(path))
    return base::makeError(base::Errc::kNotFound,
                           "The app path '{}' does not exist: pass the directory of your app with "
                           "-p, or run 'microcf push' inside it", path);
  if (path.ends_with(".zip") || path.ends_with(".jar")) return {};
  return base::makeError(base::Errc::kInvalid,
                         "The app path '{}' is neither a directory nor a .zip/.jar file", path);
}

using Clock = std::chrono::steady_clock;

int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string shortMs(int64_t ms) {
  return ms < 1000 ? fmt::format("{}ms", ms) : fmt::format("{:.2f}s", static_cast<double>(ms) / 1000);
}

// Milliseconds until the app's first route is answered by the app through the router (any
// answer without the router's X-Cf-RouterError); -1 if it has no route or none within 10 s.
// The request goes to the API's address (the router's) with the route's Host, so a custom
// domain needs no DNS.
int64_t waitForRoute(Session& session, const std::string& app_guid) {
  auto began = Clock::now();
  auto routes = session.listAll("/v3/apps/" + app_guid + "/routes");
  if (!routes || routes->empty()) return -1;
  auto route = http::parseUrl(session.routeUrl(jstr((*routes)[0], "url")));
  auto api = http::parseUrl(session.config().api);
  if (!route || !api || api->scheme != "http") return -1;
  PollDelay delay(5, 100);
  while (msSince(began) < 10000) {
    http::ClientRequest req;
    req.host = api->host;
    req.port = api->port;
    req.target = route->target;
    req.headers = {{"Host", route->port == 80 ? route->host
                                              : route->host + ":" + std::to_string(route->port)}};
    req.timeout_ms = 2000;
    auto r = http::fetch(req);
    if (r && !http::findHeader(r->headers, "X-Cf-RouterError")) return msSince(began);
    delay.sleep();
  }
  return -1;
}

// "Push took 1.02s: package 9ms, upload 14ms (2.1K sent), stage 190ms, start 62ms, route 3ms"
struct PushTimes {
  Clock::time_point began = Clock::now();
  int64_t package_ms = 0, upload_ms = 0, stage_ms = -1, start_ms = -1, route_ms = -1;
  int64_t sent_bytes = 0;

  void print() const {
    std::vector<std::string> parts = {"package " + shortMs(package_ms),
                                      fmt::format("upload {} ({} sent)", shortMs(upload_ms),
                                                  shortBytes(sent_bytes))};
    if (stage_ms >= 0) parts.push_back("stage " + shortMs(stage_ms));
    if (start_ms >= 0) parts.push_back("start " + shortMs(start_ms));
    if (start_ms >= 0)
      parts.push_back(route_ms >= 0 ? "route ready " + shortMs(route_ms) : "route not ready");
    fmt::print("Push took {}: {}\n", shortMs(msSince(began)), base::join(parts, ", "));
  }
};

// The error of a push phase, naming the phase the user was waiting for.
base::Error phaseFailed(std::string_view phase, const base::Error& error) {
  return base::Error{error.code, fmt::format("{} failed: {}", phase, error.message)};
}

base::Status pushOne(Session& session, const PushTarget& target, const PushFlags& flags) {
  PushTimes times;
  auto app = findApp(session, target.name);
  if (!app) return app.takeError();
  std::string app_guid = jstr(*app, "guid");

  fmt::print("Packaging files to upload...\n");
  std::fflush(stdout);
  auto newPackage = [&]() -> base::Result<std::string> {
    auto package = session.api(
        "POST", "/v3/packages",
        {{"type", "bits"}, {"relationships", {{"app", {{"data", {{"guid", app_guid}}}}}}}});
    if (!package) return package.takeError();
    return jstr(*package, "guid");
  };
  auto package_guid = newPackage();
  if (!package_guid) return phaseFailed("Creating the app's package", package_guid.error());
  fmt::print("Uploading files...\n");
  std::fflush(stdout);
  auto upload_began = Clock::now();
  auto uploaded = uploadPackage(session, *package_guid, target.path);
  if (!uploaded && uploaded.error().code == base::Errc::kNotFound) {
    // A file the platform matched was gone from its cache by the upload: send everything.
    fmt::print("{}\nUploading all files...\n", uploaded.error().message);
    std::fflush(stdout);
    package_guid = newPackage();
    if (!package_guid) return phaseFailed("Creating the app's package", package_guid.error());
    uploaded = uploadPackage(session, *package_guid, target.path, false);
  }
  if (!uploaded) return phaseFailed("Uploading the app's files", uploaded.error());
  times.package_ms = std::chrono::duration_cast<std::chrono::milliseconds>(upload_began -
                                                                           times.began)
                         .count() +
                     uploaded->package_ms;
  times.upload_ms = msSince(upload_began) - uploaded->package_ms;
  times.sent_bytes = uploaded->sent_bytes;
  // " 3 files, 2.1K, 2 of them (1.5K) already on the platform, 1 uploaded"
  std::string matched;
  if (uploaded->files > 0 && uploaded->matched_files == uploaded->files)
    matched = ", all already on the platform, none uploaded";
  else if (uploaded->matched_files > 0)
    matched = fmt::format(", {} of them ({}) already on the platform, {} uploaded",
                          uploaded->matched_files, shortBytes(uploaded->matched_bytes),
                          uploaded->files - uploaded->matched_files);
  fmt::print(" {} file{}, {}{}\n\n", uploaded->files, uploaded->files == 1 ? "" : "s",
             shortBytes(uploaded->bytes), matched);

  if (flags.no_start) {
    if (jstr(*app, "state") == "STARTED") {
      auto stopped = session.api("POST", "/v3/apps/" + app_guid + "/actions/stop");
      if (!stopped) return stopped.takeError();
    }
  } else {
    fmt::print("Staging app and tracing logs...\n");
    std::fflush(stdout);
    auto stage_began = Clock::now();
    auto droplet = stagePackage(session, app_guid, *package_guid);
    if (!droplet) return droplet.takeError();
    times.stage_ms = msSince(stage_began);
    auto start_began = Clock::now();
    if (flags.strategy == "rolling") {
      // The new droplet replaces the old instances one batch at a time; the old ones serve
      // until the new ones do.
      fmt::print("\n");
      MCF_TRY(deployAndWait(session, app_guid, target.name, *droplet, flags.max_in_flight));
    } else {
      MCF_TRY(setCurrentDroplet(session, app_guid, *droplet));
      fmt::print("\nWaiting for app {} to start...\n\n", target.name);
      std::fflush(stdout);
      auto restarted = session.api("POST", "/v3/apps/" + app_guid + "/actions/restart");
      if (!restarted) return restarted.takeError();
    }
    MCF_TRY(waitForStart(session, app_guid, target.name));
    times.start_ms = msSince(start_began);
    times.route_ms = waitForRoute(session, app_guid);
  }
  auto fresh = findApp(session, target.name);
  if (!fresh) return fresh.takeError();
  MCF_TRY(printAppSummary(session, *fresh));
  times.print();
  return {};
}

}  // namespace

int runPush(const Context& ctx, PushFlags flags) {
  std::string cwd = stdfs::current_path().string();
  if (auto status = checkStrategy(flags.strategy); !status) return fail(status.error());
  if (flags.max_in_flight != 0 && flags.strategy.empty())
    return fail("--max-in-flight needs --strategy rolling");
  if (flags.max_in_flight < 0) return fail("--max-in-flight must be 1 or more");
  if (!flags.strategy.empty() && flags.no_start)
    return fail("--strategy and --no-start cannot be used together");
  // `microcf push ./app`: a NAME that is a path names the app's directory, and that
  // directory's manifest is used. Otherwise the manifest is the working directory's (or -f),
  // as with the cf CLI: `push NAME -p DIR` does not read DIR/manifest.yml.
  bool path_from_name = false;
  if (flags.path.empty() && (flags.name.find('/') != std::string::npos || flags.name == "." ||
                             flags.name == "..")) {
    flags.path = flags.name;
    flags.name.clear();
    path_from_name = true;
  }
  if (!flags.path.empty()) {
    flags.path = absolutePath(flags.path);
    if (auto status = checkAppPath(flags.path); !status) return fail(status.error());
  }
  std::string manifest_dir = path_from_name && base::isDirectory(flags.path) ? flags.path : cwd;
  auto manifest = loadManifest(flags, manifest_dir);
  if (!manifest) return fail(manifest.error());
  // Unknown keys are ignored, as Cloud Foundry does; say which, and what was probably meant.
  for (const auto& w : manifest->manifest.warnings)
    fmt::print(stderr, "Warning: {}: {}\n", manifest->path, w);
  std::fflush(stderr);
  const model::Manifest* parsed = manifest->path.empty() ? nullptr : &manifest->manifest;
  auto plan = planPush(parsed, manifest->dir, flags, cwd);
  if (!plan) return fail(plan.error());
  for (const auto& target : plan->apps)
    if (auto status = checkAppPath(target.path); !status) return fail(status.error());

  Session session(ctx.home);
  if (auto status = session.ensureTarget(); !status) return fail(status.error());
  std::vector<std::string> names;
  for (const auto& target : plan->apps) names.push_back(target.name);
  fmt::print("Pushing app{} {} to org {} / space {} as {}...\n", names.size() > 1 ? "s" : "",
             base::join(names, ", "), session.config().org.name, session.config().space.name,
             session.userName());
  if (!manifest->path.empty()) fmt::print("Applying manifest file {}...\n", manifest->path);
  std::fflush(stdout);
  auto job = session.startJob("POST",
                              "/v3/spaces/" + session.config().space.guid +
                                  "/actions/apply_manifest",
                              model::manifestToYaml(plan->manifest), "application/x-yaml");
  if (!job) return fail(phaseFailed("Applying the manifest", job.error()));
  if (!job->empty())
    if (auto status = session.waitJob(*job); !status)
      return fail(phaseFailed("Applying the manifest", status.error()));
  fmt::print("Manifest applied\n");

  for (size_t i = 0; i < plan->apps.size(); ++i) {
    if (plan->apps.size() > 1)
      fmt::print("\nPushing app {} ({} of {})...\n", plan->apps[i].name, i + 1,
                 plan->apps.size());
    if (auto status = pushOne(session, plan->apps[i], flags); !status)
      return fail(status.error());
  }
  return 0;
}

void addPushCommand(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto flags = std::make_shared<PushFlags>();
  auto instances = std::make_shared<int>(0);
  auto command = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("push", "Push a new app or sync changes to an existing app");
  cmd->add_option("name", flags->name, "App name (or the app's directory, e.g. ./app)");
  cmd->add_option("-f,--manifest", flags->manifest_path, "Path to manifest");
  cmd->add_option("-p,--path", flags->path,
                  "Path to app directory or to a zip file of the contents of the app directory");
  CLI::Option* i = cmd->add_option("-i,--instances", *instances, "Number of instances");
  cmd->add_option("-m,--memory", flags->memory, "Memory limit (e.g. 256M, 1024M, 1G)");
  cmd->add_option("-k,--disk", flags->disk, "Disk limit (e.g. 256M, 1024M, 1G)");
  cmd->add_option("-b,--buildpack", flags->buildpacks,
                  "Buildpack: an admin buildpack's name, a local folder or .zip, a git "
                  "URL[#ref] or an https .zip URL; repeat for several (all but the last "
                  "supply); 'default' to detect")
      ->allow_extra_args(false);
  CLI::Option* c = cmd->add_option("-c,--start-command", *command, "Startup command");
  cmd->add_option("-s,--stack", flags->stack, "Stack to use");
  cmd->add_flag("--no-start", flags->no_start, "Do not stage and start the app after pushing");
  cmd->add_flag("--no-route", flags->no_route, "Do not map a route to this app");
  cmd->add_option("--strategy", flags->strategy,
                  "Deployment strategy: 'rolling' replaces instances without downtime");
  cmd->add_option("--max-in-flight", flags->max_in_flight,
                  "With --strategy rolling: how many new instances start at a time (default 1)");
  cmd->add_flag("--random-route", flags->random_route, "Create a random route for this app");
  auto timeout = std::make_shared<int>(0);
  CLI::Option* t = cmd->add_option("-t,--app-start-timeout", *timeout,
                                   "Time (in seconds) allowed to elapse between starting up an "
                                   "app and the first healthy response from the app");
  cmd->add_option("-u,--health-check-type", flags->health_check_type,
                  "Application health check type: port, process or http");
  cmd->add_option("--var", flags->vars,
                  "Variable key value pair for variable substitution, (e.g., name=app1); "
                  "repeat for several")
      ->allow_extra_args(false);
  cmd->add_option("--vars-file", flags->vars_files,
                  "Path to a variable substitution file for manifest; repeat for several")
      ->allow_extra_args(false);
  table.add(cmd, [flags, instances, command, timeout, i, c, t, &ctx] {
    if (i->count() > 0) flags->instances = *instances;
    if (t->count() > 0) flags->timeout = *timeout;
    if (c->count() > 0) flags->command = *command;
    return runPush(ctx, *flags);
  });
}

}  // namespace mcf::cli
