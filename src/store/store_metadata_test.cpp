// Tests of the store's metadata table: labels and annotations by resource, gone with it.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"
#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;

namespace {

model::Metadata labelled(const std::string& key, const std::string& value) {
  model::Metadata m;
  m.labels[key] = value;
  m.annotations["note"] = "a longer text";
  return m;
}

}  // namespace

TEST_CASE("metadata is stored per resource type and guid, replaced and listed") {
  StoreWithSpace f;
  auto& s = *f.s;
  auto none = s.getMetadata("app", "nope");
  REQUIRE(none.ok());
  CHECK(none->labels.empty());
  CHECK(none->annotations.empty());

  REQUIRE(s.setMetadata("app", "a1", labelled("env", "prod")).ok());
  REQUIRE(s.setMetadata("app", "a2", labelled("env", "dev")).ok());
  REQUIRE(s.setMetadata("route", "a1", labelled("team", "x")).ok());
  auto got = s.getMetadata("app", "a1");
  REQUIRE(got.ok());
  CHECK(got->labels.at("env") == "prod");
  CHECK(got->annotations.at("note") == "a longer text");
  CHECK(s.getMetadata("route", "a1")->labels.count("env") == 0);

  REQUIRE(s.setMetadata("app", "a1", labelled("env", "staging")).ok());
  CHECK(s.getMetadata("app", "a1")->labels.at("env") == "staging");

  auto apps = s.listMetadata("app");
  REQUIRE(apps.ok());
  CHECK(apps->size() == 2);
  CHECK(apps->at("a2").labels.at("env") == "dev");

  REQUIRE(s.setMetadata("app", "a2", model::Metadata{}).ok());
  CHECK(s.listMetadata("app")->size() == 1);
}

TEST_CASE("metadata goes with its resource, also when a delete cascades") {
  StoreWithSpace f;
  auto& s = *f.s;
  auto app = makeApp(s, f.space, "web");
  model::Process p;
  p.app_guid = app.guid;
  p.type = "web";
  auto proc = s.createProcess(p).value();
  model::Domain d;
  d.name = "example.org";
  auto domain = s.createDomain(d).value();
  model::Route r;
  r.host = "shop";
  r.domain_guid = domain.guid;
  r.space_guid = f.space;
  auto route = s.createRoute(r).value();

  REQUIRE(s.setMetadata("app", app.guid, labelled("k", "v")).ok());
  REQUIRE(s.setMetadata("process", proc.guid, labelled("k", "v")).ok());
  REQUIRE(s.setMetadata("domain", domain.guid, labelled("k", "v")).ok());
  REQUIRE(s.setMetadata("route", route.guid, labelled("k", "v")).ok());
  REQUIRE(s.setMetadata("space", f.space, labelled("k", "v")).ok());

  REQUIRE(s.deleteApp(app.guid).ok());
  CHECK(s.getMetadata("app", app.guid)->labels.empty());
  CHECK(s.getMetadata("process", proc.guid)->labels.empty());
  CHECK(s.getMetadata("route", route.guid)->labels.size() == 1);

  REQUIRE(s.deleteDomain(domain.guid).ok());
  CHECK(s.getMetadata("domain", domain.guid)->labels.empty());
  CHECK(s.getMetadata("route", route.guid)->labels.empty());
  CHECK(s.getMetadata("space", f.space)->labels.size() == 1);
}
