// Route table: mappings, endpoints and longest-prefix lookup.
#include "router/route_table.h"

#include <algorithm>
#include <utility>

#include "base/strutil.h"

namespace mcf::router {
namespace {

// "" for the whole host; otherwise "/a/b": lowercased, one leading '/', no trailing '/'.
std::string normalizePath(std::string_view path) {
  std::string p = base::toLower(path);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (!p.empty() && p.front() != '/') p = "/" + p;
  return p;
}

bool pathMatches(const std::string& route_path, const std::string& request_path) {
  if (route_path.empty()) return true;
  if (!request_path.starts_with(route_path)) return false;
  return request_path.size() == route_path.size() || request_path[route_path.size()] == '/';
}

}  // namespace

std::string endpointKey(const Endpoint& e) {
  return e.app_guid + "/" + e.instance_guid + "@" + e.host + ":" + std::to_string(e.port);
}

void RouteTable::mapRoute(const std::string& host, const std::string& path,
                          const std::string& app_guid, const RouteOptions& options) {
  ++generation_;
  Route& route = routes_[base::toLower(host)][normalizePath(path)];
  route.options = options;
  auto& apps = route.apps;
  if (std::find(apps.begin(), apps.end(), app_guid) == apps.end()) apps.push_back(app_guid);
}

void RouteTable::unmapRoute(const std::string& host, const std::string& path,
                            const std::string& app_guid) {
  ++generation_;
  auto h = routes_.find(base::toLower(host));
  if (h == routes_.end()) return;
  auto p = h->second.find(normalizePath(path));
  if (p == h->second.end()) return;
  std::erase(p->second.apps, app_guid);
  if (p->second.apps.empty()) h->second.erase(p);
  if (h->second.empty()) routes_.erase(h);
}

void RouteTable::addEndpoint(const Endpoint& endpoint) {
  ++generation_;
  auto& list = endpoints_[endpoint.app_guid];
  for (auto& e : list) {
    if (e.instance_guid == endpoint.instance_guid) {
      Endpoint old = std::exchange(e, endpoint);
      if (removed_ && (old.host != endpoint.host || old.port != endpoint.port)) removed_(old);
      return;
    }
  }
  list.push_back(endpoint);
}

void RouteTable::removeEndpoint(const std::string& app_guid, const std::string& instance_guid) {
  ++generation_;
  auto it = endpoints_.find(app_guid);
  if (it == endpoints_.end()) return;
  std::vector<Endpoint> gone;
  std::erase_if(it->second, [&](const Endpoint& e) {
    if (e.instance_guid != instance_guid) return false;
    gone.push_back(e);
    return true;
  });
  if (it->second.empty()) endpoints_.erase(it);
  if (removed_)
    for (const Endpoint& e : gone) removed_(e);
}

void RouteTable::removeApp(const std::string& app_guid) {
  ++generation_;
  auto eps = endpoints_.find(app_guid);
  if (eps != endpoints_.end()) {
    std::vector<Endpoint> gone = std::move(eps->second);
    endpoints_.erase(eps);
    if (removed_)
      for (const Endpoint& e : gone) removed_(e);
  }
  for (auto h = routes_.begin(); h != routes_.end();) {
    for (auto p = h->second.begin(); p != h->second.end();) {
      std::erase(p->second.apps, app_guid);
      p = p->second.apps.empty() ? h->second.erase(p) : std::next(p);
    }
    h = h->second.empty() ? routes_.erase(h) : std::next(h);
  }
}

std::shared_ptr<const RouteMatch> RouteTable::lookup(std::string_view host,
                                                     std::string_view path) const {
  // Lowercased into buffers kept between calls: no allocation per request.
  thread_local std::string h, request_path;
  h.assign(host);
  for (char& c : h) c = base::asciiLower(c);
  auto it = routes_.find(h);
  if (it == routes_.end()) return nullptr;
  request_path.assign(path);
  for (char& c : request_path) c = base::asciiLower(c);
  const std::string* best_path = nullptr;
  const Route* best = nullptr;
  for (const auto& [route_path, route] : it->second) {
    if (!pathMatches(route_path, request_path)) continue;
    if (!best_path || route_path.size() > best_path->size()) {
      best_path = &route_path;
      best = &route;
    }
  }
  if (!best_path) return nullptr;
  if (best->match_gen != generation_) {
    best->match = makeMatch(h, *best_path, *best);
    best->match_gen = generation_;
  }
  return best->match;
}

std::shared_ptr<const RouteMatch> RouteTable::makeMatch(const std::string& host,
                                                        const std::string& path,
                                                        const Route& route) const {
  auto match = std::make_shared<RouteMatch>();
  match->route = host + path;
  match->options = route.options;
  match->cursor = route.cursor;
  for (const std::string& app : route.apps) {
    auto e = endpoints_.find(app);
    if (e != endpoints_.end())
      match->endpoints.insert(match->endpoints.end(), e->second.begin(), e->second.end());
  }
  for (const Endpoint& e : match->endpoints) match->keys.push_back(endpointKey(e));
  return match;
}

std::vector<Endpoint> RouteTable::endpoints(const std::string& app_guid) const {
  auto it = endpoints_.find(app_guid);
  return it == endpoints_.end() ? std::vector<Endpoint>{} : it->second;
}

}  // namespace mcf::router
