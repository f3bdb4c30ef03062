// What the service brokers' catalogs look like to a caller: plan visibility (CF-CONTRACT §7),
// shared by the broker, offering, plan and instance endpoints.
#pragma once

#include <string>

#include "controller/api.h"
#include "model/service.h"

namespace mcf::controller {

// Admins and global readers see every plan; others see public plans and plans made visible
// to org_guid (or, with org_guid "", to any org they belong to). available=false plans are
// seen only where instances use them.
bool planVisible(const Api& api, const Call& call, const model::ServicePlan& plan,
                 const std::string& org_guid = "");

// The offering and broker of a plan, and the plan of a managed instance, for presenters.
json presentOffering(const Api& api, const model::ServiceOffering& o);
json presentPlan(const Api& api, const model::ServicePlan& p);
json presentBroker(const Api& api, const model::ServiceBroker& b);
json presentServiceInstance(const Api& api, const model::ServiceInstance& si);

}  // namespace mcf::controller
