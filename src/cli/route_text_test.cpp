#include <doctest/doctest.h>

#include "cli/route_text.h"

namespace mcf::cli {

TEST_CASE("route text: specs, cf's not-found and exists messages") {
  RouteSpec s = makeRouteSpec("Example.Test", "Shop", "api");
  CHECK(s.url() == "shop.example.test/api");
  CHECK(makeRouteSpec("d.test", "", "/").url() == "d.test");
  CHECK(routeNotFoundMessage(s) ==
        "Route with host 'shop', domain 'example.test', and path '/api' not found.");
  CHECK(routeNotFoundMessage(makeRouteSpec("d.test", "h", "")) ==
        "Route with host 'h' and domain 'd.test' not found.");
  CHECK(routeNotFoundMessage(makeRouteSpec("d.test", "", "/p")) ==
        "Route with domain 'd.test' and path '/p' not found.");
  CHECK(routeExistsMessage(makeRouteSpec("d.test", "h", "")) ==
        "Route with host 'h' and domain 'd.test' already exists.");
}

TEST_CASE("route text: the routes and domains tables in cf's columns") {
  RouteRow r{"dev", "hello", "localhost", "/api", "http", {"http1", "http1"}, {"hello", "other"}};
  RouteRow unmapped{"dev", "spare", "example.test", "", "http", {}, {}};
  CHECK(formatRoutesTable({r, unmapped}) ==
        "space   host    domain         port   path   protocol   app-protocol   apps           service instance\n"
        "dev     hello   localhost             /api   http       http1          hello, other\n"
        "dev     spare   example.test                 http\n");
  CHECK(formatDomainsTable({{"localhost", true, false, {"http"}},
                            {"example.test", false, false, {"http"}}}) ==
        "name           availability   internal   protocols\n"
        "localhost      shared                    http\n"
        "example.test   private                   http\n");
  CHECK(formatRouteOptions({{"loadbalancing", "least-connection"}}) ==
        "options:   loadbalancing=least-connection\n");
  CHECK(formatRouteOptions(nlohmann::json::object()) == "options:   none\n");
}

}  // namespace mcf::cli
