// Tests of the route table: matching, pooling, replacing and removing.
#include "router/route_table.h"

#include <doctest/doctest.h>

using namespace mcf::router;

namespace {

Endpoint ep(std::string app, std::string instance, int index, int port) {
  return Endpoint{std::move(app), std::move(instance), index, "127.0.0.1", port};
}

std::vector<int> ports(const std::shared_ptr<const RouteMatch>& m) {
  std::vector<int> out;
  if (m)
    for (const auto& e : m->endpoints) out.push_back(e.port);
  return out;
}

}  // namespace

TEST_CASE("the longest path prefix on segment boundaries wins; hosts match case-insensitively") {
  RouteTable t;
  t.mapRoute("MyApp.localhost", "", "root");
  t.mapRoute("myapp.localhost", "/api", "api");
  t.mapRoute("myapp.localhost", "/api/v2/", "v2");
  t.addEndpoint(ep("root", "r0", 0, 1000));
  t.addEndpoint(ep("api", "a0", 0, 2000));
  t.addEndpoint(ep("v2", "v0", 0, 3000));

  CHECK(ports(t.lookup("myapp.localhost", "/")) == std::vector<int>{1000});
  CHECK(ports(t.lookup("MYAPP.LOCALHOST", "/apix")) == std::vector<int>{1000});
  CHECK(ports(t.lookup("myapp.localhost", "/api")) == std::vector<int>{2000});
  CHECK(ports(t.lookup("myapp.localhost", "/api/v1/apps")) == std::vector<int>{2000});
  CHECK(ports(t.lookup("myapp.localhost", "/API/v2")) == std::vector<int>{3000});
  CHECK(ports(t.lookup("myapp.localhost", "/api/v2/x")) == std::vector<int>{3000});
  CHECK_FALSE(t.lookup("other.localhost", "/"));
  CHECK(t.lookup("myapp.localhost", "/api")->route == "myapp.localhost/api");
}

TEST_CASE("a path-only route does not catch other paths") {
  RouteTable t;
  t.mapRoute("a.localhost", "/only", "x");
  CHECK_FALSE(t.lookup("a.localhost", "/"));
  CHECK_FALSE(t.lookup("a.localhost", "/onlyx"));
  REQUIRE(t.lookup("a.localhost", "/only/"));
  CHECK(t.lookup("a.localhost", "/only/")->endpoints.empty());  // mapped, no endpoints yet
}

TEST_CASE("apps sharing a route pool their endpoints; unmapping removes only that app") {
  RouteTable t;
  t.mapRoute("shared.localhost", "", "blue");
  t.mapRoute("shared.localhost", "", "green");
  t.mapRoute("shared.localhost", "", "green");  // mapping twice changes nothing
  t.addEndpoint(ep("blue", "b0", 0, 1));
  t.addEndpoint(ep("green", "g0", 0, 2));
  t.addEndpoint(ep("green", "g1", 1, 3));
  CHECK(ports(t.lookup("shared.localhost", "/")) == std::vector<int>{1, 2, 3});
  t.unmapRoute("shared.localhost", "", "blue");
  CHECK(ports(t.lookup("shared.localhost", "/")) == std::vector<int>{2, 3});
  t.unmapRoute("shared.localhost", "/", "green");
  CHECK_FALSE(t.lookup("shared.localhost", "/"));
}

TEST_CASE("endpoints are replaced by instance guid and removed by instance or app") {
  RouteTable t;
  t.mapRoute("a.localhost", "", "app");
  t.mapRoute("b.localhost", "", "app");
  t.addEndpoint(ep("app", "i0", 0, 1));
  t.addEndpoint(ep("app", "i1", 1, 2));
  t.addEndpoint(ep("app", "i0", 0, 9));  // same instance, new port: replaced in place
  CHECK(ports(t.lookup("a.localhost", "/")) == std::vector<int>{9, 2});
  t.removeEndpoint("app", "i0");
  CHECK(ports(t.lookup("a.localhost", "/")) == std::vector<int>{2});
  t.removeEndpoint("app", "nope");
  CHECK(t.endpoints("app").size() == 1);
  t.removeApp("app");
  CHECK(t.endpoints("app").empty());
  CHECK_FALSE(t.lookup("a.localhost", "/"));
  CHECK_FALSE(t.lookup("b.localhost", "/"));
}

TEST_CASE("a route's options come with its match; mapping again updates them") {
  RouteTable t;
  t.mapRoute("a.localhost", "", "app1");
  CHECK(t.lookup("a.localhost", "/")->options.loadbalancing == "round-robin");
  t.mapRoute("a.localhost", "", "app2", RouteOptions{"least-connection"});
  CHECK(t.lookup("a.localhost", "/x")->options.loadbalancing == "least-connection");
  t.unmapRoute("a.localhost", "", "app1");
  CHECK(t.lookup("a.localhost", "/")->options.loadbalancing == "least-connection");
}

TEST_CASE("a match is a snapshot: changes show in the next lookup, not in a match already taken") {
  RouteTable t;
  t.mapRoute("a.localhost", "", "app");
  t.addEndpoint(ep("app", "i0", 0, 1));
  auto before = t.lookup("a.localhost", "/");
  REQUIRE(before);
  CHECK(before == t.lookup("A.localhost", "/x"));  // unchanged table: the same snapshot
  CHECK(before->keys == std::vector<std::string>{endpointKey(before->endpoints[0])});
  *before->cursor = 7;
  t.addEndpoint(ep("app", "i1", 1, 2));
  CHECK(ports(before) == std::vector<int>{1});
  CHECK(*t.lookup("a.localhost", "/")->cursor == 7);  // round robin goes on where it was
  CHECK(ports(t.lookup("a.localhost", "/")) == std::vector<int>{1, 2});
  CHECK(t.lookup("a.localhost", "/")->keys.size() == 2);
  t.removeEndpoint("app", "i0");
  CHECK(ports(t.lookup("a.localhost", "/")) == std::vector<int>{2});
  t.mapRoute("a.localhost", "", "app", RouteOptions{"least-connection"});
  CHECK(t.lookup("a.localhost", "/")->options.loadbalancing == "least-connection");
  t.removeApp("app");
  CHECK_FALSE(t.lookup("a.localhost", "/"));
}
