// Organization and space quotas: what a started app, a task, a route or a service instance
// may add to an org's and a space's usage (Cloud Foundry's quota definitions).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "http/message.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;

// Refuses with kInvalid (422 CF-UnprocessableEntity) when running the app with `processes`
// (all of its processes as they are about to be stored) would break its org's or space's
// quota: total memory, memory per instance, total instances. Usage counts the processes of
// started apps (memory x instances) and pending or running tasks. Like Cloud Controller, only
// an increase is checked: asking for no more than the app has now always passes.
base::Status checkAppQuota(Api& api, const model::App& app,
                           const std::vector<model::Process>& processes);

// The same for a new task of `memory_mb` of the app: total memory, memory per instance and
// tasks per app (per_app_tasks counts the app's pending and running tasks).
base::Status checkTaskQuota(Api& api, const model::App& app, int64_t memory_mb);

// kInvalid when one more route in the space would pass its org's or space's total_routes.
base::Status checkRouteQuota(Api& api, const std::string& space_guid);

// kInvalid when one more managed service instance in the space would pass its org's or
// space's total_service_instances. User-provided instances do not count, as in Cloud Foundry.
base::Status checkServiceInstanceQuota(Api& api, const std::string& space_guid);

}  // namespace mcf::controller

namespace mcf::controller {

struct Call;
using QuotaReply = base::Result<http::Response>;

// /v3/organization_quotas and /v3/space_quotas.
QuotaReply listOrgQuotas(Api& api, const Call& call);
QuotaReply getOrgQuota(Api& api, const Call& call);
QuotaReply createOrgQuota(Api& api, const Call& call);
QuotaReply updateOrgQuota(Api& api, const Call& call);
QuotaReply deleteOrgQuota(Api& api, const Call& call);
QuotaReply applyOrgQuota(Api& api, const Call& call);
QuotaReply listSpaceQuotas(Api& api, const Call& call);
QuotaReply getSpaceQuota(Api& api, const Call& call);
QuotaReply createSpaceQuota(Api& api, const Call& call);
QuotaReply updateSpaceQuota(Api& api, const Call& call);
QuotaReply deleteSpaceQuota(Api& api, const Call& call);
QuotaReply applySpaceQuota(Api& api, const Call& call);
QuotaReply removeSpaceQuota(Api& api, const Call& call);

// The quota guid an org or space presents in relationships.quota ("" = none).
std::string appliedQuotaGuid(const Api& api, bool org, const std::string& guid);

}  // namespace mcf::controller
