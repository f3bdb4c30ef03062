// Presenters: the JSON of every resource as CC v3 shows it (CF-CONTRACT §1.2, §1.4): guid,
// timestamps, metadata, relationships and absolute links.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/jobs.h"
#include "controller/platform.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;
using nlohmann::json;

json presentOrg(const Api& api, const model::Org& org);
json presentSpace(const Api& api, const model::Space& space);
json presentDomain(const Api& api, const model::Domain& domain);
json presentApp(const Api& api, const model::App& app);
// detected: the droplet's command for this type, shown when the process sets none.
json presentProcess(const Api& api, const model::Process& process, const model::App& app,
                    const std::string& detected);
json presentPackage(const Api& api, const model::Package& package);
json presentBuild(const Api& api, const model::Build& build);
json presentDroplet(const Api& api, const model::Droplet& droplet);
json presentDestination(const model::RouteDestination& dest);
json presentRoute(const Api& api, const model::Route& route, const model::Domain& domain,
                  const std::vector<model::RouteDestination>& destinations);
json presentJob(const Api& api, const Job& job);
// One entry of GET /v3/processes/:guid/stats.
json presentInstance(const Api& api, const model::Process& process, const InstanceStatus& status);
json presentAuditEvent(const Api& api, const model::AuditEvent& event);

// {"href": url(path)}, with "method" for action links.
json link(const Api& api, const std::string& path, const char* method = nullptr);
// {"data":{"guid":g}}, or {"data":null} when g is empty.
json relationship(const std::string& guid);

}  // namespace mcf::controller
