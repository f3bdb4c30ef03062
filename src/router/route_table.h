// Route table: which apps serve which host/path, and where their instances listen.
//
// Owns: route → app mappings and app → endpoint lists (what NATS route.register gives Gorouter).
// Does not own: deciding what is routable (the scheduler adds healthy instances), sockets.
// Thread: the loop's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcf::router {

struct Endpoint {
  std::string app_guid;
  std::string instance_guid;
  int index = 0;
  std::string host;
  int port = 0;
};

// Identifies an endpoint across route table updates: app, instance and address.
std::string endpointKey(const Endpoint& e);

// A route's `options` (CC v3): how its requests are spread over its endpoints.
struct RouteOptions {
  std::string loadbalancing = "round-robin";  // or "least-connection"
};

// A snapshot: later changes to the table make new snapshots and leave this one as it was, so
// a request can keep it while it tries instance after instance.
struct RouteMatch {
  std::string route;                // the matched route, "host/path", for per-route state
  std::vector<Endpoint> endpoints;  // pooled over every app mapped to it; may be empty
  std::vector<std::string> keys;    // endpointKey of each endpoint
  RouteOptions options;
  // The route's round-robin position: shared by its snapshots, kept while the route is.
  std::shared_ptr<uint64_t> cursor;
};

// Hosts and paths match case-insensitively (Gorouter lowercases route keys). A route's path
// matches the request path and everything below it on '/' boundaries: "/api" matches
// "/api" and "/api/v1" but not "/apix"; the empty path matches everything.
class RouteTable {
 public:
  // Mapping again updates the route's options (they belong to the route, not the mapping).
  void mapRoute(const std::string& host, const std::string& path, const std::string& app_guid,
                const RouteOptions& options = {});
  // A route left with no app is gone (its requests get unknown_route).
  void unmapRoute(const std::string& host, const std::string& path, const std::string& app_guid);
  // Keyed by app_guid + instance_guid; re-adding replaces in place (keeps round-robin order).
  void addEndpoint(const Endpoint& endpoint);
  void removeEndpoint(const std::string& app_guid, const std::string& instance_guid);
  // Forgets the app: its endpoints and its route mappings.
  void removeApp(const std::string& app_guid);

  // The longest route matching host and path; null if none does. Made once per route and
  // table change, and shared: the router calls this for every request.
  std::shared_ptr<const RouteMatch> lookup(std::string_view host, std::string_view path) const;
  std::vector<Endpoint> endpoints(const std::string& app_guid) const;

  // fn runs for every endpoint that leaves the table (removed, its app removed, or replaced
  // by one at another address), right after the change; the router closes its idle
  // connections to it. One observer; nullptr removes it.
  void setRemovalObserver(std::function<void(const Endpoint&)> fn) { removed_ = std::move(fn); }

 private:
  struct Route {
    std::vector<std::string> apps;  // in mapping order
    RouteOptions options;
    std::shared_ptr<uint64_t> cursor = std::make_shared<uint64_t>(0);
    mutable std::shared_ptr<const RouteMatch> match;  // made by lookup at generation match_gen
    mutable uint64_t match_gen = 0;
  };
  std::shared_ptr<const RouteMatch> makeMatch(const std::string& host, const std::string& path,
                                              const Route& route) const;

  // host → normalized path → route.
  std::unordered_map<std::string, std::map<std::string, Route>> routes_;
  std::unordered_map<std::string, std::vector<Endpoint>> endpoints_;
  std::function<void(const Endpoint&)> removed_;
  uint64_t generation_ = 1;  // every change bumps it, so every cached match is stale
};

}  // namespace mcf::router
