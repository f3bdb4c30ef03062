// The app summary (cf app layout).
#include "cli/app_summary.h"

#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strutil.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

std::string lower(const std::string& s) { return base::toLower(s); }

std::string buildpackTable(const json& droplet) {
  const json& buildpacks = jarr(droplet, "buildpacks");
  if (buildpacks.empty()) return "";
  std::vector<std::vector<std::string>> rows = {
      {"name", "version", "detect output", "buildpack name"}};
  for (const auto& bp : buildpacks)
    rows.push_back({jstr(bp, "name"), jstr(bp, "version"), jstr(bp, "detect_output"),
                    jstr(bp, "buildpack_name")});
  return formatTable(rows, 3, "\t");
}

}  // namespace

std::string shortBytes(int64_t bytes) {
  struct Unit {
    int64_t size;
    const char* suffix;
  };
  static const Unit kUnits[] = {{int64_t(1) << 40, "T"}, {int64_t(1) << 30, "G"},
                                {int64_t(1) << 20, "M"}, {int64_t(1) << 10, "K"}};
  for (const Unit& u : kUnits) {
    if (bytes < u.size) continue;
    double v = static_cast<double>(bytes) / static_cast<double>(u.size);
    std::string s = fmt::format("{:.1f}", v);
    if (s.ends_with(".0")) s.resize(s.size() - 2);
    return s + u.suffix;
  }
  return fmt::format("{}B", bytes);
}

std::string formatUploaded(const std::string& created_at) {
  tm t{};
  if (!strptime(created_at.c_str(), "%Y-%m-%dT%H:%M:%S", &t)) return "";
  time_t secs = timegm(&t);
  tm local{};
  localtime_r(&secs, &local);
  char buf[64];
  strftime(buf, sizeof buf, "%a %d %b %H:%M:%S %Z %Y", &local);
  return buf;
}

std::string formatInstanceTable(const json& stats_resources, int64_t now_seconds) {
  std::vector<std::vector<std::string>> rows = {
      {"", "state", "since", "cpu", "memory", "disk", "details"}};
  if (!stats_resources.is_array()) return formatTable(rows);
  for (const auto& s : stats_resources) {
    const json& usage = jobj(s, "usage");
    int64_t uptime = jint(s, "uptime");
    std::string state = lower(jstr(s, "state"));
    std::string since = uptime > 0 || state == "running"
                            ? base::formatTimestamp(now_seconds - uptime)
                            : std::string("-");
    if (state != "running" && state != "down" && jint(s, "since") > 0)
      since = base::formatTimestamp(jint(s, "since"));
    std::string cpu = fmt::format("{:.1f}%", jnum(usage, "cpu") * 100.0);
    std::string mem = fmt::format("{} of {}", shortBytes(jint(usage, "mem")),
                                  shortBytes(jint(s, "mem_quota")));
    std::string disk = fmt::format("{} of {}", shortBytes(jint(usage, "disk")),
                                   shortBytes(jint(s, "disk_quota")));
    std::string details = jstr(s, "details");
    if (state == "crashed" && jint(s, "crash_count") > 0)
      details = fmt::format("crashed {} time{}: {}", jint(s, "crash_count"),
                            jint(s, "crash_count") == 1 ? "" : "s", details);
    rows.push_back({fmt::format("#{}", jint(s, "index")), state, since, cpu, mem, disk, details});
  }
  std::string out = formatTable(rows);
  // Crashed instances and starting ones whose check failed: the app's last lines say why.
  for (const auto& s : stats_resources) {
    const json& last = jarr(s, "last_output");
    std::string state = jstr(s, "state");
    if (last.empty() || (state != "CRASHED" && jstr(s, "details").empty())) continue;
    out += fmt::format("#{} last output:\n", jint(s, "index"));
    for (const auto& line : last)
      if (line.is_string()) out += "   " + line.get<std::string>() + "\n";
  }
  return out;
}

base::Status printAppSummary(Session& session, const json& app) {
  std::string guid = jstr(app, "guid");
  auto routes = session.listAll("/v3/apps/" + guid + "/routes");
  if (!routes) return routes.takeError();
  std::vector<std::string> urls;
  for (const auto& r : *routes) urls.push_back(session.routeUrl(jstr(r, "url")));
  json droplet = json::object();
  if (auto d = session.get("/v3/apps/" + guid + "/droplets/current"); d && d->is_object())
    droplet = *d;
  std::string stack = jstr(droplet, "stack");
  if (stack.empty()) stack = jstr(jobj(jobj(app, "lifecycle"), "data"), "stack");

  std::string out = formatKeyValues({
      {"name", jstr(app, "name")},
      {"requested state", lower(jstr(app, "state"))},
      {"routes", base::join(urls, ", ")},
      {"last uploaded", formatUploaded(jstr(droplet, "created_at"))},
      {"stack", stack},
      {"buildpacks", ""},
  });
  out += buildpackTable(droplet);
  fmt::print("{}\n", out);

  auto processes = session.listAll("/v3/apps/" + guid + "/processes");
  if (!processes) return processes.takeError();
  const json& process_types = jobj(droplet, "process_types");
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& process : *processes) {
    std::string type = jstr(process, "type");
    auto stats = session.get("/v3/processes/" + jstr(process, "guid") + "/stats");
    if (!stats) return stats.takeError();
    const json& resources = jarr(*stats, "resources");
    size_t running = 0;
    for (const auto& s : resources)
      if (jstr(s, "state") == "RUNNING") ++running;
    std::string command = jstr(process, "command");
    if (command.empty()) command = jstr(process_types, type.c_str());
    fmt::print("{}", formatKeyValues({
                         {"type", type},
                         {"sidecars", ""},
                         {"instances", fmt::format("{}/{}", running, jint(process, "instances"))},
                         {"memory usage", shortBytes(jint(process, "memory_in_mb") << 20)},
                         {"start command", command},
                     }));
    if (resources.empty()) fmt::print("There are no running instances of this process.\n");
    else fmt::print("{}", formatInstanceTable(resources, now));
    fmt::print("\n");
  }
  std::fflush(stdout);
  return {};
}

}  // namespace mcf::cli
