// Managed service instances and their bindings and keys: the handlers' halves that go to a
// service broker (services.cpp dispatches here by the instance's type).
#pragma once

#include <string>

#include "controller/api.h"
#include "model/service.h"

namespace mcf::controller {

// POST /v3/service_instances {type:"managed", name, relationships:{space, service_plan},
// parameters?, tags?} → 202 job.
Reply createManagedInstance(Api& api, const Call& call, const json& body);
// PATCH: name, tags and metadata at once (200); parameters or another plan through the broker
// (202 job).
Reply updateManagedInstance(Api& api, const Call& call, model::ServiceInstance si, const json& body);
// DELETE → 202 job (the caller refused instances with bindings or keys).
Reply deleteManagedInstance(Api& api, const Call& call, model::ServiceInstance si);
// POST /v3/service_credential_bindings for a managed instance: type "app" (app set) or "key".
Reply createManagedBinding(Api& api, const Call& call, const json& body, const model::ServiceInstance& si,
                           model::ServiceBinding b);
Reply deleteManagedBinding(Api& api, const Call& call, model::ServiceBinding b);
// GET /v3/service_instances/:guid/parameters (from the broker, when it can say).
void getManagedParameters(Api& api, Call&& call, std::function<void(Reply)> done);
// kInvalid (CF-AsyncServiceInstanceOperationInProgress words) while an operation runs.
base::Status refuseWhileInProgress(const model::ServiceInstance& si);

}  // namespace mcf::controller
