// Users, orgs, spaces and roles, as the cf CLI v8 has them: create-user, delete-user,
// create-org, delete-org, rename-org, orgs, org, create-space, delete-space, rename-space,
// spaces, space, set-org-role, unset-org-role, set-space-role, unset-space-role, org-users,
// space-users, and rename (an app). Only the public API, with the calls the cf CLI makes
// (the UAA's /Users for users, POST /v3/roles by username and origin).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

using nlohmann::json;
using base::Errc;

void flushOut() { std::fflush(stdout); }

// The cf CLI's role names and the API's types.
struct RoleName {
  const char* cli;
  const char* type;
  const char* heading;  // in org-users / space-users
};
constexpr RoleName kOrgRoles[] = {
    {"OrgManager", "organization_manager", "ORG MANAGER"},
    {"BillingManager", "organization_billing_manager", "BILLING MANAGER"},
    {"OrgAuditor", "organization_auditor", "ORG AUDITOR"},
};
constexpr RoleName kSpaceRoles[] = {
    {"SpaceManager", "space_manager", "SPACE MANAGER"},
    {"SpaceDeveloper", "space_developer", "SPACE DEVELOPER"},
    {"SpaceAuditor", "space_auditor", "SPACE AUDITOR"},
    {"SpaceSupporter", "space_supporter", "SPACE SUPPORTER"},
};

template <size_t N>
base::Result<RoleName> roleNamed(const RoleName (&roles)[N], const std::string& name) {
  std::string choices;
  for (const auto& r : roles) {
    if (base::toLower(name) == base::toLower(r.cli)) return r;
    choices += std::string(choices.empty() ? "" : ", ") + r.cli;
  }
  return base::makeError(Errc::kInvalid, "Incorrect Usage: ROLE must be one of {}; got '{}'.",
                         choices, name);
}

base::Result<json> findOrg(Session& session, const std::string& name) {
  auto list = session.listAll("/v3/organizations?names=" + base::urlEncode(name));
  if (!list) return list.takeError();
  if (list->empty()) return base::makeError(Errc::kNotFound, "Organization '{}' not found.", name);
  return list->front();
}

base::Result<json> findSpace(Session& session, const std::string& org_guid,
                             const std::string& name) {
  auto list = session.listAll("/v3/spaces?names=" + base::urlEncode(name) +
                              "&organization_guids=" + org_guid);
  if (!list) return list.takeError();
  if (list->empty()) return base::makeError(Errc::kNotFound, "Space '{}' not found.", name);
  return list->front();
}

// The org named, or the targeted one when name is empty.
base::Result<json> orgOrTarget(Session& session, const std::string& name) {
  if (!name.empty()) return findOrg(session, name);
  MCF_TRY(session.ensureTarget());
  return json{{"guid", session.config().org.guid}, {"name", session.config().org.name}};
}

// The user's guid from /v3/users?usernames=..&origins=.. (kNotFound as the cf CLI says it).
base::Result<std::string> userGuid(Session& session, const std::string& username,
                                   const std::string& origin) {
  std::string path = "/v3/users?usernames=" + base::urlEncode(username);
  if (!origin.empty()) path += "&origins=" + base::urlEncode(origin);
  auto users = session.listAll(path);
  if (!users) return users.takeError();
  if (users->empty()) return base::makeError(Errc::kNotFound, "User '{}' does not exist.", username);
  return jstr(users->front(), "guid");
}

bool alreadyHas(const base::Error& e) {
  return e.message.find("already has") != std::string::npos;
}

// POST /v3/roles by username (and origin) as the cf CLI sends it; "already has" is fine.
base::Status postRole(Session& session, const std::string& type, const std::string& username,
                      const std::string& origin, const char* scope, const std::string& guid) {
  json user = {{"username", username}};
  if (!origin.empty()) user["origin"] = origin;
  json body = {{"type", type},
               {"relationships", {{"user", {{"data", user}}}, {scope, {{"data", {{"guid", guid}}}}}}}};
  auto created = session.api("POST", "/v3/roles", body);
  if (!created && !alreadyHas(created.error())) return created.takeError();
  return {};
}

