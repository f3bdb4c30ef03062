// Service brokers through the API, against a broker in this process (builtin://fake): the
// catalog, plan visibility, managed instances, bindings and keys with their jobs, polling,
// orphan mitigation and resuming after a restart.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <deque>

#include "controller/testing/harness.h"
#include "controller/testing/fake_broker.h"

using namespace mcf;
using namespace mcf::controller;
using nlohmann::json;
using mcf::controller::testing::FakeBroker;

namespace {

struct BrokerHarness {
  BrokerHarness() {
    setenv("MICROCF_BROKER_POLL_MS", "5", 1);
    h = std::make_unique<Harness>();
    h->osb->addBuiltin("fake", &broker);
  }
  ~BrokerHarness() { unsetenv("MICROCF_BROKER_POLL_MS"); }

  // Runs the loop until the job at location is no longer PROCESSING; returns it.
  json waitJob(const http::Response& accepted) {
    REQUIRE(accepted.status == 202);
    std::string job = accepted.header("Location")->substr(std::string("http://api.localhost:8080").size());
    for (int i = 0; i < 200; ++i) {
      json j = h->call("GET", job);
      if (j["state"] != "PROCESSING") return j;
      bool fired = false;
      loop::Timer t(h->loop);
      t.start(5, 0, [&] { fired = true; });
      h->loop.runUntil([&] { return fired; });
    }
    FAIL("job still processing");
    return nullptr;
  }
  json registerBroker() {
    json j = waitJob(h->as_admin("POST", "/v3/service_brokers", json({
        {"name", "fake"}, {"url", "builtin://fake"},
        {"authentication", {{"type", "basic"}, {"credentials", {{"username", "u"}, {"password", "p"}}}}}}).dump()));
    REQUIRE(j["state"] == "COMPLETE");
    return j;
  }
  std::string plan(const std::string& name) {
    return h->call("GET", "/v3/service_plans?names=" + name)["resources"][0]["guid"];
  }
  http::Response createInstance(const std::string& name, const std::string& plan_name) {
    return h->as_admin("POST", "/v3/service_instances", json({
        {"type", "managed"}, {"name", name}, {"tags", {"mine"}},
        {"relationships", {{"space", {{"data", {{"guid", h->spaceGuid()}}}}},
                           {"service_plan", {{"data", {{"guid", plan(plan_name)}}}}}}}}).dump());
  }
  json instance(const std::string& name) {
    return h->call("GET", "/v3/service_instances?names=" + name)["resources"][0];
  }

  FakeBroker broker;
  std::unique_ptr<Harness> h;
};

}  // namespace

TEST_CASE("service brokers: registering reads the catalog; plans are admin-only until enabled") {
  BrokerHarness b;
  b.registerBroker();
  CHECK(b.broker.count("GET /v2/catalog") == 1);
  json brokers = b.h->call("GET", "/v3/service_brokers");
  REQUIRE(brokers["resources"].size() == 1);
  CHECK(brokers["resources"][0]["name"] == "fake");
  json offering = b.h->call("GET", "/v3/service_offerings?names=overview")["resources"][0];
  CHECK(offering["broker_catalog"]["id"] == "svc-id");
  CHECK(offering["tags"] == json{"ov"});
  json plans = b.h->call("GET", "/v3/service_plans?service_offering_names=overview");
  REQUIRE(plans["resources"].size() == 4);
  CHECK(plans["resources"][0]["visibility_type"] == "admin");

  // A space developer sees no plan and cannot use one, until the plan is public.
  std::string dev = b.h->makeUser("dev");
  b.h->grant(dev, model::RoleType::kSpaceDeveloper, b.h->spaceGuid());
  auto seen = json::parse(b.h->as("dev", "GET", "/v3/service_plans").body);
  CHECK(seen["resources"].empty());
  CHECK(json::parse(b.h->as("dev", "GET", "/v3/service_offerings").body)["resources"].empty());
  CHECK(b.h->as("dev", "GET", "/v3/service_brokers/" + brokers["resources"][0]["guid"].get<std::string>())
            .status == 404);
  auto refused = b.h->as("dev", "POST", "/v3/service_instances", json({
      {"type", "managed"}, {"name", "x"},
      {"relationships", {{"space", {{"data", {{"guid", b.h->spaceGuid()}}}}},
                         {"service_plan", {{"data", {{"guid", b.plan("small")}}}}}}}}).dump());
  CHECK(refused.status == 422);
  CHECK(json::parse(refused.body)["errors"][0]["detail"] ==
        "Invalid service plan. Ensure that the service plan exists, is available, and you have "
        "access to it.");
  auto vis = b.h->as_admin("PATCH", "/v3/service_plans/" + b.plan("small") + "/visibility",
                           R"({"type":"organization","organizations":[{"guid":")" + b.h->orgGuid() + R"("}]})");
  CHECK(vis.status == 200);
  CHECK(json::parse(vis.body)["organizations"][0]["name"] == "microcf");
  seen = json::parse(b.h->as("dev", "GET", "/v3/service_plans").body);
  REQUIRE(seen["resources"].size() == 1);
  CHECK(seen["resources"][0]["name"] == "small");
  CHECK(b.h->as("dev", "PATCH", "/v3/service_plans/" + b.plan("small") + "/visibility",
                R"({"type":"public"})").status == 403);

  // Brokers are admins' to manage.
  CHECK(b.h->as("dev", "POST", "/v3/service_brokers", R"({"name":"x"})").status == 403);
}

