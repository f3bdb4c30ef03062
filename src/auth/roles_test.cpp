// Tests of the role table: each role's answer to each action, 404 versus 403.
#include "auth/roles.h"

#include <string>

#include <doctest/doctest.h>

using namespace mcf::auth;
using mcf::model::RoleType;

namespace {

constexpr Decision Y = Decision::kAllow;
constexpr Decision F = Decision::kForbidden;  // 403: sees it, may not
constexpr Decision N = Decision::kNotFound;   // 404: cannot see it

struct Caller {
  const char* name;
  Powers powers;
  std::vector<RoleType> roles;
};

const std::vector<Caller>& callers() {
  static const std::vector<Caller> c = {
      {"admin", {true, false, false}, {}},
      {"admin_read_only", {false, true, false}, {}},
      {"global_auditor", {false, false, true}, {}},
      {"org manager", {}, {RoleType::kOrganizationManager}},
      {"org auditor", {}, {RoleType::kOrganizationAuditor}},
      {"org user", {}, {RoleType::kOrganizationUser}},
      {"org billing manager", {}, {RoleType::kOrganizationBillingManager}},
      {"space manager", {}, {RoleType::kOrganizationUser, RoleType::kSpaceManager}},
      {"space developer", {}, {RoleType::kOrganizationUser, RoleType::kSpaceDeveloper}},
      {"space auditor", {}, {RoleType::kOrganizationUser, RoleType::kSpaceAuditor}},
      {"space supporter", {}, {RoleType::kOrganizationUser, RoleType::kSpaceSupporter}},
      {"no role", {}, {}},
  };
  return c;
}

}  // namespace

TEST_CASE("the role table answers every caller and action as CF-CONTRACT §8 says") {
  struct Expect {
    Action action;
    std::vector<Decision> want;  // in the order of callers()
  };
  // clang-format off
  const std::vector<Expect> table = {
    //                         Adm RO GA  OMgr OAud OUsr OBil SMgr SDev SAud SSup none
    {Action::kRead,            {Y,  Y, Y,  Y,   N,   N,   N,   Y,   Y,   Y,   Y,   N}},
    {Action::kReadRoute,       {Y,  Y, Y,  Y,   Y,   N,   N,   Y,   Y,   Y,   Y,   N}},
    {Action::kReadLogs,        {Y,  Y, Y,  Y,   N,   N,   N,   Y,   Y,   Y,   Y,   N}},
    {Action::kReadEnv,         {Y,  Y, F,  F,   N,   N,   N,   F,   Y,   F,   Y,   N}},
    {Action::kReadSecrets,     {Y,  Y, F,  F,   N,   N,   N,   F,   Y,   F,   F,   N}},
    {Action::kWriteDev,        {Y,  F, F,  F,   N,   N,   N,   F,   Y,   F,   F,   N}},
    {Action::kWriteLifecycle,  {Y,  F, F,  F,   N,   N,   N,   F,   Y,   F,   Y,   N}},
    {Action::kDownloadDroplet, {Y,  Y, Y,  Y,   N,   N,   N,   Y,   Y,   Y,   F,   N}},
    {Action::kManageSpace,     {Y,  F, F,  Y,   N,   N,   N,   Y,   F,   F,   F,   N}},
    {Action::kReadOrg,         {Y,  Y, Y,  Y,   Y,   Y,   Y,   Y,   Y,   Y,   Y,   N}},
    {Action::kManageOrg,       {Y,  F, F,  Y,   F,   F,   F,   F,   F,   F,   F,   N}},
    {Action::kWriteGlobal,     {Y,  F, F,  F,   F,   F,   F,   F,   F,   F,   F,   F}},
  };
  // clang-format on
  for (const Expect& e : table) {
    REQUIRE(e.want.size() == callers().size());
    for (size_t i = 0; i < callers().size(); ++i) {
      const Caller& c = callers()[i];
      std::string action(toString(e.action));
      CAPTURE(action);
      CAPTURE(c.name);
      CHECK(decide(c.powers, c.roles, e.action) == e.want[i]);
    }
  }
}

TEST_CASE("roles add up: an org manager who is also a space developer may push") {
  std::vector<RoleType> both = {RoleType::kOrganizationManager, RoleType::kSpaceDeveloper};
  CHECK(decide({}, both, Action::kWriteDev) == Decision::kAllow);
  CHECK(decide({}, both, Action::kManageOrg) == Decision::kAllow);
  // A global auditor with a developer role in the space reads its secrets through the role.
  CHECK(decide({false, false, true}, {RoleType::kSpaceDeveloper}, Action::kReadSecrets) ==
        Decision::kAllow);
}

TEST_CASE("each action has the scope its objects live in") {
  CHECK(scopeOf(Action::kRead) == Scope::kSpace);
  CHECK(scopeOf(Action::kManageSpace) == Scope::kSpace);
  CHECK(scopeOf(Action::kReadOrg) == Scope::kOrg);
  CHECK(scopeOf(Action::kManageOrg) == Scope::kOrg);
  CHECK(scopeOf(Action::kWriteGlobal) == Scope::kGlobal);
  CHECK(canSee({}, {}, Scope::kGlobal));
  CHECK_FALSE(canSee({}, {RoleType::kOrganizationAuditor}, Scope::kSpace));
  CHECK(canSee({}, {RoleType::kOrganizationAuditor}, Scope::kOrg));
}
