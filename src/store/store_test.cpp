// Tests of the store's organizations, spaces, users, domains, settings and reopening.
#include "store/store.h"

#include <doctest/doctest.h>

#include <ctime>

#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using base::Errc;

namespace {

model::Org org(const std::string& name) {
  model::Org o;
  o.name = name;
  return o;
}

model::Space space(const std::string& org_guid, const std::string& name) {
  model::Space s;
  s.org_guid = org_guid;
  s.name = name;
  return s;
}

model::User user(const std::string& name, bool admin = false) {
  model::User u;
  u.username = name;
  u.email = name + "@example.com";
  u.password_hash = "pbkdf2-sha256$1$salt$hash";
  u.admin = admin;
  return u;
}

}  // namespace

TEST_CASE("orgs: create fills guid and timestamps, get/find/list return them, names are unique") {
  TempStore s;
  REQUIRE(s.ok());
  int64_t before = std::time(nullptr);
  auto b = s->createOrg(org("beta"));
  REQUIRE(b.ok());
  CHECK(b->guid.size() == 36);
  CHECK(b->created_at >= before);
  CHECK(b->updated_at == b->created_at);
  auto a = s->createOrg(org("alpha"));
  REQUIRE(a.ok());

  auto got = s->getOrg(b->guid);
  REQUIRE(got.ok());
  CHECK(got->name == "beta");
  CHECK(got->created_at == b->created_at);
  CHECK(s->findOrgByName("alpha").value().guid == a->guid);

  auto list = s->listOrgs();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "alpha");  // by name
  CHECK((*list)[1].name == "beta");

  auto dup = s->createOrg(org("beta"));
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "Organization 'beta' already exists.");

  auto missing = s->getOrg("no-such-guid");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::kNotFound);
  CHECK(missing.error().message == "Organization not found");
  CHECK(s->findOrgByName("gamma").error().code == Errc::kNotFound);
}

TEST_CASE("an explicit guid and timestamps are kept") {
  TempStore s;
  REQUIRE(s.ok());
  model::Org o = org("o");
  o.guid = "11111111-2222-4333-8444-555555555555";
  o.created_at = 1000;
  o.updated_at = 2000;
  REQUIRE(s->createOrg(o).ok());
  auto got = s->getOrg(o.guid);
  REQUIRE(got.ok());
  CHECK(got->created_at == 1000);
  CHECK(got->updated_at == 2000);
}

TEST_CASE("spaces: unique per org, the same name in another org is fine, org must exist") {
  TempStore s;
  REQUIRE(s.ok());
  auto o1 = s->createOrg(org("o1")).value();
  auto o2 = s->createOrg(org("o2")).value();
  auto dev = s->createSpace(space(o1.guid, "dev"));
  REQUIRE(dev.ok());
  REQUIRE(s->createSpace(space(o2.guid, "dev")).ok());
  REQUIRE(s->createSpace(space(o1.guid, "prod")).ok());

  auto dup = s->createSpace(space(o1.guid, "dev"));
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "Name must be unique per organization: the space 'dev' exists already.");

  auto orphan = s->createSpace(space("no-such-org", "x"));
  REQUIRE_FALSE(orphan.ok());
  CHECK(orphan.error().code == Errc::kInvalid);
  CHECK(orphan.error().message.find("Invalid organization") == 0);

  auto got = s->getSpace(dev->guid);
  REQUIRE(got.ok());
  CHECK(got->org_guid == o1.guid);
  CHECK(got->name == "dev");
  CHECK(s->findSpaceByName(o2.guid, "dev").value().org_guid == o2.guid);
  CHECK(s->findSpaceByName(o2.guid, "prod").error().code == Errc::kNotFound);
  CHECK(s->getSpace("nope").error().message == "Space not found");

  auto list = s->listSpaces().value();
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "dev");
  CHECK(list[2].name == "prod");
}

TEST_CASE("users: create, find by name (case-insensitively, as UAA), update, uniqueness") {
  TempStore s;
  REQUIRE(s.ok());
  auto admin = s->createUser(user("admin", true));
  REQUIRE(admin.ok());
  auto got = s->getUser(admin->guid);
  REQUIRE(got.ok());
  CHECK(got->username == "admin");
  CHECK(got->email == "admin@example.com");
  CHECK(got->origin == "uaa");
  CHECK(got->password_hash == "pbkdf2-sha256$1$salt$hash");
  CHECK(got->admin);
  CHECK(s->findUserByName("ADMIN").value().guid == admin->guid);

  auto dup = s->createUser(user("Admin"));
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "The username 'Admin' is already taken.");

  model::User changed = *got;
  changed.password_hash = "new";
  changed.admin = false;
  changed.updated_at = 0;
  REQUIRE(s->updateUser(changed).ok());
  auto after = s->getUser(admin->guid).value();
  CHECK(after.password_hash == "new");
  CHECK_FALSE(after.admin);
  CHECK(after.created_at == got->created_at);
  CHECK(after.updated_at >= got->updated_at);

  model::User ghost = user("ghost");
  ghost.guid = "no-such-user";
  Status missing = s->updateUser(ghost);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::kNotFound);
  CHECK(missing.error().message == "User not found");
  CHECK(s->findUserByName("nobody").error().code == Errc::kNotFound);
}

TEST_CASE("domains: unique case-insensitively, found by name, listed in creation order") {
  TempStore s;
  REQUIRE(s.ok());
  model::Domain d;
  d.name = "localhost";
  auto local = s->createDomain(d);
  REQUIRE(local.ok());
  d.name = "apps.internal";
  d.internal = true;
  REQUIRE(s->createDomain(d).ok());

  d.name = "LOCALHOST";
  d.internal = false;
  auto dup = s->createDomain(d);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "The domain name \"LOCALHOST\" is already in use.");

  CHECK(s->findDomainByName("localhost").value().guid == local->guid);
  CHECK(s->getDomain(local->guid).value().name == "localhost");
  CHECK(s->getDomain("x").error().message == "Domain not found");
  auto list = s->listDomains().value();
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "localhost");
  CHECK_FALSE(list[0].internal);
  CHECK(list[1].internal);
}

TEST_CASE("settings: absent, set, overwritten") {
  TempStore s;
  REQUIRE(s.ok());
  auto none = s->getSetting("signing_key_id");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(s->setSetting("signing_key_id", "k1").ok());
  REQUIRE(s->setSetting("signing_key_id", "k2").ok());
  CHECK(s->getSetting("signing_key_id").value() == std::optional<std::string>("k2"));
}

TEST_CASE("reopening the same file keeps everything") {
  TempStore s;
  REQUIRE(s.ok());
  auto o = s->createOrg(org("keep")).value();
  auto sp = s->createSpace(space(o.guid, "dev")).value();
  model::App app;
  app.name = "web";
  app.space_guid = sp.guid;
  app.env = {{"K", "v"}};
  auto a = s->createApp(app).value();
  REQUIRE(s->setSetting("k", "v").ok());

  s.reopen();
  REQUIRE(s.ok());
  CHECK(s->getOrg(o.guid).value().name == "keep");
  CHECK(s->findSpaceByName(o.guid, "dev").value().guid == sp.guid);
  auto again = s->getApp(a.guid);
  REQUIRE(again.ok());
  CHECK(again->name == "web");
  CHECK(again->env.at("K") == "v");
  CHECK(s->getSetting("k").value() == std::optional<std::string>("v"));
}
