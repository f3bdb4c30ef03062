// rollback, cancel-deployment, and the deployment steps push and restart share.
#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/app_summary.h"
#include "cli/commands.h"
#include "cli/deploy.h"
#include "cli/json_util.h"
#include "cli/poll.h"
#include "cli/session.h"

namespace mcf::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int startupTimeoutMinutes() {
  const char* env = std::getenv("CF_STARTUP_TIMEOUT");
  if (!env) return 5;
  int minutes = std::atoi(env);
  return minutes > 0 ? minutes : 5;
}

// The app's active deployment, or null.
base::Result<json> activeDeployment(Session& session, const std::string& app_guid) {
  auto list = session.get("/v3/deployments?status_values=ACTIVE&order_by=-created_at&app_guids=" +
                          app_guid);
  if (!list) return list.takeError();
  const auto& resources = jarr(*list, "resources");
  if (resources.empty()) return json(nullptr);
  return resources.front();
}

std::string deploymentError(const json& d) {
  const json& details = d.value("status", json::object()).value("details", json::object());
  auto it = details.find("error");
  return it != details.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string deploymentReason(const json& d) {
  return d.value("status", json::object()).value("reason", "");
}

int rollback(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  std::string guid = jstr(*app, "guid");
  auto current = session.get("/v3/apps/" + guid + "/relationships/current_droplet");
  if (!current) return fail(current.error());
  std::string current_guid;
  if (auto data = current->find("data"); data != current->end() && data->is_object())
    current_guid = data->value("guid", "");
  // The staged droplet created just before the current one (the list is oldest first).
  auto droplets = session.listAll("/v3/apps/" + guid + "/droplets?states=STAGED");
  if (!droplets) return fail(droplets.error());
  std::string previous;
  for (const auto& d : *droplets) {
    if (jstr(d, "guid") == current_guid) break;
    previous = jstr(d, "guid");
  }
  if (current_guid.empty() || previous.empty())
    return fail(fmt::format("App '{}' has no droplet before its current one to roll back to. "
                            "Push the version you want instead.", name));
  fmt::print("Rolling back app {} to its previous droplet {} {}...\n\n", name, previous,
             whereAs(session));
  std::fflush(stdout);
  if (auto s = deployAndWait(session, guid, name, previous, 1); !s) return fail(s.error());
  auto fresh = session.get("/v3/apps/" + guid);
  if (!fresh) return fail(fresh.error());
  if (auto s = printAppSummary(session, *fresh); !s) return fail(s.error());
  return 0;
}

int cancelDeployment(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Canceling deployment for app {} {}...\n\n", name, whereAs(session));
  auto app = findApp(session, name);
  if (!app) return fail(app.error());
  auto active = activeDeployment(session, jstr(*app, "guid"));
  if (!active) return fail(active.error());
  if (active->is_null())
    return fail(fmt::format("No active deployment found for app '{}'.", name));
  auto canceled = session.api("POST", "/v3/deployments/" + jstr(*active, "guid") + "/actions/cancel");
  if (!canceled) return fail(canceled.error());
  fmt::print("OK\n\nTIP: Run 'microcf app {}' to view app status.\n", name);
  return 0;
}

}  // namespace

base::Status checkStrategy(const std::string& strategy) {
  if (strategy.empty() || strategy == "rolling") return {};
  if (strategy == "canary")
    return base::makeError(base::Errc::kInvalid, "microcf does not do canary deployments; use "
                                                 "--strategy rolling.");
  return base::makeError(base::Errc::kInvalid, "Invalid value '{}' for --strategy: the only "
                                               "strategy is 'rolling'.", strategy);
}

base::Status deployAndWait(Session& session, const std::string& app_guid,
                           const std::string& app_name, const std::string& droplet_guid,
                           int max_in_flight) {
  json body = {{"strategy", "rolling"},
               {"options", {{"max_in_flight", max_in_flight > 0 ? max_in_flight : 1}}},
               {"relationships", {{"app", {{"data", {{"guid", app_guid}}}}}}}};
  if (!droplet_guid.empty()) body["droplet"] = {{"guid", droplet_guid}};
  fmt::print("Starting deployment for app {}...\n", app_name);
  std::fflush(stdout);
  auto created = session.api("POST", "/v3/deployments", body);
  if (!created) return created.takeError();
  std::string guid = jstr(*created, "guid");
  fmt::print("Waiting for app to deploy...\n\n");
  std::fflush(stdout);

  int minutes = startupTimeoutMinutes();
  auto deadline = Clock::now() + std::chrono::minutes(minutes);
  PollDelay delay(100, 500);
  bool told_rollback = false;
  for (;;) {
    auto d = session.get("/v3/deployments/" + guid);
    if (!d) return d.takeError();
    std::string reason = deploymentReason(*d);
    std::string error = deploymentError(*d);
    if (reason == "CANCELING" && !told_rollback && !error.empty()) {
      fmt::print("Deployment failed: {}\nRolling back to the previous droplet...\n\n", error);
      std::fflush(stdout);
      told_rollback = true;
    }
    if (d->value("status", json::object()).value("value", "") == "FINALIZED") {
      if (reason == "DEPLOYED") return {};
      std::string logs = fmt::format("TIP: use 'microcf logs {} --recent' for more information",
                                     app_name);
      if (reason == "SUPERSEDED")
        return base::makeError(base::Errc::kInvalid, "The deployment was superseded by a newer "
                                                     "one of app '{}'.", app_name);
      if (!error.empty())
        return base::makeError(base::Errc::kInvalid, "Deployment failed and was rolled back: "
                                                     "{}\nApp '{}' keeps running its previous "
                                                     "droplet.\n\n{}", error, app_name, logs);
      return base::makeError(base::Errc::kInvalid, "The deployment was canceled; app '{}' runs "
                                                   "its previous droplet.", app_name);
    }
    if (Clock::now() > deadline) {
      (void)session.api("POST", "/v3/deployments/" + guid + "/actions/cancel");
      return base::makeError(base::Errc::kUnavailable,
                             "The deployment did not finish within {} minute{} "
                             "(CF_STARTUP_TIMEOUT); it was canceled and app '{}' goes back to "
                             "its previous droplet.\n\nTIP: use 'microcf logs {} --recent' for "
                             "more information", minutes, minutes == 1 ? "" : "s", app_name,
                             app_name);
    }
    delay.sleep();
  }
}

void addDeployCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto rb = std::make_shared<std::string>();
  CLI::App* r = app.add_subcommand("rollback", "Roll an app back to its previous droplet, "
                                               "without downtime and without staging");
  r->add_option("name", *rb, "App name")->required();
  table.add(r, [rb, &ctx] { return rollback(ctx, *rb); });
  auto cd = std::make_shared<std::string>();
  CLI::App* c = app.add_subcommand("cancel-deployment", "Cancel the most recent deployment for "
                                                        "an app; its previous droplet serves");
  c->add_option("name", *cd, "App name")->required();
  table.add(c, [cd, &ctx] { return cancelDeployment(ctx, *cd); });
}

}  // namespace mcf::cli
