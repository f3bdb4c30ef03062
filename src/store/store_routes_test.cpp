// Tests of the store's routes and route destinations.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
using base::Errc;

namespace {

struct Fixture : StoreWithSpace {
  std::string domain, app;

  Fixture() {
    model::Domain d;
    d.name = "localhost";
    domain = s->createDomain(d).value().guid;
    app = makeApp(*s, space, "web").guid;
  }

  Result<model::Route> route(const std::string& host, const std::string& path = "") {
    model::Route r;
    r.host = host;
    r.path = path;
    r.domain_guid = domain;
    r.space_guid = space;
    return s->createRoute(r);
  }
};

}  // namespace

TEST_CASE("routes: create, get, find by host/domain/path, list by space") {
  Fixture f;
  auto web = f.route("web");
  REQUIRE(web.ok());
  auto api = f.route("web", "/api");
  REQUIRE(api.ok());

  auto got = f.s->getRoute(web->guid).value();
  CHECK(got.host == "web");
  CHECK(got.path.empty());
  CHECK(got.domain_guid == f.domain);
  CHECK(got.space_guid == f.space);
  CHECK(got.created_at > 0);

  CHECK(f.s->findRoute("web", f.domain, "/api").value().guid == api->guid);
  CHECK(f.s->findRoute("WEB", f.domain, "").value().guid == web->guid);  // DNS ignores case
  CHECK(f.s->findRoute("web", f.domain, "/API").error().code == Errc::kNotFound);
  CHECK(f.s->findRoute("other", f.domain, "").error().message == "Route not found");

  CHECK(f.s->listRoutes(f.space).value().size() == 2);
  CHECK(f.s->listRoutes("").value().size() == 2);
  CHECK(f.s->listRoutes("other-space").value().empty());
}

TEST_CASE("routes: (host, domain, path) is unique, with Cloud Controller's wording") {
  Fixture f;
  REQUIRE(f.route("web").ok());
  REQUIRE(f.route("web", "/api").ok());
  REQUIRE(f.route("").ok());

  auto dup = f.route("Web");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "Route already exists with host 'Web' for domain 'localhost'.");
  CHECK(f.route("web", "/api").error().message ==
        "Route already exists with host 'web' and path '/api' for domain 'localhost'.");
  CHECK(f.route("").error().message == "Route already exists for domain 'localhost'.");

  model::Route bad;
  bad.host = "x";
  bad.domain_guid = "no-such-domain";
  bad.space_guid = f.space;
  CHECK(f.s->createRoute(bad).error().code == Errc::kInvalid);
}

TEST_CASE("destinations: add, list by route and by app, remove; deleteRoute takes them along") {
  Fixture f;
  auto r1 = f.route("one").value();
  auto r2 = f.route("two").value();
  model::RouteDestination d;
  d.route_guid = r1.guid;
  d.app_guid = f.app;
  auto d1 = f.s->addDestination(d);
  REQUIRE(d1.ok());
  CHECK(d1->guid.size() == 36);
  d.route_guid = r2.guid;
  d.port = 9000;
  d.protocol = "http2";
  d.process_type = "api";
  auto d2 = f.s->addDestination(d);
  REQUIRE(d2.ok());

  auto of1 = f.s->listDestinations(r1.guid).value();
  REQUIRE(of1.size() == 1);
  CHECK(of1[0].guid == d1->guid);
  CHECK(of1[0].port == 8080);
  CHECK(of1[0].protocol == "http1");
  CHECK(of1[0].process_type == "web");
  auto of2 = f.s->listDestinations(r2.guid).value();
  REQUIRE(of2.size() == 1);
  CHECK(of2[0].port == 9000);
  CHECK(of2[0].protocol == "http2");
  CHECK(of2[0].process_type == "api");
  CHECK(f.s->listDestinations("").value().size() == 2);
  CHECK(f.s->listDestinationsForApp(f.app).value().size() == 2);

  d.app_guid = "no-such-app";
  CHECK(f.s->addDestination(d).error().code == Errc::kInvalid);

  REQUIRE(f.s->removeDestination(d1->guid).ok());
  CHECK(f.s->listDestinations(r1.guid).value().empty());
  CHECK(f.s->removeDestination(d1->guid).error().message == "Destination not found");

  REQUIRE(f.s->deleteRoute(r2.guid).ok());
  CHECK(f.s->getRoute(r2.guid).error().code == Errc::kNotFound);
  CHECK(f.s->listDestinationsForApp(f.app).value().empty());
  CHECK(f.s->deleteRoute(r2.guid).error().message == "Route not found");
  CHECK(f.s->getApp(f.app).ok());  // apps outlive their routes
}

TEST_CASE("routes: options are stored; a private domain keeps its org; deleting a domain takes its routes") {
  Fixture f;
  auto web = f.route("web", "/api").value();
  CHECK(web.loadbalancing.empty());
  web.loadbalancing = "least-connection";
  REQUIRE(f.s->updateRoute(web).ok());
  CHECK(f.s->getRoute(web.guid).value().loadbalancing == "least-connection");
  model::Route missing;
  missing.guid = "nope";
  CHECK(f.s->updateRoute(missing).error().code == Errc::kNotFound);

  auto space = f.s->getSpace(f.space).value();
  model::Domain priv;
  priv.name = "example.test";
  priv.org_guid = space.org_guid;
  auto stored = f.s->createDomain(priv).value();
  CHECK(f.s->getDomain(stored.guid).value().org_guid == space.org_guid);
  CHECK(f.s->findDomainByName("localhost").value().org_guid.empty());

  model::Route r;
  r.host = "shop";
  r.domain_guid = stored.guid;
  r.space_guid = f.space;
  auto shop = f.s->createRoute(r).value();
  model::RouteDestination d;
  d.route_guid = shop.guid;
  d.app_guid = f.app;
  REQUIRE(f.s->addDestination(d).ok());
  REQUIRE(f.s->deleteDomain(stored.guid).ok());
  CHECK(f.s->getRoute(shop.guid).error().code == Errc::kNotFound);
  CHECK(f.s->listDestinationsForApp(f.app).value().empty());
  CHECK(f.s->getRoute(web.guid).ok());  // other domains' routes stay
  CHECK(f.s->deleteDomain(stored.guid).error().code == Errc::kNotFound);
}
