// Tests of the store's organization and space quotas: null limits, the "default" org quota new
// orgs get, applying, and deleting only what is no longer applied.
#include "store/store.h"

#include <doctest/doctest.h>

#include "store/testing/seed.h"
#include "store/testing/temp_store.h"

using namespace mcf;
using namespace mcf::store;
using base::Errc;
using model::QuotaKind;

namespace {

model::Quota quota(const std::string& name, std::optional<int64_t> memory,
                   const std::string& org = "") {
  model::Quota q;
  q.name = name;
  q.org_guid = org;
  q.limits.total_memory_in_mb = memory;
  return q;
}

std::string defaultQuotaGuid(Store& s) {
  auto all = s.listQuotas(QuotaKind::kOrg);
  REQUIRE(all.ok());
  for (const auto& q : *all)
    if (q.name == "default") return q.guid;
  FAIL("no default quota");
  return "";
}

}  // namespace

TEST_CASE("quotas: the unlimited default org quota exists and new orgs get it") {
  TempStore t;
  Store& s = *t;
  std::string def = defaultQuotaGuid(s);
  auto q = s.getQuota(QuotaKind::kOrg, def);
  REQUIRE(q.ok());
  CHECK(!q->limits.total_memory_in_mb);
  CHECK(!q->limits.total_routes);
  CHECK(q->limits.paid_services_allowed);
  std::string org = testing::makeOrg(s, "o1");
  auto applied = s.appliedQuota(QuotaKind::kOrg, org);
  REQUIRE(applied.ok());
  CHECK(*applied == std::optional<std::string>(def));
  CHECK(s.getQuota(QuotaKind::kOrg, def)->applied_to == std::vector<std::string>{org});
}

TEST_CASE("quotas: org quota create, read, update, unique name, null stays null") {
  TempStore t;
  Store& s = *t;
  model::Quota in = quota("small", 256);
  in.limits.total_routes = 3;
  in.limits.paid_services_allowed = false;
  auto q = s.createQuota(QuotaKind::kOrg, in);
  REQUIRE(q.ok());
  auto got = s.getQuota(QuotaKind::kOrg, q->guid);
  REQUIRE(got.ok());
  CHECK(got->name == "small");
  CHECK(got->limits.total_memory_in_mb == std::optional<int64_t>(256));
  CHECK(got->limits.total_routes == std::optional<int64_t>(3));
  CHECK(!got->limits.total_instances);
  CHECK(!got->limits.paid_services_allowed);
  auto dup = s.createQuota(QuotaKind::kOrg, quota("small", 1));
  REQUIRE(!dup.ok());
  CHECK(dup.error().code == Errc::kConflict);
  CHECK(dup.error().message == "Organization Quota 'small' already exists.");
  got->limits.total_memory_in_mb.reset();
  got->limits.total_instances = 5;
  got->name = "smaller";
  REQUIRE(s.updateQuota(QuotaKind::kOrg, *got).ok());
  auto again = s.getQuota(QuotaKind::kOrg, q->guid);
  CHECK(again->name == "smaller");
  CHECK(!again->limits.total_memory_in_mb);
  CHECK(again->limits.total_instances == std::optional<int64_t>(5));
  CHECK(s.getQuota(QuotaKind::kOrg, "nope").error().code == Errc::kNotFound);
}

TEST_CASE("quotas: applying an org quota replaces the default; applied quotas can't be deleted") {
  TempStore t;
  Store& s = *t;
  std::string org = testing::makeOrg(s, "o1");
  auto q = s.createQuota(QuotaKind::kOrg, quota("small", 256));
  REQUIRE(q.ok());
  REQUIRE(s.applyQuota(QuotaKind::kOrg, q->guid, org).ok());
  CHECK(*s.appliedQuota(QuotaKind::kOrg, org) == std::optional<std::string>(q->guid));
  CHECK(s.getQuota(QuotaKind::kOrg, defaultQuotaGuid(s))->applied_to.empty());
  auto del = s.deleteQuota(QuotaKind::kOrg, q->guid);
  REQUIRE(!del.ok());
  CHECK(del.error().code == Errc::kInvalid);
  CHECK(del.error().message.starts_with("This quota is applied to one or more organizations."));
  CHECK(s.applyQuota(QuotaKind::kOrg, q->guid, "no-such-org").error().code == Errc::kNotFound);
  CHECK(s.applyQuota(QuotaKind::kOrg, "no-such-quota", org).error().code == Errc::kNotFound);
  REQUIRE(s.applyQuota(QuotaKind::kOrg, defaultQuotaGuid(s), org).ok());
  REQUIRE(s.deleteQuota(QuotaKind::kOrg, q->guid).ok());
  CHECK(s.getQuota(QuotaKind::kOrg, q->guid).error().code == Errc::kNotFound);
}

TEST_CASE("quotas: space quotas belong to an org, apply to spaces and come off again") {
  TempStore t;
  Store& s = *t;
  std::string org = testing::makeOrg(s, "o1");
  std::string other = testing::makeOrg(s, "o2");
  std::string dev = testing::makeSpace(s, org, "dev");
  auto q = s.createQuota(QuotaKind::kSpace, quota("sq", 128, org));
  REQUIRE(q.ok());
  REQUIRE(s.createQuota(QuotaKind::kSpace, quota("sq", 128, other)).ok());  // per org
  auto dup = s.createQuota(QuotaKind::kSpace, quota("sq", 64, org));
  REQUIRE(!dup.ok());
  CHECK(dup.error().message == "Space Quota 'sq' already exists.");
  CHECK(s.createQuota(QuotaKind::kSpace, quota("x", 1, "no-org")).error().code == Errc::kInvalid);
  CHECK(!s.appliedQuota(QuotaKind::kSpace, dev)->has_value());
  REQUIRE(s.applyQuota(QuotaKind::kSpace, q->guid, dev).ok());
  auto got = s.getQuota(QuotaKind::kSpace, q->guid);
  REQUIRE(got.ok());
  CHECK(got->org_guid == org);
  CHECK(got->applied_to == std::vector<std::string>{dev});
  CHECK(s.deleteQuota(QuotaKind::kSpace, q->guid).error().code == Errc::kInvalid);
  CHECK(s.removeQuota(QuotaKind::kSpace, "other", dev).error().code == Errc::kNotFound);
  REQUIRE(s.removeQuota(QuotaKind::kSpace, q->guid, dev).ok());
  CHECK(!s.appliedQuota(QuotaKind::kSpace, dev)->has_value());
  REQUIRE(s.deleteQuota(QuotaKind::kSpace, q->guid).ok());
  auto list = s.listQuotas(QuotaKind::kSpace);
  REQUIRE(list.ok());
  CHECK(list->size() == 1);
}

TEST_CASE("quotas: orgs that existed before quotas get the default on upgrade") {
  TempStore t;
  Store& s = *t;
  std::string org = testing::makeOrg(s, "o1");
  t.reopen();
  CHECK(t->appliedQuota(QuotaKind::kOrg, org)->has_value());
}
