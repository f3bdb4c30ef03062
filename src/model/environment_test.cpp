// Tests of the app environment against CF-CONTRACT.md §3.
#include "model/environment.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace mcf::model;

static std::string valueOf(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env)
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return "<missing>";
}

TEST_CASE("running environment carries PORT, instance variables and VCAP_APPLICATION") {
  App app;
  app.guid = "a-guid";
  app.name = "hello";
  app.env = {{"GREETING", "hi"}, {"PORT", "1"}};
  Process web = defaultProcess(app.guid, "web");
  Space space{{}, "s-guid", "dev", "o-guid"};
  Org org{{}, "o-guid", "microcf"};
  AppContext ctx{&app, &web, &space, &org, {"hello.localhost"}, "http://api.localhost:8080", 256, 1024};
  auto env = runningEnvironment(ctx, {.index = 2, .instance_guid = "i-guid", .port = 61001});
  CHECK(valueOf(env, "PORT") == "61001");  // the platform's PORT wins over the app's
  CHECK(valueOf(env, "GREETING") == "hi");
  CHECK(valueOf(env, "CF_INSTANCE_INDEX") == "2");
  CHECK(valueOf(env, "CF_INSTANCE_GUID") == "i-guid");
  CHECK(valueOf(env, "MEMORY_LIMIT") == "256m");
  CHECK(valueOf(env, "HOME") == "/home/vcap/app");
  auto vcap = nlohmann::json::parse(valueOf(env, "VCAP_APPLICATION"));
  CHECK(vcap["application_name"] == "hello");
  CHECK(vcap["application_uris"][0] == "hello.localhost");
  CHECK(vcap["space_name"] == "dev");
  CHECK(vcap["organization_name"] == "microcf");
  CHECK(vcap["limits"]["mem"] == 256);
  CHECK(vcap["application_version"] == web.version);
}

TEST_CASE("staging environment has no PORT and no instance variables") {
  App app;
  app.guid = "a";
  app.name = "n";
  AppContext ctx{&app, nullptr, nullptr, nullptr, {}, "http://api.localhost:8080", 1024, 4096};
  auto env = stagingEnvironment(ctx);
  CHECK(valueOf(env, "PORT") == "<missing>");
  CHECK(valueOf(env, "CF_INSTANCE_INDEX") == "<missing>");
  CHECK(valueOf(env, "CF_STACK") == "host");
  CHECK(valueOf(env, "LANG") == "en_US.UTF-8");
}
