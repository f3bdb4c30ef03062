// The containers' firewall: nftables rules rendered as text and applied with `nft -f -`, one
// atomic batch at a time.
//
// Owns: the tables `inet <config.table>` and `bridge <config.table>` (recreated by
// setupFirewall, deleted by cleanupFirewall) and everything in them. Nothing else on the host.
// Does not own: interfaces and addresses (runner/network.h), sysctls.
// Thread: any; apply() blocks while nft runs (a few milliseconds).
//
// Policy, for traffic from the bridge's containers:
// - to the host: only replies (connections the host opened, e.g. the router to IP:8080);
// - to other containers: never bridged directly (their ports are isolated, and the bridge
//   table drops veth to veth); the host routes it (proxy ARP), and the inet forward chain
//   lets through only what the sender's NetOut rules allow, unmasqueraded;
// - elsewhere: only what the container's NetOut rules allow, masqueraded;
// - NetIn: 127.0.0.1:host_port on the host is forwarded to ip:container_port.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"
#include "runner/network.h"

namespace mcf::runner {

// The base ruleset: deletes microcf's tables if present and adds them anew with the policy
// above and no container. Errors on names that are unsafe in nft's syntax.
base::Result<std::string> renderBaseRuleset(const NetworkConfig& config);

// One NetOut rule as the body of an nft rule ("ip daddr 10.0.0.0/8 tcp dport 80-90 accept").
base::Result<std::string> renderNetOutRule(const NetOutRule& rule);

// Sets ip's outbound rules to exactly `rules` (its chain is flushed and refilled) and adds
// its NetIn forwards (a host port already forwarded to this container is fine). Call it at
// create with the spec's net_out, and again with the whole list after each NetOut/NetIn.
base::Result<std::string> renderContainerRules(const NetworkConfig& config, const std::string& ip,
                                               const std::vector<NetOutRule>& rules,
                                               const std::vector<PortMapping>& netins);

// Removes ip's chain and NetIn forwards. netins are the container's mappings (only host_port
// is used). Succeeds when they are already gone.
base::Result<std::string> renderRemoveContainer(const NetworkConfig& config, const std::string& ip,
                                                const std::vector<PortMapping>& netins);

// Runs `nft -f -` with text; on failure the error carries nft's message.
base::Status applyRuleset(const std::string& text);

base::Status setupFirewall(const NetworkConfig& config);
base::Status addContainerRules(const NetworkConfig& config, const std::string& ip,
                               const std::vector<NetOutRule>& rules,
                               const std::vector<PortMapping>& netins);
// A missing table (cleanupFirewall ran, or setupFirewall never did) counts as removed.
base::Status removeContainerRules(const NetworkConfig& config, const std::string& ip,
                                  const std::vector<PortMapping>& netins);
// Deletes both tables; missing ones are fine.
base::Status cleanupFirewall(const NetworkConfig& config);
// Does `inet <config.table>` exist?
bool firewallTableExists(const NetworkConfig& config);

}  // namespace mcf::runner
