// VCAP_SERVICES against the contract's shape.
#include "model/service.h"

#include <doctest/doctest.h>

namespace mcf::model {

TEST_CASE("vcapServices: user-provided bindings under their label, binding name first") {
  BoundService a;
  a.instance.guid = "i1";
  a.instance.name = "db";
  a.instance.credentials = {{"uri", "postgres://u:p@h/d"}};
  a.instance.tags = {"sql"};
  a.binding.guid = "b1";
  BoundService b;
  b.instance.guid = "i2";
  b.instance.name = "drain";
  b.instance.syslog_drain_url = "syslog://127.0.0.1:514";
  b.binding.guid = "b2";
  b.binding.name = "logs";
  nlohmann::json v = vcapServices({a, b});
  REQUIRE(v.size() == 1);
  REQUIRE(v["user-provided"].size() == 2);
  CHECK(v["user-provided"][0] == nlohmann::json::parse(R"({
    "name":"db","binding_guid":"b1","binding_name":null,"instance_guid":"i1",
    "instance_name":"db","label":"user-provided","tags":["sql"],
    "credentials":{"uri":"postgres://u:p@h/d"},"syslog_drain_url":null,"volume_mounts":[]})"));
  CHECK(v["user-provided"][1]["name"] == "logs");
  CHECK(v["user-provided"][1]["binding_name"] == "logs");
  CHECK(v["user-provided"][1]["instance_name"] == "drain");
  CHECK(v["user-provided"][1]["syslog_drain_url"] == "syslog://127.0.0.1:514");
  CHECK(vcapServices({}) == nlohmann::json::object());
}

}  // namespace mcf::model
