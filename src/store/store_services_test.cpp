// Tests of the store's service instances and bindings: uniqueness, round trips, deletion rules.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
using base::Errc;

namespace {

model::ServiceInstance upsi(const std::string& space, const std::string& name) {
  model::ServiceInstance si;
  si.name = name;
  si.space_guid = space;
  si.credentials = {{"uri", "postgres://u:p@h:5432/db"}, {"port", 5432}};
  si.syslog_drain_url = "syslog://127.0.0.1:5140";
  si.tags = {"a", "b"};
  return si;
}

}  // namespace

TEST_CASE("service instances: round trip, names unique per space, update") {
  StoreWithSpace f;
  auto made = f.s->createServiceInstance(upsi(f.space, "db"));
  REQUIRE(made.ok());
  auto got = f.s->getServiceInstance(made->guid);
  REQUIRE(got.ok());
  CHECK(got->name == "db");
  CHECK(got->type == "user-provided");
  CHECK(got->credentials["port"] == 5432);
  CHECK(got->syslog_drain_url == "syslog://127.0.0.1:5140");
  CHECK(got->tags == std::vector<std::string>{"a", "b"});

  auto dup = f.s->createServiceInstance(upsi(f.space, "db"));
  REQUIRE(!dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "The service instance name is taken: db.");
  // Another space may use the name.
  std::string other = makeSpace(*f.s, makeOrg(*f.s, "o2"), "dev");
  CHECK(f.s->createServiceInstance(upsi(other, "db")).ok());
  CHECK(f.s->listServiceInstances(f.space)->size() == 1);
  CHECK(f.s->listServiceInstances("")->size() == 2);

  got->credentials = {{"k", "v"}};
  got->syslog_drain_url = "";
  got->name = "db2";
  REQUIRE(f.s->updateServiceInstance(*got).ok());
  auto again = f.s->getServiceInstance(made->guid);
  CHECK(again->name == "db2");
  CHECK(again->credentials == nlohmann::json({{"k", "v"}}));
  CHECK(again->syslog_drain_url.empty());
}

TEST_CASE("service bindings: once per app and instance, refuse deleting a bound instance, go "
          "with their app") {
  StoreWithSpace f;
  auto si = f.s->createServiceInstance(upsi(f.space, "db")).value();
  auto app = makeApp(*f.s, f.space, "web");
  model::ServiceBinding b;
  b.app_guid = app.guid;
  b.instance_guid = si.guid;
  b.name = "main";
  auto made = f.s->createServiceBinding(b);
  REQUIRE(made.ok());
  auto twice = f.s->createServiceBinding(b);
  REQUIRE(!twice.ok());
  CHECK(twice.error().code == Errc::kConflict);
  b.instance_guid = "nope";
  CHECK(f.s->createServiceBinding(b).error().code == Errc::kInvalid);

  auto del = f.s->deleteServiceInstance(si.guid);
  REQUIRE(!del.ok());
  CHECK(del.error().code == Errc::kConflict);

  auto bound = appBoundServices(*f.s, app.guid);
  REQUIRE(bound.size() == 1);
  CHECK(bound[0].binding.name == "main");
  CHECK(bound[0].instance.name == "db");
  auto vcap = nlohmann::json::parse(appVcapServices(*f.s, app.guid));
  CHECK(vcap["user-provided"][0]["credentials"]["uri"] == "postgres://u:p@h:5432/db");

  REQUIRE(f.s->deleteApp(app.guid).ok());
  CHECK(f.s->listServiceBindings("", si.guid)->empty());
  CHECK(f.s->deleteServiceInstance(si.guid).ok());
  CHECK(f.s->getServiceInstance(si.guid).error().code == Errc::kNotFound);
}
