// Load balancing as pure functions over a pool (h2o's lib/common/balancer), without sockets.
//
// The caller keeps the state: a cursor per route and what a request already tried.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "router/route_table.h"

namespace mcf::router {

inline constexpr size_t kNoEndpoint = static_cast<size_t>(-1);

// The next endpoint after cursor that is not tried (tried may be shorter than eps: missing
// entries count as not tried); advances cursor past it. kNoEndpoint when all were tried.
size_t pickRoundRobin(const std::vector<Endpoint>& eps, uint64_t& cursor,
                      const std::vector<bool>& tried);

// Identifies an endpoint across route table updates: app, instance and address.
std::string endpointKey(const Endpoint& e);

// The starting `tried` for a request: endpoints that failed recently (failed_until[key] >
// now_ms) count as tried so they are skipped, unless that would leave none (Gorouter
// likewise prefers a recently failed endpoint to none).
std::vector<bool> avoidRecentFailures(const std::vector<Endpoint>& eps,
                                      const std::unordered_map<std::string, int64_t>& failed_until,
                                      int64_t now_ms);

}  // namespace mcf::router
