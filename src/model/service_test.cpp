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

TEST_CASE("vcapServices: managed bindings under the offering's label with plan, tags and the "
          "binding's own credentials") {
  BoundService pg;
  pg.instance.guid = "i1";
  pg.instance.name = "orders-db";
  pg.instance.type = kManaged;
  pg.instance.tags = {"orders"};
  pg.instance.credentials = {{"ignored", true}};  // managed: the binding's credentials count
  pg.binding.guid = "b1";
  pg.binding.name = "db";
  pg.binding.credentials = {{"uri", "postgres://u1:p1@10.0.0.2:5432/d1"}, {"username", "u1"}};
  pg.binding.volume_mounts = nlohmann::json::parse(
      R"([{"container_dir":"/data","mode":"rw","device_type":"shared","device":{"volume_id":"v"}}])");
  pg.label = "postgresql";
  pg.plan = "default";
  pg.offering_tags = {"postgresql", "relational"};
  BoundService pg2 = pg;
  pg2.binding.guid = "b2";
  pg2.binding.name = "";
  pg2.instance.name = "other-db";
  BoundService pending = pg;
  pending.binding.guid = "b3";
  pending.binding.last_operation.state = "in progress";  // not bound yet
  BoundService upsi;
  upsi.instance.guid = "i9";
  upsi.instance.name = "ext";
  upsi.binding.guid = "b9";
  nlohmann::json v = vcapServices({pg, pg2, pending, upsi});
  REQUIRE(v.size() == 2);
  REQUIRE(v["postgresql"].size() == 2);
  CHECK(v["postgresql"][0] == nlohmann::json::parse(R"({
    "name":"db","binding_guid":"b1","binding_name":"db","instance_guid":"i1",
    "instance_name":"orders-db","label":"postgresql","provider":null,"plan":"default",
    "tags":["postgresql","relational","orders"],
    "credentials":{"uri":"postgres://u1:p1@10.0.0.2:5432/d1","username":"u1"},
    "syslog_drain_url":null,
    "volume_mounts":[{"container_dir":"/data","mode":"rw","device_type":"shared"}]})"));
  CHECK(v["postgresql"][1]["name"] == "other-db");
  CHECK(v["postgresql"][1]["binding_name"] == nullptr);
  REQUIRE(v["user-provided"].size() == 1);
  CHECK_FALSE(v["user-provided"][0].contains("plan"));
}

}  // namespace mcf::model