TEST_CASE("service brokers: a catalog that cannot be read registers nothing and says why") {
  BrokerHarness b;
  b.broker.catalog = R"({"services":[{"id":"s","name":"n","description":"d","bindable":true,"plans":[{"name":"p"}]}]})";
  json job = b.waitJob(b.h->as_admin("POST", "/v3/service_brokers", json({
      {"name", "fake"}, {"url", "builtin://fake"},
      {"authentication", {{"type", "basic"}, {"credentials", {{"username", "u"}, {"password", "p"}}}}}}).dump()));
  CHECK(job["state"] == "FAILED");
  CHECK(job["errors"][0]["detail"] == "The service broker's catalog is invalid: Service 'n' plan "
                                      "'p': id is missing; Service 'n' plan 'p': description is missing");
  CHECK(b.h->call("GET", "/v3/service_brokers")["resources"].empty());
  auto bad_url = b.h->as_admin("POST", "/v3/service_brokers", json({
      {"name", "x"}, {"url", "https://example.com"},
      {"authentication", {{"type", "basic"}, {"credentials", {{"username", "u"}, {"password", "p"}}}}}}).dump());
  CHECK(bad_url.status == 422);
}

TEST_CASE("managed instances: sync and async provision, bind into VCAP_SERVICES, keys, delete") {
  BrokerHarness b;
  b.registerBroker();
  json job = b.waitJob(b.createInstance("db", "small"));
  CHECK(job["state"] == "COMPLETE");
  json si = b.instance("db");
  CHECK(si["type"] == "managed");
  CHECK(si["last_operation"]["state"] == "succeeded");
  CHECK(si["dashboard_url"] == "http://dash");
  CHECK(si["relationships"]["service_plan"]["data"]["guid"] == b.plan("small"));

  // Async: in progress with the broker's words, then succeeded after polling with the operation.
  auto accepted = b.createInstance("adb", "async");
  json pending = b.instance("adb");
  CHECK(pending["last_operation"]["state"] == "in progress");
  CHECK(b.waitJob(accepted)["state"] == "COMPLETE");
  CHECK(b.instance("adb")["last_operation"]["state"] == "succeeded");
  CHECK(b.broker.count("GET /v2/service_instances/" + pending["guid"].get<std::string>() +
                       "/last_operation?service_id=svc-id&plan_id=async-id&operation=prov-1") >= 2);

  // Bind: 202 job, then VCAP_SERVICES has the broker's credentials under the label.
  std::string app = b.h->createApp("web");
  auto bind = b.h->as_admin("POST", "/v3/service_credential_bindings", json({
      {"type", "app"}, {"name", "primary"},
      {"relationships", {{"app", {{"data", {{"guid", app}}}}},
                         {"service_instance", {{"data", {{"guid", si["guid"]}}}}}}}}).dump());
  CHECK(b.waitJob(bind)["state"] == "COMPLETE");
  json env = b.h->call("GET", "/v3/apps/" + app + "/env");
  json vcap = env["system_env_json"]["VCAP_SERVICES"];
  REQUIRE(vcap["overview"].size() == 1);
  CHECK(vcap["overview"][0]["plan"] == "small");
  CHECK(vcap["overview"][0]["name"] == "primary");
  CHECK(vcap["overview"][0]["tags"] == json{"ov", "mine"});
  CHECK(vcap["overview"][0]["credentials"]["uri"] == "ov://u@h/db");
  // Twice is refused; deleting the bound instance is refused naming the app, broker untouched.
  auto again = b.h->as_admin("POST", "/v3/service_credential_bindings", json({
      {"type", "app"}, {"relationships", {{"app", {{"data", {{"guid", app}}}}},
                                          {"service_instance", {{"data", {{"guid", si["guid"]}}}}}}}}).dump());
  CHECK(again.status == 422);
  CHECK(json::parse(again.body)["errors"][0]["detail"] == "The app is already bound to the service instance.");
  size_t deletes = b.broker.count("DELETE");
  auto refused = b.h->as_admin("DELETE", "/v3/service_instances/" + si["guid"].get<std::string>());
  CHECK(refused.status == 422);
  CHECK(json::parse(refused.body)["errors"][0]["detail"].get<std::string>().find("bound to app web") !=
        std::string::npos);
  CHECK(b.broker.count("DELETE") == deletes);

  // A key: its own credentials, shown through details.
  auto key = b.h->as_admin("POST", "/v3/service_credential_bindings", json({
      {"type", "key"}, {"name", "k1"},
      {"relationships", {{"service_instance", {{"data", {{"guid", si["guid"]}}}}}}}}).dump());
  CHECK(b.waitJob(key)["state"] == "COMPLETE");
  json keys = b.h->call("GET", "/v3/service_credential_bindings?type=key&service_instance_guids=" +
                                   si["guid"].get<std::string>());
  REQUIRE(keys["resources"].size() == 1);
  CHECK(keys["resources"][0]["relationships"]["app"]["data"] == nullptr);
  std::string key_guid = keys["resources"][0]["guid"];
  CHECK(b.h->call("GET", "/v3/service_credential_bindings/" + key_guid + "/details")["credentials"]["username"] == "u");

  // Unbind, delete the key, then the instance: each through the broker.
  json binding = b.h->call("GET", "/v3/service_credential_bindings?type=app&app_guids=" + app)["resources"][0];
  CHECK(b.waitJob(b.h->as_admin("DELETE", "/v3/service_credential_bindings/" + binding["guid"].get<std::string>()))["state"] == "COMPLETE");
  CHECK(b.waitJob(b.h->as_admin("DELETE", "/v3/service_credential_bindings/" + key_guid))["state"] == "COMPLETE");
  CHECK(b.h->call("GET", "/v3/apps/" + app + "/env")["system_env_json"]["VCAP_SERVICES"] == json::object());
  CHECK(b.waitJob(b.h->as_admin("DELETE", "/v3/service_instances/" + si["guid"].get<std::string>()))["state"] == "COMPLETE");
  CHECK(b.h->as_admin("GET", "/v3/service_instances/" + si["guid"].get<std::string>()).status == 404);
  CHECK(b.broker.count("DELETE /v2/service_instances/" + si["guid"].get<std::string>() +
                       "?service_id=svc-id&plan_id=small-id&accepts_incomplete=true") == 1);
}

