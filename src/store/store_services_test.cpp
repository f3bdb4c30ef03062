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

namespace {

std::vector<model::CatalogService> catalog(std::vector<std::string> plan_ids) {
  model::CatalogService svc;
  svc.offering.catalog_id = "svc-1";
  svc.offering.name = "overview";
  svc.offering.description = "d";
  svc.offering.tags = {"t"};
  for (const auto& id : plan_ids) {
    model::ServicePlan p;
    p.catalog_id = id;
    p.name = "plan-" + id;
    p.description = "d";
    svc.plans.push_back(p);
  }
  return {svc};
}

}  // namespace

TEST_CASE("service brokers: catalogs sync in place; plans in use stay, unavailable") {
  StoreWithSpace f;
  model::ServiceBroker b;
  b.name = "tb";
  b.url = "http://127.0.0.1:9";
  b.username = "u";
  b.password = "p";
  auto broker = f.s->createServiceBroker(b);
  REQUIRE(broker.ok());
  CHECK(f.s->createServiceBroker(b).error().message == "Name must be unique");
  REQUIRE(f.s->syncCatalog(broker->guid, catalog({"a", "b"}), "admin").ok());
  auto offerings = f.s->listServiceOfferings(broker->guid);
  REQUIRE(offerings.ok());
  REQUIRE(offerings->size() == 1);
  auto plans = f.s->listServicePlans((*offerings)[0].guid);
  REQUIRE(plans->size() == 2);
  CHECK((*plans)[0].visibility == "admin");
  std::string plan_a = (*plans)[0].guid, plan_b = (*plans)[1].guid;

  // Plan a gets an instance; plan b an org's visibility.
  auto org = f.s->getSpace(f.space)->org_guid;
  REQUIRE(f.s->setServicePlanVisibility(plan_b, "organization", {org}, true).ok());
  CHECK(*f.s->servicePlanOrgs(plan_b) == std::vector<std::string>{org});
  model::ServiceInstance si;
  si.type = model::kManaged;
  si.name = "m";
  si.space_guid = f.space;
  si.plan_guid = plan_a;
  si.last_operation.state = "in progress";
  si.last_operation.broker_operation = "op-7";
  auto made = f.s->createServiceInstance(si);
  REQUIRE(made.ok());
  auto pending = f.s->listServiceInstancesInProgress();
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].last_operation.broker_operation == "op-7");

  // The catalog drops both plans and adds c: a stays (unavailable, same guid), b goes.
  REQUIRE(f.s->syncCatalog(broker->guid, catalog({"c"}), "admin").ok());
  plans = f.s->listServicePlans((*offerings)[0].guid);
  REQUIRE(plans->size() == 2);
  auto a = f.s->getServicePlan(plan_a);
  REQUIRE(a.ok());
  CHECK_FALSE(a->available);
  CHECK(f.s->getServicePlan(plan_b).error().code == Errc::kNotFound);
  CHECK(f.s->servicePlanOrgs(plan_b)->empty());
}

TEST_CASE("service keys: no app, names unique per instance, kept apart from app bindings") {
  StoreWithSpace f;
  auto si = f.s->createServiceInstance(upsi(f.space, "db"));
  REQUIRE(si.ok());
  model::ServiceBinding key;
  key.type = "key";
  key.name = "k1";
  key.instance_guid = si->guid;
  key.credentials = {{"password", "x"}};
  auto made = f.s->createServiceBinding(key);
  REQUIRE(made.ok());
  auto dup = f.s->createServiceBinding(key);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message.find("already has a key binding with name 'k1'") != std::string::npos);
  CHECK(f.s->listServiceBindings("", si->guid)->empty());
  auto keys = f.s->listServiceKeys(si->guid);
  REQUIRE(keys->size() == 1);
  CHECK((*keys)[0].app_guid.empty());
  CHECK((*keys)[0].credentials["password"] == "x");
  // An instance with a key is not deleted.
  CHECK(f.s->deleteServiceInstance(si->guid).error().code == Errc::kConflict);
}