// A space role as the cf CLI gives it: the organization_user role first (by guid), then the
// space role by username.
base::Status giveSpaceRole(Session& session, const std::string& type, const std::string& username,
                           const std::string& origin, const std::string& org_guid,
                           const std::string& space_guid) {
  auto guid = userGuid(session, username, origin);
  if (!guid) return guid.takeError();
  json body = {{"type", "organization_user"},
               {"relationships",
                {{"user", {{"data", {{"guid", *guid}}}}},
                 {"organization", {{"data", {{"guid", org_guid}}}}}}}};
  auto org_user = session.api("POST", "/v3/roles", body);
  if (!org_user && !alreadyHas(org_user.error())) return org_user.takeError();
  return postRole(session, type, username, origin, "space", space_guid);
}

// Removes the user's role of type in the org or space; nothing to do when it is not there.
base::Status removeRole(Session& session, const std::string& type, const std::string& username,
                        const std::string& origin, const char* filter, const std::string& guid) {
  auto user = userGuid(session, username, origin);
  if (!user) return user.takeError();
  auto roles = session.listAll(fmt::format("/v3/roles?types={}&{}={}&user_guids={}", type, filter,
                                           guid, *user));
  if (!roles) return roles.takeError();
  for (const auto& role : *roles) {
    auto job = session.startJob("DELETE", "/v3/roles/" + jstr(role, "guid"));
    if (!job) return job.takeError();
    if (!job->empty()) MCF_TRY(session.waitJob(*job));
  }
  return {};
}

// Asks before a delete (unless force); the exit status when not deleting, else nullopt.
std::optional<int> refused(const std::string& command, const std::string& what,
                           const std::string& name, const std::string& question, bool force) {
  if (force) return std::nullopt;
  if (!stdinIsTty()) {
    return fail(fmt::format("Not deleting {} {}: there is no terminal to confirm on. Use "
                            "'microcf {} {} -f' to delete without confirmation.",
                            what, name, command, name));
  }
  if (confirm(question)) return std::nullopt;
  fmt::print("Delete cancelled\n");
  return 0;
}

int ok() {
  fmt::print("OK\n");
  return 0;
}

// ---- users

struct UserArgs {
  std::string username, password, origin;
  bool force = false;
};

int createUser(const Context& ctx, UserArgs a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  if (a.password.empty() && (a.origin.empty() || a.origin == "uaa")) {
    if (!stdinIsTty())
      return fail("Incorrect Usage: the required argument `PASSWORD` was not provided");
    auto pw = promptLine("Password: ", true);
    if (!pw || pw->empty()) return fail("Incorrect Usage: the required argument `PASSWORD` was not provided");
    a.password = *pw;
  }
  fmt::print("Creating user {}...\n", a.username);
  flushOut();
  json body = {{"userName", a.username},
               {"origin", a.origin.empty() ? "uaa" : a.origin},
               {"name", json::object()},
               {"emails", {{{"value", a.username}, {"primary", true}}}}};
  if (!a.password.empty()) body["password"] = a.password;
  auto r = session.send("POST", "/Users", body.dump(), {{"Content-Type", "application/json"}});
  if (!r) return fail(r.error());
  if (r->status == 409) {
    fmt::print(stderr, "User '{}' already exists.\n", a.username);
    return ok();
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status / 100 != 2) {
    std::string why = j.is_object() ? jstr(j, "error_description") : "";
    return fail(why.empty() ? apiErrorMessage(*r) : why);
  }
  auto cc = session.api("POST", "/v3/users", json{{"guid", jstr(j, "id")}});
  if (!cc) return fail(cc.error());
  ok();
  fmt::print("\nTIP: Assign roles with 'microcf set-org-role' and 'microcf set-space-role'.\n");
  return 0;
}

