// App operations shared by the apps, processes, droplets and manifest endpoints.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "http/message.h"
#include "model/environment.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;

struct Call;
struct ListQuery;

// Lists what belongs to apps (packages, builds, droplets, tasks): at /v3/<collection> for every
// app the caller can read, at /v3/apps/:guid/<collection> for that app only, filtered by
// app_guids, space_guids and organization_guids here; `present` gives one app's resources that
// match the query's other filters. Paginated; sorted by created_at/updated_at.
using AppChildren = std::function<base::Result<std::vector<nlohmann::json>>(
    const model::App& app, const ListQuery& query)>;
base::Result<http::Response> listAppChildren(Api& api, const Call& call,
                                             const std::string& collection,
                                             const AppChildren& present);

// Merges {"K":"v","DEL":null} into env (null deletes). kInvalid for names Cloud Foundry reserves
// (VCAP_*, VCAP_SERVICES, PORT) and for values that are objects or arrays.
base::Status mergeEnv(const nlohmann::json& vars, std::map<std::string, std::string>& env);

// Creates the app and its web process (same guid), as Cloud Controller does; all or nothing.
base::Result<model::App> createAppWithWeb(Api& api, model::App app);

// Sets the desired state (and, for a restart, a new version for every process so that the
// runtime replaces running instances), then tells the Runtime.
base::Result<model::App> setAppState(Api& api, model::App app, model::AppState state,
                                     bool new_versions);

// Refuses with kInsufficientResources (Cloud Controller's
// CF-InsufficientRunningResourcesAvailable) when running the app with `processes` (all of its
// processes as they are about to be stored) would take the memory limits of every started
// app's instances past Runtime::memoryCapacityMb(). Asking for no more memory than the app
// reserves now always passes (scaling down, restarting). Callers check before writing, so a
// refused request changes nothing.
base::Status checkMemory(Api& api, const model::App& app,
                         const std::vector<model::Process>& processes);

// Removes the app's routes from Routing, deletes it with everything it owns, tells the Runtime.
base::Status deleteAppEverywhere(Api& api, const model::App& app);

// Creates, with Cloud Foundry's defaults, the processes of the types the droplet brings that
// the app lacks (web exists already).
base::Status ensureProcessTypes(Api& api, const model::App& app, const model::Droplet& droplet);

// The current droplet's command for a process type ("" if none).
std::string detectedCommand(Api& api, const model::App& app, const std::string& type);

// The app's context for VCAP_APPLICATION: space, org and routes looked up in the store. The
// returned value points into holder, which must outlive it.
struct AppContextHolder {
  model::App app;
  model::Space space;
  model::Org org;
  model::AppContext ctx;
};
void fillAppContext(Api& api, const model::App& app, int memory_mb, int disk_mb,
                    AppContextHolder& holder);

}  // namespace mcf::controller
