// Application security groups: the platform's rules for the outbound traffic of containers.
//
// Files use Cloud Foundry's rule JSON (`cf create-security-group NAME rules.json`), so an
// operator's existing rules move over unchanged:
//   [{"protocol": "tcp", "destination": "10.0.11.0/24", "ports": "80,443",
//     "description": "..."}]
// Running instances get the running groups (none by default: no outbound traffic); staging
// containers get the staging groups (by default Cloud Foundry's public_networks and dns, so
// buildpacks can download dependencies).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"

namespace mcf::daemon {

// Parses one rules file's text; `origin` names it in messages. Every problem is reported,
// with the rule's position.
base::Result<std::vector<runner::NetOutRule>> parseSecurityGroup(std::string_view json,
                                                                 const std::string& origin);
base::Result<std::vector<runner::NetOutRule>> loadSecurityGroups(
    const std::vector<std::string>& files);

// Cloud Foundry's default staging groups: every public address, and DNS anywhere.
std::vector<runner::NetOutRule> defaultStagingRules();

}  // namespace mcf::daemon
