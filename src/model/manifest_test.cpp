// Tests of manifest parsing, validation messages, units and writing.
#include "model/manifest.h"

#include <algorithm>

#include <doctest/doctest.h>

using namespace mcf::model;

static const char kGood[] = R"(---
version: 1
applications:
- name: hello
  memory: 256M
  disk_quota: 1G
  instances: 2
  buildpacks: [staticfile_buildpack]
  command: ./run --port "$PORT"
  env:
    GREETING: hi there
    COUNT: 3
    DEBUG: true
  routes:
  - route: hello.localhost
  - route: hello.localhost/api
    protocol: http1
  health-check-type: http
  health-check-http-endpoint: /health
  timeout: 90
  processes:
  - type: worker
    command: null
    instances: 1
    memory: 128M
  services: [db, {name: cache}]
- name: other
  buildpack: go_buildpack
  no-route: true
)";

TEST_CASE("a good manifest parses and survives a round trip through manifestToYaml") {
  auto m = parseManifest(kGood);
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  REQUIRE(m->applications.size() == 2);
  const ManifestApp& a = m->applications[0];
  CHECK(a.name == "hello");
  CHECK(a.line == 4);
  CHECK(a.web.memory_mb == 256);
  CHECK(a.web.disk_mb == 1024);
  CHECK(a.web.instances == 2);
  CHECK(*a.web.command == "./run --port \"$PORT\"");
  CHECK(a.env.at("COUNT") == "3");
  CHECK(a.env.at("DEBUG") == "true");
  REQUIRE(a.routes.has_value());
  CHECK(a.routes->size() == 2);
  CHECK((*a.routes)[1].route == "hello.localhost/api");
  CHECK(a.web.health_check_type == "http");
  CHECK(a.web.timeout == 90);
  REQUIRE(a.processes.size() == 1);
  CHECK(a.processes[0].command_null);
  CHECK(a.processes[0].memory_mb == 128);
  CHECK(a.services == std::vector<std::string>{"db", "cache"});
  CHECK(m->applications[1].buildpacks == std::vector<std::string>{"go_buildpack"});
  CHECK(m->applications[1].no_route);

  std::string yaml = manifestToYaml(*m);
  CHECK(yaml.find("disk-quota: 1G") != std::string::npos);
  CHECK(yaml.find("health-check-http-endpoint") != std::string::npos);
  auto again = parseManifest(yaml);
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  const ManifestApp& b = again->applications[0];
  CHECK(b.name == a.name);
  CHECK(b.web.memory_mb == a.web.memory_mb);
  CHECK(b.web.disk_mb == a.web.disk_mb);
  CHECK(b.web.command == a.web.command);
  CHECK(b.env == a.env);
  CHECK(b.routes->size() == 2);
  CHECK((*b.routes)[1].protocol == "http1");
  CHECK(b.processes[0].command_null);
  CHECK(b.services == a.services);
  CHECK(again->applications[1].no_route);
  CHECK(manifestToYaml(*again) == yaml);
}

TEST_CASE("every bad field is reported with its line") {
  auto m = parseManifest(R"(applications:
- name: hello
  instances: three
  memroy: 256M
  disk_quota: 512
  host: hello
)");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == mcf::base::Errc::kInvalid);
  const std::string& msg = m.error().message;
  CHECK(msg.find("line 3: 'instances' must be a whole number, got 'three'") != std::string::npos);
  CHECK(msg.find("line 4: unknown key 'memroy' in application 'hello' ignored; did you mean "
                 "'memory'?") != std::string::npos);
  CHECK(msg.find("line 5: 'disk_quota' must use a supported unit") != std::string::npos);
  CHECK(msg.find("line 6: 'host' is deprecated") != std::string::npos);
  CHECK(msg.find("use 'routes'") != std::string::npos);
  CHECK(std::count(msg.begin(), msg.end(), '\n') == 3);  // four problems, four lines
}

TEST_CASE("unknown keys are ignored with a warning that names the line and the nearest key") {
  auto m = parseManifest(R"(applications:
- name: hello
  memroy: 256M
  colour: blue
  processes:
  - type: web
    instancs: 2
  routes:
  - route: hello.example.com
    protocl: http1
futures: yes
)");
  REQUIRE(m.ok());
  REQUIRE(m->applications.size() == 1);
  CHECK(m->applications[0].web.memory_mb == std::nullopt);
  REQUIRE(m->warnings.size() == 5);
  CHECK(m->warnings[0] == "line 3: unknown key 'memroy' in application 'hello' ignored; did you "
                          "mean 'memory'?");
  CHECK(m->warnings[1] == "line 4: unknown key 'colour' in application 'hello' ignored");
  CHECK(m->warnings[2] == "line 7: unknown key 'instancs' in process of application 'hello' "
                          "ignored; did you mean 'instances'?");
  CHECK(m->warnings[3] == "line 10: unknown key 'protocl' in a route of application 'hello' "
                          "ignored; did you mean 'protocol'?");
  CHECK(m->warnings[4] == "line 11: unknown top-level key 'futures' ignored");
}

TEST_CASE("a missing name and a bad version are both reported") {
  auto m = parseManifest("version: 2\napplications:\n- memory: 1G\n");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("line 1: 'version' must be 1") != std::string::npos);
  CHECK(m.error().message.find("line 3: an application has no 'name'") != std::string::npos);
}