int deleteUser(const Context& ctx, const UserArgs& a) {
  if (auto no = refused("delete-user", "user", a.username,
                 fmt::format("Really delete the user {}? [yN]: ", a.username), a.force)) return *no;
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Deleting user {} as {}...\n", a.username, session.userName());
  flushOut();
  std::string filter = fmt::format("userName eq \"{}\"", a.username);
  if (!a.origin.empty()) filter += fmt::format(" and origin eq \"{}\"", a.origin);
  auto r = session.send("GET", "/Users?filter=" + base::urlEncode(filter));
  if (!r) return fail(r.error());
  json j = json::parse(r->body, nullptr, false);
  if (r->status != 200 || !j.is_object()) return fail(apiErrorMessage(*r));
  const json& found = j["resources"];
  if (!found.is_array() || found.empty()) {
    fmt::print(stderr, "User '{}' does not exist.\n", a.username);
    return ok();
  }
  if (found.size() > 1)
    return fail(fmt::format("The user exists in multiple origins. Specify an origin for the "
                            "requested user from: {}", jstr(found[0], "origin")));
  std::string id = jstr(found[0], "id");
  auto job = session.startJob("DELETE", "/v3/users/" + id);
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  auto gone = session.send("DELETE", "/Users/" + id);  // the UAA's part; 404: already gone
  if (!gone) return fail(gone.error());
  if (gone->status / 100 != 2 && gone->status != 404) return fail(apiErrorMessage(*gone));
  return ok();
}

// ---- orgs

struct NameArgs {
  std::string name, new_name, org;
  bool force = false, all = false;
};

int createOrg(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Creating org {} as {}...\n", a.name, session.userName());
  flushOut();
  auto org = session.api("POST", "/v3/organizations", json{{"name", a.name}});
  if (!org) {
    if (org.error().message.find("already") != std::string::npos) {
      fmt::print(stderr, "Organization '{}' already exists.\n", a.name);
      return ok();
    }
    return fail(org.error());
  }
  ok();
  fmt::print("\nAssigning role OrgManager to user {} in org {} as {}...\n", session.userName(),
             a.name, session.userName());
  flushOut();
  if (auto s = postRole(session, "organization_manager", session.userName(), "", "organization",
                        jstr(*org, "guid"));
      !s)
    return fail(s.error());
  ok();
  fmt::print("\nTIP: Use 'microcf target -o \"{}\"' to target new org\n", a.name);
  return 0;
}

