// Tests of the store's deployments: round trip, filters, status updates, survival of a
// reopen, and deletion with their app.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"
#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using namespace mcf::store::testing;
namespace dp = model::deployment;

TEST_CASE("deployments round-trip, filter by app and status, update and go with their app") {
  TempStore s;
  REQUIRE(s.ok());
  std::string space = devSpace(*s);
  std::vector<std::string> apps;
  for (const char* name : {"a", "b"}) apps.push_back(makeApp(*s, space, name).guid);
  model::Deployment d;
  d.app_guid = apps[0];
  d.max_in_flight = 3;
  d.droplet_guid = "new-droplet";
  d.previous_droplet_guid = "old-droplet";
  d.process_guid = apps[0];
  d.version = "v2";
  d.previous_version = "v1";
  auto created = s->createDeployment(d);
  REQUIRE(created.ok());
  CHECK(created->last_status_change == created->created_at);
  model::Deployment other = d;
  other.app_guid = apps[1];
  other.process_guid = apps[1];
  REQUIRE(s->createDeployment(other).ok());
  model::Deployment orphan = d;
  orphan.app_guid = "no-such-app";
  CHECK(s->createDeployment(orphan).error().code == base::Errc::kInvalid);

  auto got = s->getDeployment(created->guid);
  REQUIRE(got.ok());
  CHECK(got->state == dp::kDeploying);
  CHECK(got->status_value == dp::kActive);
  CHECK(got->max_in_flight == 3);
  CHECK(got->previous_droplet_guid == "old-droplet");
  CHECK(got->previous_version == "v1");
  CHECK(s->listDeployments({.app_guids = {apps[0]}, .status_values = {dp::kActive}})->size() == 1);
  CHECK(s->listDeployments({})->size() == 2);

  got->state = dp::kCanceled;
  got->status_value = dp::kFinalized;
  got->status_reason = dp::kCanceled;
  got->error = "New instance 0 crashed";
  got->last_healthcheck = 42;
  REQUIRE(s->updateDeployment(*got).ok());
  s.reopen();
  auto after = s->getDeployment(created->guid);
  REQUIRE(after.ok());
  CHECK(after->status_reason == dp::kCanceled);
  CHECK(after->error == "New instance 0 crashed");
  CHECK(after->last_healthcheck == 42);
  CHECK(s->listDeployments({.status_values = {dp::kActive}})->size() == 1);
  CHECK(s->listDeployments({.states = {dp::kCanceled}, .status_reasons = {dp::kCanceled}})->size() == 1);

  REQUIRE(s->deleteApp(apps[0]).ok());
  CHECK(s->getDeployment(created->guid).error().code == base::Errc::kNotFound);
  CHECK(s->listDeployments({})->size() == 1);
}
