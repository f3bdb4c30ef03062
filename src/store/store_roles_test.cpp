// Roles and the user list: create, list by each filter, uniqueness, cascades.
#include <doctest/doctest.h>

#include "store/testing/seed.h"

namespace mcf::store {
namespace {

using testing::makeOrg;
using testing::makeSpace;
using testing::makeUser;
using testing::role;

TEST_CASE("roles: a space role takes its space's org, duplicates and missing targets refused") {
  TempStore s;
  REQUIRE(s.ok());
  std::string org = makeOrg(*s, "o");
  std::string space = makeSpace(*s, org, "dev");
  std::string alice = makeUser(*s, "alice");

  auto org_user = s->createRole(role(model::RoleType::kOrganizationUser, alice, org));
  REQUIRE(org_user.ok());
  CHECK(org_user->space_guid.empty());
  auto dev = s->createRole(role(model::RoleType::kSpaceDeveloper, alice, "", space));
  REQUIRE(dev.ok());
  CHECK(dev->org_guid == org);
  CHECK(dev->guid.size() == 36);

  auto again = s->createRole(role(model::RoleType::kSpaceDeveloper, alice, "", space));
  REQUIRE(!again.ok());
  CHECK(again.error().code == base::Errc::kConflict);
  CHECK(s->createRole(role(model::RoleType::kSpaceDeveloper, alice, "", "nope")).error().code ==
        base::Errc::kInvalid);
  CHECK(s->createRole(role(model::RoleType::kOrganizationManager, alice, "nope")).error().code ==
        base::Errc::kInvalid);
  CHECK(s->createRole(role(model::RoleType::kOrganizationManager, "nobody", org)).error().code ==
        base::Errc::kInvalid);

  auto got = s->getRole(dev->guid);
  REQUIRE(got.ok());
  CHECK(model::toString(got->type) == std::string("space_developer"));
  CHECK(got->user_guid == alice);
}

TEST_CASE("roles: listed by each filter; deleting a user takes its roles") {
  TempStore s;
  REQUIRE(s.ok());
  std::string org = makeOrg(*s, "o");
  std::string dev = makeSpace(*s, org, "dev");
  std::string prod = makeSpace(*s, org, "prod");
  std::string alice = makeUser(*s, "alice");
  std::string bob = makeUser(*s, "bob");
  REQUIRE(s->createRole(role(model::RoleType::kOrganizationUser, alice, org)).ok());
  REQUIRE(s->createRole(role(model::RoleType::kOrganizationUser, bob, org)).ok());
  REQUIRE(s->createRole(role(model::RoleType::kSpaceDeveloper, alice, "", dev)).ok());
  REQUIRE(s->createRole(role(model::RoleType::kSpaceAuditor, bob, "", prod)).ok());

  auto count = [&](const RoleFilter& f) { return s->listRoles(f).value().size(); };
  CHECK(count({}) == 4);
  CHECK(count({.user_guids = {alice}}) == 2);
  RoleFilter two_types;
  two_types.types = {"space_auditor", "space_developer"};
  CHECK(count(two_types) == 2);
  CHECK(count({.space_guids = {prod}}) == 1);
  CHECK(count({.org_guids = {org}}) == 4);
  CHECK(count({.types = {"x' OR 1=1 --"}}) == 0);

  auto users = s->listUsers();
  REQUIRE(users.ok());
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].username == "alice");

  REQUIRE(s->deleteUser(bob).ok());
  CHECK(count({}) == 2);
  CHECK(s->deleteUser(bob).error().code == base::Errc::kNotFound);
  auto left = s->listRoles({});
  REQUIRE(left.ok());
  REQUIRE(!left->empty());
  CHECK(s->deleteRole((*left)[0].guid).ok());
  CHECK(s->deleteRole((*left)[0].guid).error().code == base::Errc::kNotFound);
}

TEST_CASE("users: the global scope is kept") {
  TempStore s;
  REQUIRE(s.ok());
  model::User u;
  u.username = "auditor";
  u.email = "auditor";
  u.password_hash = "x";
  u.global_scope = "cloud_controller.global_auditor";
  std::string guid = s->createUser(u).value().guid;
  CHECK(s->getUser(guid).value().global_scope == "cloud_controller.global_auditor");
}

}  // namespace
}  // namespace mcf::store
