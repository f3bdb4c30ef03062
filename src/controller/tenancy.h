// Users, roles, orgs and spaces: the pieces their endpoints share (roles.cpp, users.cpp,
// uaa_users.cpp, org_space_writes.cpp).
#pragma once

#include <string>

#include "controller/api.h"

namespace mcf::controller {

json presentUser(const Api& api, const model::User& user);
json presentRole(const Api& api, const model::Role& role);

// Records an audit event by the caller about a target (a user, org or space). Failures are
// logged, never returned.
void recordTenancyEvent(Api& api, const Call& call, const std::string& type,
                        const std::string& target_type, const std::string& target_guid,
                        const std::string& target_name, const std::string& space_guid,
                        const std::string& org_guid, json data = json::object());

}  // namespace mcf::controller
