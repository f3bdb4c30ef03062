// Renaming and deleting orgs and spaces: uniqueness, and what a delete takes along.
#include <doctest/doctest.h>

#include "model/service.h"
#include "store/testing/seed.h"

namespace mcf::store {
namespace {

using testing::makeApp;
using testing::makeOrg;
using testing::makeSpace;
using testing::makeUser;
using testing::role;

// A space with an app bound to a service instance, a route to the app, and a space role.
struct Filled {
  std::string app, route, instance, binding, role;
};

Filled fill(Store& s, const std::string& org, const std::string& space, const std::string& user,
            const std::string& domain, const std::string& host) {
  Filled f;
  f.app = makeApp(s, space, "app-" + host).guid;
  model::Route r;
  r.host = host;
  r.domain_guid = domain;
  r.space_guid = space;
  f.route = s.createRoute(r).value().guid;
  model::RouteDestination d;
  d.route_guid = f.route;
  d.app_guid = f.app;
  REQUIRE(s.addDestination(d).ok());
  model::ServiceInstance si;
  si.name = "db-" + host;
  si.space_guid = space;
  f.instance = s.createServiceInstance(si).value().guid;
  model::ServiceBinding b;
  b.app_guid = f.app;
  b.instance_guid = f.instance;
  f.binding = s.createServiceBinding(b).value().guid;
  (void)s.createRole(role(model::RoleType::kOrganizationUser, user, org));
  f.role = s.createRole(role(model::RoleType::kSpaceDeveloper, user, org, space)).value().guid;
  return f;
}

TEST_CASE("orgs and spaces: renames keep names unique") {
  TempStore s;
  REQUIRE(s.ok());
  std::string a = makeOrg(*s, "a");
  makeOrg(*s, "b");
  model::Org org = s->getOrg(a).value();
  org.name = "b";
  auto clash = s->updateOrg(org);
  REQUIRE(!clash.ok());
  CHECK(clash.error().code == base::Errc::kConflict);
  CHECK(clash.error().message == "Organization 'b' already exists.");
  org.name = "c";
  REQUIRE(s->updateOrg(org).ok());
  CHECK(s->getOrg(a)->name == "c");
  org.guid = "nope";
  CHECK(s->updateOrg(org).error().code == base::Errc::kNotFound);

  std::string dev = makeSpace(*s, a, "dev");
  makeSpace(*s, a, "prod");
  model::Space space = s->getSpace(dev).value();
  space.name = "prod";
  CHECK(s->updateSpace(space).error().message ==
        "Name must be unique per organization: the space 'prod' exists already.");
  space.name = "test";
  REQUIRE(s->updateSpace(space).ok());
  CHECK(s->getSpace(dev)->name == "test");
}

TEST_CASE("deleteSpace takes apps, routes, service instances, bindings and space roles along") {
  TempStore s;
  REQUIRE(s.ok());
  std::string org = makeOrg(*s, "o");
  std::string dev = makeSpace(*s, org, "dev");
  std::string other = makeSpace(*s, org, "other");
  std::string user = makeUser(*s, "u");
  model::Domain d;
  d.name = "example.test";
  std::string domain = s->createDomain(d).value().guid;
  Filled gone = fill(*s, org, dev, user, domain, "gone");
  Filled kept = fill(*s, org, other, user, domain, "kept");

  REQUIRE(s->deleteSpace(dev).ok());
  CHECK(s->getSpace(dev).error().code == base::Errc::kNotFound);
  CHECK(s->getApp(gone.app).error().code == base::Errc::kNotFound);
  CHECK(s->getRoute(gone.route).error().code == base::Errc::kNotFound);
  CHECK(s->getServiceInstance(gone.instance).error().code == base::Errc::kNotFound);
  CHECK(!s->getRole(gone.role).ok());
  CHECK(s->listServiceBindings("", gone.instance)->empty());
  // The other space and the org role are untouched.
  CHECK(s->getApp(kept.app).ok());
  CHECK(s->getRoute(kept.route).ok());
  CHECK(s->getServiceInstance(kept.instance).ok());
  CHECK(s->getRole(kept.role).ok());
  RoleFilter org_roles;
  org_roles.user_guids = {user};
  CHECK(s->listRoles(org_roles)->size() == 2);  // org user + the other space's developer
  CHECK(s->deleteSpace(dev).error().code == base::Errc::kNotFound);
}

TEST_CASE("deleteOrg takes its spaces, private domains and roles; other orgs stay") {
  TempStore s;
  REQUIRE(s.ok());
  std::string org = makeOrg(*s, "o");
  std::string keep_org = makeOrg(*s, "keep");
  std::string dev = makeSpace(*s, org, "dev");
  std::string keep_space = makeSpace(*s, keep_org, "dev");
  std::string user = makeUser(*s, "u");
  model::Domain priv;
  priv.name = "private.test";
  priv.org_guid = org;
  std::string priv_guid = s->createDomain(priv).value().guid;
  model::Domain shared;
  shared.name = "shared.test";
  std::string shared_guid = s->createDomain(shared).value().guid;
  Filled gone = fill(*s, org, dev, user, priv_guid, "gone");
  Filled kept = fill(*s, keep_org, keep_space, user, shared_guid, "kept");

  REQUIRE(s->deleteOrg(org).ok());
  CHECK(s->getOrg(org).error().code == base::Errc::kNotFound);
  CHECK(s->getSpace(dev).error().code == base::Errc::kNotFound);
  CHECK(s->getApp(gone.app).error().code == base::Errc::kNotFound);
  CHECK(s->getDomain(priv_guid).error().code == base::Errc::kNotFound);
  CHECK(s->getDomain(shared_guid).ok());
  RoleFilter in_org;
  in_org.org_guids = {org};
  CHECK(s->listRoles(in_org)->empty());
  CHECK(s->getApp(kept.app).ok());
  CHECK(s->getRole(kept.role).ok());
  CHECK(s->getUser(user).ok());
}

}  // namespace
}  // namespace mcf::store