int deleteOrg(const Context& ctx, const NameArgs& a) {
  if (auto no = refused("delete-org", "org", a.name,
                 fmt::format("Really delete the org {}, including its spaces, apps, service "
                             "instances, routes and private domains? [yN]: ", a.name),
                 a.force)) return *no;
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Deleting org {} as {}...\n", a.name, session.userName());
  flushOut();
  auto org = findOrg(session, a.name);
  if (!org) {
    if (org.error().code != Errc::kNotFound) return fail(org.error());
    fmt::print(stderr, "Org '{}' does not exist.\n", a.name);
    return ok();
  }
  auto job = session.startJob("DELETE", "/v3/organizations/" + jstr(*org, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  return ok();
}

int renameOrg(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Renaming org {} to {} as {}...\n", a.name, a.new_name, session.userName());
  flushOut();
  auto org = findOrg(session, a.name);
  if (!org) return fail(org.error());
  auto r = session.api("PATCH", "/v3/organizations/" + jstr(*org, "guid"),
                       json{{"name", a.new_name}});
  if (!r) return fail(r.error());
  return ok();
}

int listOrgs(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting orgs as {}...\n\n", session.userName());
  auto orgs = session.listAll("/v3/organizations?order_by=name&per_page=5000");
  if (!orgs) return fail(orgs.error());
  if (orgs->empty()) {
    fmt::print("No orgs found.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"name"}};
  for (const auto& o : *orgs) rows.push_back({jstr(o, "name")});
  fmt::print("{}", formatTable(rows));
  return 0;
}

std::string joinNames(const std::vector<json>& list, const char* key = "name") {
  std::vector<std::string> names;
  for (const auto& j : list) names.push_back(jstr(j, key));
  std::sort(names.begin(), names.end());
  return base::join(names, ", ");
}

int showOrg(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting info for org {} as {}...\n\n", a.name, session.userName());
  auto org = findOrg(session, a.name);
  if (!org) return fail(org.error());
  std::string guid = jstr(*org, "guid");
  auto domains = session.listAll("/v3/organizations/" + guid + "/domains?per_page=5000");
  if (!domains) return fail(domains.error());
  auto spaces = session.listAll("/v3/spaces?per_page=5000&organization_guids=" + guid);
  if (!spaces) return fail(spaces.error());
  fmt::print("{}", formatKeyValues({{"name:", jstr(*org, "name")},
                                    {"domains:", joinNames(*domains)},
                                    {"quota:", ""},
                                    {"spaces:", joinNames(*spaces)}}));
  return 0;
}

// ---- spaces

int createSpace(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  auto org = orgOrTarget(session, a.org);
  if (!org) return fail(org.error());
  std::string org_name = jstr(*org, "name"), org_guid = jstr(*org, "guid");
  fmt::print("Creating space {} in org {} as {}...\n", a.name, org_name, session.userName());
  flushOut();
  json body = {{"name", a.name},
               {"relationships", {{"organization", {{"data", {{"guid", org_guid}}}}}}}};
  auto space = session.api("POST", "/v3/spaces", body);
  if (!space) {
    if (space.error().message.find("Name must be unique per organization") != std::string::npos) {
      fmt::print(stderr, "Space '{}' already exists.\n", a.name);
      return ok();
    }
    return fail(space.error());
  }
  ok();
  for (const char* role : {"SpaceManager", "SpaceDeveloper"}) {
    fmt::print("\nAssigning role {} to user {} in org {} / space {} as {}...\n", role,
               session.userName(), org_name, a.name, session.userName());
    flushOut();
    auto type = roleNamed(kSpaceRoles, role);
    if (auto s = giveSpaceRole(session, type->type, session.userName(), "", org_guid,
                               jstr(*space, "guid"));
        !s)
      return fail(s.error());
    ok();
  }
  fmt::print("\nTIP: Use 'microcf target -o \"{}\" -s \"{}\"' to target new space\n", org_name,
             a.name);
  return 0;
}

int deleteSpace(const Context& ctx, const NameArgs& a) {
  if (auto no = refused("delete-space", "space", a.name,
                 fmt::format("Really delete the space {}? [yN]: ", a.name), a.force)) return *no;
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  auto org = orgOrTarget(session, a.org);
  if (!org) return fail(org.error());
  fmt::print("Deleting space {} in org {} as {}...\n", a.name, jstr(*org, "name"),
             session.userName());
  flushOut();
  auto space = findSpace(session, jstr(*org, "guid"), a.name);
  if (!space) {
    if (space.error().code != Errc::kNotFound) return fail(space.error());
    fmt::print(stderr, "Space '{}' does not exist.\n", a.name);
    return ok();
  }
  auto job = session.startJob("DELETE", "/v3/spaces/" + jstr(*space, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  ok();
  if (session.config().space.guid == jstr(*space, "guid"))
    fmt::print("\nTIP: No space targeted, use 'microcf target -s' to target a space.\n");
  return 0;
}

int renameSpace(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Renaming space {} to {} as {}...\n", a.name, a.new_name, session.userName());
  flushOut();
  auto space = findSpace(session, session.config().org.guid, a.name);
  if (!space) return fail(space.error());
  auto r = session.api("PATCH", "/v3/spaces/" + jstr(*space, "guid"), json{{"name", a.new_name}});
  if (!r) return fail(r.error());
  return ok();
}

int listSpaces(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting spaces in org {} as {}...\n\n", session.config().org.name,
             session.userName());
  auto spaces = session.listAll("/v3/spaces?order_by=name&per_page=5000&organization_guids=" +
                                session.config().org.guid);
  if (!spaces) return fail(spaces.error());
  if (spaces->empty()) {
    fmt::print("No spaces found.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"name"}};
  for (const auto& s : *spaces) rows.push_back({jstr(s, "name")});
  fmt::print("{}", formatTable(rows));
  return 0;
}

int showSpace(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting info for space {} in org {} as {}...\n\n", a.name,
             session.config().org.name, session.userName());
  auto space = findSpace(session, session.config().org.guid, a.name);
  if (!space) return fail(space.error());
  std::string guid = jstr(*space, "guid");
  auto apps = session.listAll("/v3/apps?per_page=5000&space_guids=" + guid);
  if (!apps) return fail(apps.error());
  auto services = session.listAll("/v3/service_instances?per_page=5000&space_guids=" + guid);
  if (!services) return fail(services.error());
  fmt::print("{}", formatKeyValues({{"name:", jstr(*space, "name")},
                                    {"org:", session.config().org.name},
                                    {"apps:", joinNames(*apps)},
                                    {"services:", joinNames(*services)}}));
  return 0;
}

// ---- roles

struct RoleArgs {
  std::string username, org, space, role, origin;
  bool all = false;
};

int setOrgRole(const Context& ctx, const RoleArgs& a, bool set) {
  auto role = roleNamed(kOrgRoles, a.role);
  if (!role) return fail(role.error());
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  if (set)
    fmt::print("Assigning role {} to user {} in org {} as {}...\n", role->cli, a.username, a.org,
               session.userName());
  else
    fmt::print("Removing role {} from user {} in org {} as {}...\n", role->cli, a.username, a.org,
               session.userName());
  flushOut();
  auto org = findOrg(session, a.org);
  if (!org) return fail(org.error());
  base::Status done = set ? postRole(session, role->type, a.username, a.origin, "organization",
                                     jstr(*org, "guid"))
                          : removeRole(session, role->type, a.username, a.origin,
                                       "organization_guids", jstr(*org, "guid"));
  if (!done) return fail(done.error());
  return ok();
}

int setSpaceRole(const Context& ctx, const RoleArgs& a, bool set) {
  auto role = roleNamed(kSpaceRoles, a.role);
  if (!role) return fail(role.error());
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  if (set)
    fmt::print("Assigning role {} to user {} in org {} / space {} as {}...\n", role->cli,
               a.username, a.org, a.space, session.userName());
  else
    fmt::print("Removing role {} from user {} in org {} / space {} as {}...\n", role->cli,
               a.username, a.org, a.space, session.userName());
  flushOut();
  auto org = findOrg(session, a.org);
  if (!org) return fail(org.error());
  auto space = findSpace(session, jstr(*org, "guid"), a.space);
  if (!space) return fail(space.error());
  base::Status done = set ? giveSpaceRole(session, role->type, a.username, a.origin,
                                          jstr(*org, "guid"), jstr(*space, "guid"))
                          : removeRole(session, role->type, a.username, a.origin, "space_guids",
                                       jstr(*space, "guid"));
  if (!done) return fail(done.error());
  return ok();
}

// "  name (origin)" lines per role heading, from roles with include=user.
template <size_t N>
std::string roleSections(const RoleName (&roles)[N], const json& list, bool only_users) {
  std::map<std::string, json> users;
  if (list.contains("included") && list["included"].contains("users"))
    for (const auto& u : list["included"]["users"]) users[jstr(u, "guid")] = u;
  std::string out;
  auto section = [&](const char* heading, const char* type) {
    out += fmt::format("\n{}\n", heading);
    std::vector<std::string> lines;
    for (const auto& r : list["resources"]) {
      if (jstr(r, "type") != type) continue;
      std::string guid = jstr(r["relationships"]["user"]["data"], "guid");
      const json& u = users.count(guid) ? users[guid] : json::object();
      lines.push_back(fmt::format("  {} ({})", jstr(u, "username"), jstr(u, "origin")));
    }
    std::sort(lines.begin(), lines.end());
    if (lines.empty()) out += fmt::format("  No {} found\n", heading);
    for (const auto& l : lines) out += l + "\n";
  };
  if (only_users) {
    section("USERS", "organization_user");
    return out;
  }
  for (const auto& r : roles) section(r.heading, r.type);
  return out;
}

int orgUsers(const Context& ctx, const RoleArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting users in org {} as {}...\n", a.org, session.userName());
  auto org = findOrg(session, a.org);
  if (!org) return fail(org.error());
  auto list = session.get("/v3/roles?include=user&per_page=5000&organization_guids=" +
                          jstr(*org, "guid"));
  if (!list) return fail(list.error());
  fmt::print("{}", roleSections(kOrgRoles, *list, a.all));
  return 0;
}

int spaceUsers(const Context& ctx, const RoleArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting users in org {} / space {} as {}...\n", a.org, a.space, session.userName());
  auto org = findOrg(session, a.org);
  if (!org) return fail(org.error());
  auto space = findSpace(session, jstr(*org, "guid"), a.space);
  if (!space) return fail(space.error());
  auto list = session.get("/v3/roles?include=user&per_page=5000&space_guids=" +
                          jstr(*space, "guid"));
  if (!list) return fail(list.error());
  fmt::print("{}", roleSections(kSpaceRoles, *list, false));
  return 0;
}

// ---- rename (an app)

int renameApp(const Context& ctx, const NameArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Renaming app {} to {} {}...\n", a.name, a.new_name, whereAs(session));
  flushOut();
  auto app = findApp(session, a.name);
  if (!app) return fail(app.error());
  auto r = session.api("PATCH", "/v3/apps/" + jstr(*app, "guid"), json{{"name", a.new_name}});
  if (!r) return fail(r.error());
  return ok();
}

}  // namespace

void addUserCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto u = std::make_shared<UserArgs>();
  CLI::App* c = app.add_subcommand("create-user", "Create a new user (asks for the password "
                                                  "when it is not given)");
  c->add_option("USERNAME", u->username, "The user's name")->required();
  c->add_option("PASSWORD", u->password, "The user's password");
  c->add_option("--origin", u->origin, "Origin for mapping a user account to a user in an "
                                       "external identity provider");
  table.add(c, [&ctx, u] { return createUser(ctx, *u); });
  c = app.add_subcommand("delete-user", "Delete a user");
  c->add_option("USERNAME", u->username, "The user's name")->required();
  c->add_option("--origin", u->origin, "Origin of the user");
  c->add_flag("-f,--force", u->force, "Force deletion without confirmation");
  table.add(c, [&ctx, u] { return deleteUser(ctx, *u); });

  auto n = std::make_shared<NameArgs>();
  c = app.add_subcommand("create-org", "Create an org");
  c->add_option("ORG", n->name, "Org name")->required();
  table.add(c, [&ctx, n] { return createOrg(ctx, *n); });
  c = app.add_subcommand("delete-org", "Delete an org with everything in it");
  c->add_option("ORG", n->name, "Org name")->required();
  c->add_flag("-f,--force", n->force, "Force deletion without confirmation");
  table.add(c, [&ctx, n] { return deleteOrg(ctx, *n); });
  c = app.add_subcommand("rename-org", "Rename an org");
  c->add_option("ORG", n->name, "Org name")->required();
  c->add_option("NEW_ORG_NAME", n->new_name, "New org name")->required();
  table.add(c, [&ctx, n] { return renameOrg(ctx, *n); });
  table.add(app.add_subcommand("orgs", "List all orgs"), [&ctx] { return listOrgs(ctx); });
  c = app.add_subcommand("org", "Show org info");
  c->add_option("ORG", n->name, "Org name")->required();
  table.add(c, [&ctx, n] { return showOrg(ctx, *n); });

  c = app.add_subcommand("create-space", "Create a space (you become its manager and developer)");
  c->add_option("SPACE", n->name, "Space name")->required();
  c->add_option("-o", n->org, "Organization (default: the targeted one)");
  table.add(c, [&ctx, n] { return createSpace(ctx, *n); });
  c = app.add_subcommand("delete-space", "Delete a space with everything in it");
  c->add_option("SPACE", n->name, "Space name")->required();
  c->add_option("-o", n->org, "Organization (default: the targeted one)");
  c->add_flag("-f,--force", n->force, "Force deletion without confirmation");
  table.add(c, [&ctx, n] { return deleteSpace(ctx, *n); });
  c = app.add_subcommand("rename-space", "Rename a space");
  c->add_option("SPACE", n->name, "Space name")->required();
  c->add_option("NEW_SPACE_NAME", n->new_name, "New space name")->required();
  table.add(c, [&ctx, n] { return renameSpace(ctx, *n); });
  table.add(app.add_subcommand("spaces", "List all spaces in the targeted org"),
            [&ctx] { return listSpaces(ctx); });
  c = app.add_subcommand("space", "Show space info");
  c->add_option("SPACE", n->name, "Space name")->required();
  table.add(c, [&ctx, n] { return showSpace(ctx, *n); });

  auto r = std::make_shared<RoleArgs>();
  for (bool set : {true, false}) {
    c = app.add_subcommand(set ? "set-org-role" : "unset-org-role",
                           set ? "Assign an org role to a user" : "Remove an org role from a user");
    c->add_option("USERNAME", r->username, "The user's name")->required();
    c->add_option("ORG", r->org, "Org name")->required();
    c->add_option("ROLE", r->role, "OrgManager, BillingManager or OrgAuditor")->required();
    c->add_option("--origin", r->origin, "Origin of the user");
    table.add(c, [&ctx, r, set] { return setOrgRole(ctx, *r, set); });
    c = app.add_subcommand(set ? "set-space-role" : "unset-space-role",
                           set ? "Assign a space role to a user" : "Remove a space role from a user");
    c->add_option("USERNAME", r->username, "The user's name")->required();
    c->add_option("ORG", r->org, "Org name")->required();
    c->add_option("SPACE", r->space, "Space name")->required();
    c->add_option("ROLE", r->role, "SpaceManager, SpaceDeveloper, SpaceAuditor or SpaceSupporter")
        ->required();
    c->add_option("--origin", r->origin, "Origin of the user");
    table.add(c, [&ctx, r, set] { return setSpaceRole(ctx, *r, set); });
  }
  c = app.add_subcommand("org-users", "Show org users by role");
  c->add_option("ORG", r->org, "Org name")->required();
  c->add_flag("-a,--all-users", r->all, "List all users in the org (organization_user role)");
  table.add(c, [&ctx, r] { return orgUsers(ctx, *r); });
  c = app.add_subcommand("space-users", "Show space users by role");
  c->add_option("ORG", r->org, "Org name")->required();
  c->add_option("SPACE", r->space, "Space name")->required();
  table.add(c, [&ctx, r] { return spaceUsers(ctx, *r); });

  c = app.add_subcommand("rename", "Rename an app");
  c->add_option("APP_NAME", n->name, "Current app name")->required();
  c->add_option("NEW_APP_NAME", n->new_name, "New app name")->required();
  table.add(c, [&ctx, n] { return renameApp(ctx, *n); });
}

}  // namespace mcf::cli
