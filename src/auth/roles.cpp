// The role table of CF-CONTRACT §8 (with Cloud Controller's finer points) and decide().
#include "auth/roles.h"

#include <algorithm>
#include <array>

namespace mcf::auth {

namespace {

using model::RoleType;

// Columns of the table, in order.
enum Column {
  kAdmin, kAdminReadOnly, kGlobalAuditor,
  kOrgManager, kOrgAuditor, kOrgUser, kOrgBillingManager,
  kSpaceManager, kSpaceDeveloper, kSpaceAuditor, kSpaceSupporter,
  kColumns,
};

struct Row {
  Action action;
  Scope scope;
  const char* who;  // one mark per column: 'x' may, '.' may not; spaces are for the eye
};

// clang-format off
constexpr Row kTable[] = {
  //                                       global     org            space
  //                                       Adm RO GA  Mgr Aud Usr Bil  Mgr Dev Aud Sup
  {Action::kRead,            Scope::kSpace, " x  x  x    x   .   .   .    x   x   x   x"},
  {Action::kReadRoute,       Scope::kSpace, " x  x  x    x   x   .   .    x   x   x   x"},
  {Action::kReadLogs,        Scope::kSpace, " x  x  x    x   .   .   .    x   x   x   x"},
  {Action::kReadEnv,         Scope::kSpace, " x  x  .    .   .   .   .    .   x   .   x"},
  {Action::kReadSecrets,     Scope::kSpace, " x  x  .    .   .   .   .    .   x   .   ."},
  {Action::kWriteDev,        Scope::kSpace, " x  .  .    .   .   .   .    .   x   .   ."},
  {Action::kWriteLifecycle,  Scope::kSpace, " x  .  .    .   .   .   .    .   x   .   x"},
  {Action::kDownloadDroplet, Scope::kSpace, " x  x  x    x   .   .   .    x   x   x   ."},
  {Action::kManageSpace,     Scope::kSpace, " x  .  .    x   .   .   .    x   .   .   ."},
  {Action::kReadOrg,         Scope::kOrg,   " x  x  x    x   x   x   x    x   x   x   x"},
  {Action::kManageOrg,       Scope::kOrg,   " x  .  .    x   .   .   .    .   .   .   ."},
  {Action::kWriteGlobal,     Scope::kGlobal," x  .  .    .   .   .   .    .   .   .   ."},
};
// clang-format on

// Who sees an object of a scope at all (the rest get 404 instead of 403).
constexpr Row kVisibility[] = {
  //                                global     org            space
  //                                Adm RO GA  Mgr Aud Usr Bil  Mgr Dev Aud Sup
  {Action::kRead,    Scope::kSpace, " x  x  x    x   .   .   .    x   x   x   x"},
  {Action::kReadOrg, Scope::kOrg,   " x  x  x    x   x   x   x    x   x   x   x"},
};

// The marks of a row without the spaces; a row with the wrong count allows nothing.
std::array<bool, kColumns> marks(const char* who) {
  std::array<bool, kColumns> out{};
  size_t n = 0;
  for (const char* p = who; *p; ++p) {
    if (*p == ' ') continue;
    if (n == kColumns) return {};
    out[n++] = *p == 'x';
  }
  return n == kColumns ? out : std::array<bool, kColumns>{};
}

Column columnOf(RoleType t) {
  switch (t) {
    case RoleType::kOrganizationManager: return kOrgManager;
    case RoleType::kOrganizationAuditor: return kOrgAuditor;
    case RoleType::kOrganizationUser: return kOrgUser;
    case RoleType::kOrganizationBillingManager: return kOrgBillingManager;
    case RoleType::kSpaceManager: return kSpaceManager;
    case RoleType::kSpaceDeveloper: return kSpaceDeveloper;
    case RoleType::kSpaceAuditor: return kSpaceAuditor;
    case RoleType::kSpaceSupporter: return kSpaceSupporter;
  }
  return kColumns;
}

bool rowAllows(const char* who, const Powers& powers, const std::vector<RoleType>& roles) {
  std::array<bool, kColumns> m = marks(who);
  if ((powers.admin && m[kAdmin]) || (powers.admin_read_only && m[kAdminReadOnly]) ||
      (powers.global_auditor && m[kGlobalAuditor])) {
    return true;
  }
  return std::any_of(roles.begin(), roles.end(), [&](RoleType t) {
    Column c = columnOf(t);
    return c != kColumns && m[c];
  });
}

const Row* rowOf(Action action) {
  for (const Row& r : kTable)
    if (r.action == action) return &r;
  return nullptr;
}

}  // namespace

Scope scopeOf(Action action) {
  const Row* r = rowOf(action);
  return r ? r->scope : Scope::kGlobal;
}

std::string_view toString(Action action) {
  switch (action) {
    case Action::kRead: return "read";
    case Action::kReadRoute: return "read route";
    case Action::kReadLogs: return "read logs";
    case Action::kReadEnv: return "read env";
    case Action::kReadSecrets: return "read secrets";
    case Action::kWriteDev: return "write (developer)";
    case Action::kWriteLifecycle: return "write (lifecycle)";
    case Action::kDownloadDroplet: return "download droplet";
    case Action::kManageSpace: return "manage space";
    case Action::kReadOrg: return "read org";
    case Action::kManageOrg: return "manage org";
    case Action::kWriteGlobal: return "write global";
  }
  return "?";
}

bool canSee(const Powers& powers, const std::vector<RoleType>& roles, Scope scope) {
  if (scope == Scope::kGlobal) return true;
  for (const Row& r : kVisibility)
    if (r.scope == scope) return rowAllows(r.who, powers, roles);
  return false;
}

Decision decide(const Powers& powers, const std::vector<RoleType>& roles, Action action) {
  const Row* row = rowOf(action);
  if (row && rowAllows(row->who, powers, roles)) return Decision::kAllow;
  Scope scope = row ? row->scope : Scope::kGlobal;
  return canSee(powers, roles, scope) ? Decision::kForbidden : Decision::kNotFound;
}

}  // namespace mcf::auth