TEST_CASE("YAML syntax errors name their line") {
  auto m = parseManifest("applications:\n- name: hello\n  env: {A: b\n  memory: 1G\n");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.rfind("line 4: ", 0) == 0);
  CHECK(m.error().message.find("YAML syntax error") != std::string::npos);
  auto tabs = parseManifest("applications:\n- name: a\n   memory: 1G\n  bad: [\n");
  REQUIRE_FALSE(tabs.ok());
  CHECK(tabs.error().message.find("line 3") != std::string::npos);
}

TEST_CASE("sizes are 1024-based with a unit in any case") {
  CHECK(*parseMegabytes("256M") == 256);
  CHECK(*parseMegabytes("256mb") == 256);
  CHECK(*parseMegabytes("1G") == 1024);
  CHECK(*parseMegabytes("2gb") == 2048);
  CHECK(*parseMegabytes("1024K") == 1);
  CHECK(*parseMegabytes("1T") == 1024 * 1024);
  CHECK(*parseMegabytes("1.5G") == 1536);
  auto bare = parseMegabytes("256");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().message.find("must use a supported unit") != std::string::npos);
  CHECK_FALSE(parseMegabytes("12Q").ok());
  CHECK_FALSE(parseMegabytes("M").ok());
  CHECK_FALSE(parseMegabytes("0M").ok());
}

TEST_CASE("readiness health check keys parse, survive a round trip and are validated") {
  auto m = parseManifest(R"(applications:
- name: hello
  readiness-health-check-type: http
  readiness-health-check-http-endpoint: /ready
  readiness-health-check-invocation-timeout: 3
  readiness-health-check-interval: 7
)");
  REQUIRE(m.ok());
  const ManifestProcess& web = m->applications[0].web;
  CHECK(web.readiness_type == "http");
  CHECK(web.readiness_http_endpoint == "/ready");
  CHECK(web.readiness_invocation_timeout == 3);
  CHECK(web.readiness_interval == 7);
  auto again = parseManifest(manifestToYaml(*m));
  REQUIRE(again.ok());
  CHECK(again->applications[0].web.readiness_http_endpoint == "/ready");
  CHECK(again->applications[0].web.readiness_interval == 7);

  auto bad = parseManifest(R"(applications:
- name: hello
  readiness-health-check-type: tcp
  timeout: 181
)");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("line 3: 'readiness-health-check-type' must be port, process or "
                                 "http, got 'tcp'") != std::string::npos);
  CHECK(bad.error().message.find("line 4: 'timeout' must be at most 180 seconds, got 181") !=
        std::string::npos);
}

TEST_CASE("route options: loadbalancing is read, written back, and checked with its line") {
  auto m = parseManifest(R"(applications:
- name: hello
  routes:
  - route: hello.localhost
    options:
      loadbalancing: least-connection
  - route: other.localhost
)");
  REQUIRE(m.ok());
  const auto& routes = *m->applications[0].routes;
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].loadbalancing == std::optional<std::string>("least-connection"));
  CHECK_FALSE(routes[1].loadbalancing.has_value());
  auto again = parseManifest(manifestToYaml(*m));
  REQUIRE(again.ok());
  CHECK((*again->applications[0].routes)[0].loadbalancing ==
        std::optional<std::string>("least-connection"));

  auto bad = parseManifest(R"(applications:
- name: hello
  routes:
  - route: hello.localhost
    options:
      loadbalancing: fastest
      stickiness: on
  - route: two.localhost
    options: least-connection
)");
  REQUIRE_FALSE(bad.ok());
  const std::string& msg = bad.error().message;
  CHECK(msg.find("line 6: route option 'loadbalancing' must be round-robin or least-connection, "
                 "got 'fastest'") != std::string::npos);
  CHECK(msg.find("line 7: unknown route option 'stickiness'") != std::string::npos);
  CHECK(msg.find("line 9: route 'options' must be a map") != std::string::npos);
}

TEST_CASE("parseLogRate reads the manifest's sizes") {
  CHECK(mcf::model::parseLogRate("16K") == 16384);
  CHECK(mcf::model::parseLogRate("1M") == 1048576);
  CHECK(mcf::model::parseLogRate("1mb") == 1048576);
  CHECK(mcf::model::parseLogRate("1G") == 1073741824);
  CHECK(mcf::model::parseLogRate("512B") == 512);
  CHECK(mcf::model::parseLogRate("100") == 100);
  CHECK(mcf::model::parseLogRate("-1") == -1);
  CHECK(!mcf::model::parseLogRate("lots"));
  CHECK(!mcf::model::parseLogRate("-5"));
  CHECK(!mcf::model::parseLogRate(""));
  CHECK(!mcf::model::parseLogRate("K"));
}

TEST_CASE("log-rate-limit-per-second is read, written back, and checked") {
  auto m = parseManifest("applications:\n- name: chatty\n  log-rate-limit-per-second: 16K\n");
  REQUIRE(m.ok());
  CHECK(m->applications[0].web.log_rate_bps == 16384);
  std::string yaml = manifestToYaml(*m);
  CHECK(yaml.find("log-rate-limit-per-second: 16K") != std::string::npos);
  auto unlimited = parseManifest("applications:\n- name: a\n  log-rate-limit-per-second: -1\n");
  REQUIRE(unlimited.ok());
  CHECK(unlimited->applications[0].web.log_rate_bps == -1);
  auto bad = parseManifest("applications:\n- name: a\n  log-rate-limit-per-second: lots\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("line 3: 'log-rate-limit-per-second' must be a size in bytes "
                                 "per second") != std::string::npos);
}
