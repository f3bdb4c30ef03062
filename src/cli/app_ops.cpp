// Shared app lifecycle steps: staging with STG logs, droplets, waiting for instances.
#include "cli/app_ops.h"

#include <chrono>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/json_util.h"
#include "cli/log_batch.h"
#include "cli/session.h"
#include "cli/poll.h"
#include "model/manifest.h"

namespace mcf::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;


// Prints the STG lines that arrived since the cursor; log trouble never fails a push.
void printStagingLogs(Session& session, const std::string& app_guid, LogCursor& cursor) {
  for (int page = 0; page < 20; ++page) {
    auto batch = session.readLogs(app_guid, cursor.start_time_ns, 1000, false);
    if (!batch || batch->empty()) return;
    for (const auto& line : stagingLines(*batch)) fmt::print("{}\n", line);
    std::fflush(stdout);
    cursor.advance(*batch);
    if (batch->size() < 1000) return;
  }
}

std::string lastPathSegment(const std::string& href) {
  size_t slash = href.rfind('/');
  return slash == std::string::npos ? href : href.substr(slash + 1);
}

// details: one line per crashed instance; last_output: what those instances printed last
// (from stats), else the app's last log lines stand in.
std::string startFailure(Session& session, const std::string& app_guid,
                         const std::string& app_name, const std::vector<std::string>& details,
                         const std::vector<std::string>& last_output) {
  std::string out = "Start unsuccessful\n";
  if (!details.empty()) out += "\n" + base::join(details, "\n") + "\n";
  if (!last_output.empty()) {
    out += "\nLast lines the app printed:\n" + base::join(last_output, "\n") + "\n";
  } else if (auto batch = session.readLogs(app_guid, 0, 200, true)) {
    auto lines = lastAppLines(*batch, 10);
    if (!lines.empty()) out += "\nLast lines of the app's log:\n" + base::join(lines, "\n") + "\n";
  }
  out += fmt::format("\nTIP: use 'microcf logs {} --recent' for more information", app_name);
  return out;
}

}  // namespace

base::Result<json> findApp(Session& session, const std::string& name) {
  MCF_TRY(session.ensureTarget());
  auto apps = session.get("/v3/apps?names=" + base::urlEncode(name) +
                          "&space_guids=" + session.config().space.guid);
  if (!apps) return apps.takeError();
  auto resources = apps->find("resources");
  if (resources == apps->end() || !resources->is_array() || resources->empty())
    return base::makeError(base::Errc::kNotFound, "App '{}' not found", name);
  return (*resources)[0];
}

base::Status addMemoryAndDisk(json& body, const std::string& memory, const std::string& disk) {
  for (auto [flag, value, key] : {std::tuple{"-m", &memory, "memory_in_mb"},
                                  std::tuple{"-k", &disk, "disk_in_mb"}}) {
    if (value->empty()) continue;
    auto mb = model::parseMegabytes(*value);
    if (!mb)
      return base::makeError(base::Errc::kInvalid, "{} {}: {}", flag, *value, mb.error().message);
    body[key] = *mb;
  }
  return {};
}

base::Result<std::string> stagePackage(Session& session, const std::string& app_guid,
                                       const std::string& package_guid, bool reuse) {
  // Start after the newest envelope so that an earlier staging's lines are not repeated.
  LogCursor cursor;
  if (auto newest = session.readLogs(app_guid, 0, 1, true)) cursor.advance(*newest);
  json body = {{"package", {{"guid", package_guid}}}};
  if (!reuse) body["metadata"] = {{"annotations", {{"microcf.io/reuse-droplet", "false"}}}};
  auto build = session.api("POST", "/v3/builds", body);
  if (!build) return build.takeError();
  std::string build_guid = jstr(*build, "guid");
  auto deadline = Clock::now() + std::chrono::minutes(15);
  PollDelay delay;
  for (;;) {
    printStagingLogs(session, app_guid, cursor);
    auto state = session.get("/v3/builds/" + build_guid);
    if (!state) return state.takeError();
    std::string s = jstr(*state, "state");
    // The stager writes its last lines before the build changes state.
    if (s == "STAGED" || s == "FAILED") printStagingLogs(session, app_guid, cursor);
    if (s == "STAGED") {
      std::string guid = jstr(jobj(*state, "droplet"), "guid");
      if (guid.empty())
        return base::makeError(base::Errc::kInternal, "The build {} is STAGED without a droplet",
                               build_guid);
      return guid;
    }
    if (s == "FAILED") {
      std::string error = jstr(*state, "error");
      return base::makeError(base::Errc::kStagingError, "Error staging application: {}",
                             error.empty() ? "staging failed" : error);
    }
    if (Clock::now() > deadline)
      return base::makeError(base::Errc::kUnavailable,
                             "Error staging application: staging did not finish in 15 minutes");
    delay.sleep();
  }
}

