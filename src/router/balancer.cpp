// Round-robin selection.
#include "router/balancer.h"

namespace mcf::router {

size_t pickRoundRobin(const std::vector<Endpoint>& eps, uint64_t& cursor,
                      const std::vector<bool>& tried) {
  const size_t n = eps.size();
  for (size_t i = 0; i < n; ++i) {
    size_t candidate = static_cast<size_t>((cursor + i) % n);
    if (candidate < tried.size() && tried[candidate]) continue;
    cursor = candidate + 1;
    return candidate;
  }
  return kNoEndpoint;
}

size_t pickLeastConnection(const std::vector<Endpoint>& eps, const std::vector<uint32_t>& inflight,
                           uint64_t& cursor, const std::vector<bool>& tried) {
  const size_t n = eps.size();
  size_t best = kNoEndpoint;
  uint32_t best_load = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t candidate = static_cast<size_t>((cursor + i) % n);
    if (candidate < tried.size() && tried[candidate]) continue;
    uint32_t load = candidate < inflight.size() ? inflight[candidate] : 0;
    if (best == kNoEndpoint || load < best_load) {
      best = candidate;
      best_load = load;
    }
  }
  if (best != kNoEndpoint) cursor = best + 1;
  return best;
}

size_t pickInstance(const std::vector<Endpoint>& eps, std::string_view instance,
                    const std::vector<bool>& tried) {
  if (instance.empty()) return kNoEndpoint;
  for (size_t i = 0; i < eps.size(); ++i) {
    if (i < tried.size() && tried[i]) continue;
    if (eps[i].instance_guid == instance) return i;
  }
  return kNoEndpoint;
}

std::vector<bool> avoidRecentFailures(const std::vector<Endpoint>& eps,
                                      const std::unordered_map<std::string, int64_t>& failed_until,
                                      int64_t now_ms) {
  std::vector<bool> tried(eps.size(), false);
  if (failed_until.empty()) return tried;
  size_t avoided = 0;
  for (size_t i = 0; i < eps.size(); ++i) {
    auto it = failed_until.find(endpointKey(eps[i]));
    if (it != failed_until.end() && it->second > now_ms) {
      tried[i] = true;
      ++avoided;
    }
  }
  if (avoided == eps.size()) tried.assign(eps.size(), false);
  return tried;
}

}  // namespace mcf::router