TEST_CASE("managed instances: a 500 or a body that is not JSON fails the create and mitigates the orphan") {
  BrokerHarness b;
  b.registerBroker();
  for (const char* plan : {"fails", "badjson"}) {
    CAPTURE(plan);
    json job = b.waitJob(b.createInstance(std::string("x-") + plan, plan));
    CHECK(job["state"] == "FAILED");
    json si = b.instance(std::string("x-") + plan);
    CHECK(si["last_operation"]["state"] == "failed");
    CHECK(job["errors"][0]["detail"] == si["last_operation"]["description"]);
    // The broker is asked to remove what it may have made.
    bool fired = false;
    loop::Timer t(b.h->loop);
    t.start(20, 0, [&] { fired = true; });
    b.h->loop.runUntil([&] { return fired; });
    CHECK(b.broker.count("DELETE /v2/service_instances/" + si["guid"].get<std::string>()) >= 1);
  }
  CHECK(b.instance("x-fails")["last_operation"]["description"] ==
        "Service broker error: the broker answered 500: disk full");
}

TEST_CASE("managed instances: an operation in progress is polled again after a restart") {
  BrokerHarness b;
  b.registerBroker();
  // Simulate microcf stopping while the broker works: the store says in progress with the
  // broker's operation.
  auto plan = b.h->store().getServicePlan(b.plan("async"));
  REQUIRE(plan.ok());
  model::ServiceInstance si;
  si.type = model::kManaged;
  si.name = "resumed";
  si.space_guid = b.h->spaceGuid();
  si.plan_guid = plan->guid;
  si.last_operation.state = "in progress";
  si.last_operation.broker_operation = "prov-9";
  si.last_operation.started_at = b.h->clock.nowNs() / 1000000000;
  auto made = b.h->store().createServiceInstance(si);
  REQUIRE(made.ok());
  b.h->controller->resumeServiceOperations();
  for (int i = 0; i < 200 && b.instance("resumed")["last_operation"]["state"] == "in progress"; ++i) {
    bool fired = false;
    loop::Timer t(b.h->loop);
    t.start(5, 0, [&] { fired = true; });
    b.h->loop.runUntil([&] { return fired; });
  }
  CHECK(b.instance("resumed")["last_operation"]["state"] == "succeeded");
  CHECK(b.broker.count("GET /v2/service_instances/" + made->guid + "/last_operation?service_id="
                       "svc-id&plan_id=async-id&operation=prov-9") >= 1);
}
