#include "services/catalog.h"

#include <doctest/doctest.h>

using namespace mcf;

TEST_CASE("a broker's catalog becomes offerings with their plans") {
  auto c = services::parseCatalog(R"({"services":[{"id":"svc-1","name":"overview",
    "description":"An overview","bindable":true,"tags":["a","b"],"requires":["syslog_drain"],
    "plan_updateable":true,"instances_retrievable":true,"metadata":{"displayName":"O"},
    "unknown_field":1,
    "plans":[{"id":"p-1","name":"small","description":"Small","free":false,
              "maximum_polling_duration":60,"bindable":false},
             {"id":"p-2","name":"large","description":"Large"}]}]})");
  REQUIRE(c.ok());
  REQUIRE(c->size() == 1);
  const auto& o = (*c)[0].offering;
  CHECK(o.catalog_id == "svc-1");
  CHECK(o.name == "overview");
  CHECK(o.bindable);
  CHECK(o.plan_updateable);
  CHECK(o.instances_retrievable);
  CHECK_FALSE(o.bindings_retrievable);
  CHECK(o.tags == std::vector<std::string>{"a", "b"});
  CHECK(o.requires_ == std::vector<std::string>{"syslog_drain"});
  CHECK(o.metadata["displayName"] == "O");
  const auto& plans = (*c)[0].plans;
  REQUIRE(plans.size() == 2);
  CHECK(plans[0].name == "small");
  CHECK_FALSE(plans[0].free);
  CHECK(plans[0].maximum_polling_duration == 60);
  CHECK(plans[0].bindable == std::optional<bool>(false));
  CHECK(plans[1].free);  // OSB's default
  CHECK_FALSE(plans[1].bindable.has_value());
}

TEST_CASE("every problem of a malformed catalog is named at once") {
  auto c = services::parseCatalog(R"({"services":[
    {"id":"s","name":"one","description":"d","bindable":true,
     "plans":[{"name":"nameonly","description":"d"},{"id":"x","name":"dup","description":"d"},
              {"id":"x","name":"dup","description":"d"}]},
    {"id":"s","name":"two","description":"d","bindable":"yes","plans":[]}]})");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == base::Errc::kInvalid);
  const std::string& m = c.error().message;
  CHECK(m.find("Service 'one' plan 'nameonly': id is missing") != std::string::npos);
  CHECK(m.find("plan ids must be unique: 'x'") != std::string::npos);
  CHECK(m.find("plan names must be unique: 'dup'") != std::string::npos);
  CHECK(m.find("Service 'two': bindable must be true or false") != std::string::npos);
  CHECK(m.find("Service 'two': must have at least one plan") != std::string::npos);
  CHECK(m.find("Service ids must be unique: 's'") != std::string::npos);
}

TEST_CASE("a catalog that is not JSON or has no services list is refused with what to send") {
  auto a = services::parseCatalog("<html>oops</html>");
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message == "The service broker's catalog is not valid JSON");
  auto b = services::parseCatalog(R"({"offerings":[]})");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("has no 'services' list") != std::string::npos);
}
