// Tests of the store's admin buildpacks: positions shift like Cloud Controller's, (name, stack)
// is unique.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using base::Errc;

namespace {

model::Buildpack bp(const std::string& name, int position, const std::string& stack = "") {
  model::Buildpack b;
  b.name = name;
  b.position = position;
  b.stack = stack;
  return b;
}

std::string order(Store& s) {
  std::string out;
  auto all = s.listBuildpacks();
  REQUIRE(all.ok());
  for (const auto& b : *all) out += fmt::format("{}:{} ", b.position, b.name);
  return out;
}

}  // namespace

TEST_CASE("buildpacks: create inserts at a position and shifts the rest down") {
  TempStore t;
  Store& s = *t;
  REQUIRE(s.createBuildpack(bp("a", 0)).ok());
  REQUIRE(s.createBuildpack(bp("b", 0)).ok());
  CHECK(order(s) == "1:a 2:b ");
  auto c = s.createBuildpack(bp("c", 1));
  REQUIRE(c.ok());
  CHECK(c->position == 1);
  CHECK(order(s) == "1:c 2:a 3:b ");
  auto d = s.createBuildpack(bp("d", 99));  // past the end: last
  REQUIRE(d.ok());
  CHECK(d->position == 4);
  REQUIRE(s.createBuildpack(bp("e", 2)).ok());
  CHECK(order(s) == "1:c 2:e 3:a 4:b 5:d ");
}

TEST_CASE("buildpacks: name unique per stack, null stack included") {
  TempStore t;
  Store& s = *t;
  REQUIRE(s.createBuildpack(bp("a", 0)).ok());
  auto dup = s.createBuildpack(bp("a", 0));
  REQUIRE(!dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message ==
        "Buildpack with name 'a' and an unassigned stack already exists");
  REQUIRE(s.createBuildpack(bp("a", 0, "cflinuxfs4")).ok());
  auto dup2 = s.createBuildpack(bp("a", 0, "cflinuxfs4"));
  REQUIRE(!dup2.ok());
  CHECK(dup2.error().message == "Buildpack with name 'a' and stack 'cflinuxfs4' already exists");
  CHECK(order(s) == "1:a 2:a ");  // the failed inserts left no gap
}

TEST_CASE("buildpacks: update moves positions both ways; delete closes the gap") {
  TempStore t;
  Store& s = *t;
  std::vector<std::string> guids;
  for (const char* n : {"a", "b", "c", "d"}) {
    auto made = s.createBuildpack(bp(n, 0));
    REQUIRE(made.ok());
    guids.push_back(made->guid);
  }
  auto d = s.getBuildpack(guids[3]);
  REQUIRE(d.ok());
  d->position = 1;
  d->enabled = false;
  d->filename = "d.zip";
  REQUIRE(s.updateBuildpack(*d).ok());
  CHECK(order(s) == "1:d 2:a 3:b 4:c ");
  auto again = s.getBuildpack(guids[3]);
  REQUIRE(again.ok());
  CHECK(!again->enabled);
  CHECK(again->filename == "d.zip");

  auto a = s.getBuildpack(guids[0]);
  REQUIRE(a.ok());
  a->position = 100;  // past the end: last
  REQUIRE(s.updateBuildpack(*a).ok());
  CHECK(order(s) == "1:d 2:b 3:c 4:a ");

  REQUIRE(s.deleteBuildpack(guids[1]).ok());
  CHECK(order(s) == "1:d 2:c 3:a ");
  CHECK(s.deleteBuildpack(guids[1]).error().code == Errc::kNotFound);

  auto c = s.getBuildpack(guids[2]);
  REQUIRE(c.ok());
  c->name = "d";
  auto clash = s.updateBuildpack(*c);
  REQUIRE(!clash.ok());
  CHECK(clash.error().code == Errc::kConflict);
  CHECK(order(s) == "1:d 2:c 3:a ");
}