base::Status setCurrentDroplet(Session& session, const std::string& app_guid,
                               const std::string& droplet_guid) {
  auto droplet = session.get("/v3/droplets/" + droplet_guid);
  if (!droplet) return droplet.takeError();
  auto patched = session.api("PATCH", "/v3/apps/" + app_guid + "/relationships/current_droplet",
                             {{"data", {{"guid", droplet_guid}}}});
  if (!patched) return patched.takeError();
  return {};
}

base::Result<std::string> newestPackage(Session& session, const std::string& app_guid) {
  auto packages = session.get("/v3/packages?app_guids=" + app_guid +
                              "&states=READY&order_by=-created_at&per_page=1");
  if (!packages) return packages.takeError();
  const auto& r = jarr(*packages, "resources");
  return r.empty() ? std::string() : jstr(r[0], "guid");
}

base::Status stageIfNeeded(Session& session, const json& app) {
  std::string app_guid = jstr(app, "guid");
  auto newest = newestPackage(session, app_guid);
  if (!newest) return newest.takeError();
  std::string package_guid = *newest;
  std::string droplet_package;
  bool has_droplet = false;
  if (auto droplet = session.get("/v3/apps/" + app_guid + "/droplets/current")) {
    has_droplet = !jstr(*droplet, "guid").empty();
    droplet_package = lastPathSegment(jstr(jobj(jobj(*droplet, "links"), "package"), "href"));
  }
  if (package_guid.empty()) {
    if (has_droplet) return {};
    return base::makeError(base::Errc::kInvalid,
                           "App '{}' has no package to stage: push it with 'microcf push {}'",
                           jstr(app, "name"), jstr(app, "name"));
  }
  if (has_droplet && (droplet_package.empty() || droplet_package == package_guid)) return {};
  fmt::print("Staging app and tracing logs...\n");
  std::fflush(stdout);
  auto droplet_guid = stagePackage(session, app_guid, package_guid);
  if (!droplet_guid) return droplet_guid.takeError();
  MCF_TRY(setCurrentDroplet(session, app_guid, *droplet_guid));
  fmt::print("\n");
  return {};
}

base::Status waitForStart(Session& session, const std::string& app_guid,
                          const std::string& app_name) {
  auto deadline = Clock::now() + std::chrono::minutes(5);
  PollDelay delay;
  for (;;) {
    auto processes = session.listAll("/v3/apps/" + app_guid + "/processes");
    if (!processes) return processes.takeError();
    bool all_running = true;
    for (const auto& process : *processes) {
      if (jint(process, "instances") <= 0) continue;
      auto stats = session.get("/v3/processes/" + jstr(process, "guid") + "/stats");
      if (!stats) return stats.takeError();
      size_t running = 0, crashed = 0, total = 0;
      std::vector<std::string> details, last_output;
      for (const auto& s : jarr(*stats, "resources")) {
        ++total;
        std::string state = jstr(s, "state");
        if (state == "RUNNING") ++running;
        if (state != "CRASHED") continue;
        ++crashed;
        std::string d = jstr(s, "details");
        details.push_back(fmt::format("   {} instance #{} crashed{}{}", jstr(process, "type"),
                                      jint(s, "index"), d.empty() ? "" : ": ", d));
        // One instance's lines are enough: they usually all fail the same way.
        if (last_output.empty()) {
          for (const auto& line : jarr(s, "last_output"))
            if (line.is_string()) last_output.push_back("   " + line.get<std::string>());
        }
      }
      if (running == 0) all_running = false;
      if (total > 0 && crashed == total)
        return base::Error{base::Errc::kInvalid,
                           startFailure(session, app_guid, app_name, details, last_output)};
    }
    if (all_running) return {};
    if (Clock::now() > deadline)
      return base::makeError(
          base::Errc::kUnavailable,
          "Start app timeout\n\nTIP: Application must be listening on the right port. Instead "
          "of hard coding the port, use the $PORT environment variable.\n\nUse 'microcf logs "
          "{} --recent' for more information",
          app_name);
    delay.sleep();
  }
}

}  // namespace mcf::cli
