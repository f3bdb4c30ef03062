// Roles: the role table of CF-CONTRACT §8 as data, and the pure decision it makes.
//
// Owns: which caller may do which action on an object, given the caller's global scopes and
// roles in the object's org and space. Does not own: loading roles (controller/api.cpp), errors.
// Thread: any; pure functions over constant data.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace mcf::auth {

// What a caller wants to do. Each action has a scope: the object it is checked against (a
// space, an org, or nothing for platform-wide resources such as buildpacks and stacks).
enum class Action {
  // Space-scoped.
  kRead,             // apps, processes, stats, tasks, packages, builds, droplets, deployments,
                     // events, service instances and bindings, the space itself
  kReadRoute,        // routes: kRead, and org auditors too
  kReadLogs,         // log-cache
  kReadEnv,          // an app's environment variables (/env with system env only with kReadSecrets)
  kReadSecrets,      // system env (VCAP_SERVICES), service credentials, task commands
  kWriteDev,         // create/delete apps, packages and uploads, routes, service instances,
                     // apply_manifest, ssh
  kWriteLifecycle,   // start/stop/restart, scale, builds, deployments, env vars, droplet,
                     // service bindings, tasks
  kDownloadDroplet,  // droplet bits
  kManageSpace,      // update a space, space roles
  // Org-scoped.
  kReadOrg,          // the org, its domains and quotas
  kManageOrg,        // create spaces, update the org, org roles, private domains
  // Platform-wide (buildpacks, shared domains, stacks, orgs): everyone may read them.
  kWriteGlobal,
};

enum class Scope { kSpace, kOrg, kGlobal };
Scope scopeOf(Action action);
std::string_view toString(Action action);

// The caller's platform-wide powers, from the token's scopes.
struct Powers {
  bool admin = false;            // cloud_controller.admin
  bool admin_read_only = false;  // cloud_controller.admin_read_only
  bool global_auditor = false;   // cloud_controller.global_auditor
};

enum class Decision {
  kAllow,
  kNotFound,   // the caller cannot see the object: "<what> not found"
  kForbidden,  // the caller sees it but may not do this: CF-NotAuthorized
};

// The decision for action on one object. roles are the caller's roles that apply to the
// object: org roles in its org and space roles in its space (others must be left out).
// A caller who may not see the object gets kNotFound, never kForbidden.
Decision decide(const Powers& powers, const std::vector<model::RoleType>& roles, Action action);

// Whether roles (as above) let the caller see an object of the action's scope: a space (any
// space role, or org manager) or an org (any role in it).
bool canSee(const Powers& powers, const std::vector<model::RoleType>& roles, Scope scope);

}  // namespace mcf::auth
