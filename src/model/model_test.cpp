// Tests of state names and process defaults.
#include "model/model.h"

#include <doctest/doctest.h>

using namespace mcf::model;

TEST_CASE("state names round trip as Cloud Foundry spells them") {
  CHECK(std::string(toString(PackageState::kProcessingUpload)) == "PROCESSING_UPLOAD");
  CHECK(packageStateFrom("READY") == PackageState::kReady);
  CHECK(buildStateFrom("STAGED") == BuildState::kStaged);
  CHECK_FALSE(appStateFrom("RUNNING").has_value());
  CHECK(std::string(toString(InstanceState::kCrashed)) == "CRASHED");
}

TEST_CASE("the web process shares its app's guid and defaults to one instance") {
  Process web = defaultProcess("app-guid", "web");
  CHECK(web.guid == "app-guid");
  CHECK(web.instances == 1);
  CHECK(web.health_check.type == "port");
  Process worker = defaultProcess("app-guid", "worker");
  CHECK(worker.guid != "app-guid");
  CHECK(worker.instances == 0);
  CHECK(worker.health_check.type == "process");
}

TEST_CASE("route urls") {
  Route r;
  r.host = "hello";
  CHECK(routeUrl(r, "localhost") == "hello.localhost");
  r.path = "/api";
  CHECK(routeUrl(r, "localhost") == "hello.localhost/api");
}
