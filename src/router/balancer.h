// Load balancing as pure functions over a pool (h2o's lib/common/balancer), without sockets.
//
// The caller keeps the state: a cursor per route and what a request already tried.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "router/route_table.h"

namespace mcf::router {

inline constexpr size_t kNoEndpoint = static_cast<size_t>(-1);

// The next endpoint after cursor that is not tried (tried may be shorter than eps: missing
// entries count as not tried); advances cursor past it. kNoEndpoint when all were tried.
size_t pickRoundRobin(const std::vector<Endpoint>& eps, uint64_t& cursor,
                      const std::vector<bool>& tried);

// Least-connection: among endpoints not tried, one with the fewest requests in flight
// (inflight[i], missing entries count 0); ties go round-robin from cursor, which advances
// past the pick. kNoEndpoint when all were tried.
size_t pickLeastConnection(const std::vector<Endpoint>& eps, const std::vector<uint32_t>& inflight,
                           uint64_t& cursor, const std::vector<bool>& tried);

// The endpoint whose instance_guid is instance (a sticky session's __VCAP_ID__) and that is
// not tried; kNoEndpoint if none.
size_t pickInstance(const std::vector<Endpoint>& eps, std::string_view instance,
                    const std::vector<bool>& tried);

// The starting `tried` for a request: endpoints that failed recently (failed_until[key] >
// now_ms) count as tried so they are skipped, unless that would leave none (Gorouter
// likewise prefers a recently failed endpoint to none).
std::vector<bool> avoidRecentFailures(const std::vector<Endpoint>& eps,
                                      const std::unordered_map<std::string, int64_t>& failed_until,
                                      int64_t now_ms);

}  // namespace mcf::router
