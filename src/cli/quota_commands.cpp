// Org and space quota commands, as the cf CLI has them: org-quotas (quotas), org-quota,
// create-org-quota, update-org-quota, delete-org-quota, set-org-quota, space-quotas,
// space-quota, create-space-quota, update-space-quota, delete-space-quota, set-space-quota,
// unset-space-quota. Sizes are "512M", "1G" or -1 (unlimited); counts are whole numbers or -1.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "base/strutil.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "cli/table.h"
#include "model/manifest.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

void flushOut() { std::fflush(stdout); }

// The limits a create or update sets; empty strings are "not given".
struct LimitArgs {
  std::string total_memory, instance_memory, app_instances, routes, service_instances,
      reserved_ports, log_volume;
  bool allow_paid = false, disallow_paid = false;
};

// "-1" (or "unlimited") = null; a size like 512M or 1G = megabytes.
base::Result<json> memoryValue(const std::string& flag, const std::string& text) {
  if (text == "-1" || base::toLower(text) == "unlimited") return json(nullptr);
  auto mb = model::parseMegabytes(text);
  if (!mb.ok()) {
    return base::makeError(base::Errc::kInvalid, "Incorrect Usage: invalid value '{}' for {}: "
                                                 "use a size such as 512M or 1G, or -1 for "
                                                 "unlimited.", text, flag);
  }
  return json(*mb);
}

base::Result<json> countValue(const std::string& flag, const std::string& text) {
  if (text == "-1" || base::toLower(text) == "unlimited") return json(nullptr);
  int64_t n = 0;
  bool ok = !text.empty() && text.size() < 11;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (ok) n = std::stoll(text);
  if (!ok || n > 2147483647) {
    return base::makeError(base::Errc::kInvalid, "Incorrect Usage: invalid value '{}' for {}: "
                                                 "use a whole number, or -1 for unlimited.",
                           text, flag);
  }
  return json(n);
}

// The limits part of a quota body from the flags; kInvalid for a bad value (before any request).
base::Result<json> limitsBody(const LimitArgs& a, bool org) {
  if (a.allow_paid && a.disallow_paid)
    return base::makeError(base::Errc::kInvalid, "Incorrect Usage: The following arguments "
                                                 "cannot be used together: "
                                                 "--allow-paid-service-plans, "
                                                 "--disallow-paid-service-plans");
  json body = json::object();
  auto set = [&](const char* group, const char* key, base::Result<json> v) -> base::Status {
    if (!v.ok()) return v.takeError();
    body[group][key] = *v;
    return {};
  };
  if (!a.total_memory.empty())
    MCF_TRY(set("apps", "total_memory_in_mb", memoryValue("-m", a.total_memory)));
  if (!a.instance_memory.empty())
    MCF_TRY(set("apps", "per_process_memory_in_mb", memoryValue("-i", a.instance_memory)));
  if (!a.app_instances.empty())
    MCF_TRY(set("apps", "total_instances", countValue("-a", a.app_instances)));
  if (!a.log_volume.empty()) {
    if (a.log_volume == "-1") {
      body["apps"]["log_rate_limit_in_bytes_per_second"] = nullptr;
    } else {
      auto rate = model::parseLogRate(a.log_volume);
      if (!rate || *rate < 0)
        return base::makeError(base::Errc::kInvalid, "Incorrect Usage: invalid value '{}' for "
                                                     "-l: use a rate such as 16K or 1M, or -1 "
                                                     "for unlimited.", a.log_volume);
      body["apps"]["log_rate_limit_in_bytes_per_second"] = *rate;
    }
  }
  if (!a.routes.empty()) MCF_TRY(set("routes", "total_routes", countValue("-r", a.routes)));
  if (!a.reserved_ports.empty())
    MCF_TRY(set("routes", "total_reserved_ports",
                countValue("--reserved-route-ports", a.reserved_ports)));
  if (!a.service_instances.empty())
    MCF_TRY(set("services", "total_service_instances", countValue("-s", a.service_instances)));
  if (a.allow_paid || a.disallow_paid) body["services"]["paid_services_allowed"] = a.allow_paid;
  (void)org;
  return body;
}

std::string memoryText(const json& v) {
  if (!v.is_number_integer()) return "unlimited";
  int64_t mb = v.get<int64_t>();
  if (mb != 0 && mb % 1024 == 0) return fmt::format("{}G", mb / 1024);
  return fmt::format("{}M", mb);
}

std::string countText(const json& v) {
  return v.is_number_integer() ? std::to_string(v.get<int64_t>()) : "unlimited";
}

std::string rateText(const json& v) {
  if (!v.is_number_integer()) return "unlimited";
  int64_t b = v.get<int64_t>();
  if (b != 0 && b % (1024 * 1024) == 0) return fmt::format("{}M", b / (1024 * 1024));
  if (b != 0 && b % 1024 == 0) return fmt::format("{}K", b / 1024);
  return fmt::format("{}B", b);
}

const json& at(const json& q, const char* group, const char* key) {
  static const json kNull;
  if (!q.contains(group) || !q[group].is_object() || !q[group].contains(key)) return kNull;
  return q[group][key];
}

std::vector<std::string> quotaRow(const json& q) {
  return {jstr(q, "name"),
          memoryText(at(q, "apps", "total_memory_in_mb")),
          memoryText(at(q, "apps", "per_process_memory_in_mb")),
          countText(at(q, "routes", "total_routes")),
          countText(at(q, "services", "total_service_instances")),
          at(q, "services", "paid_services_allowed") == false ? "disallowed" : "allowed",
          countText(at(q, "apps", "total_instances")),
          countText(at(q, "routes", "total_reserved_ports")),
          rateText(at(q, "apps", "log_rate_limit_in_bytes_per_second"))};
}

const std::vector<std::string> kHeader = {"name", "total memory", "instance memory", "routes",
                                          "service instances", "paid service plans",
                                          "app instances", "route ports",
                                          "log volume per second"};

void printQuota(const json& q) {
  std::vector<std::string> row = quotaRow(q);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 1; i < kHeader.size(); ++i) pairs.emplace_back(kHeader[i], row[i]);
  fmt::print("{}", formatKeyValues(pairs));
}

// The org quota called name.
base::Result<json> findOrgQuota(Session& session, const std::string& name) {
  auto list = session.listAll("/v3/organization_quotas?names=" + base::urlEncode(name));
  if (!list) return list.takeError();
  if (list->empty())
    return base::makeError(base::Errc::kNotFound, "Organization quota '{}' not found.", name);
  return list->front();
}

base::Result<json> findSpaceQuota(Session& session, const std::string& name) {
  auto list = session.listAll("/v3/space_quotas?names=" + base::urlEncode(name) +
                              "&organization_guids=" + session.config().org.guid);
  if (!list) return list.takeError();
  if (list->empty())
    return base::makeError(base::Errc::kNotFound, "Space quota '{}' not found.", name);
  return list->front();
}

base::Result<json> findNamed(Session& session, const std::string& path, const std::string& name,
                             const char* what) {
  auto list = session.listAll(path + "names=" + base::urlEncode(name));
  if (!list) return list.takeError();
  if (list->empty())
    return base::makeError(base::Errc::kNotFound, "{} '{}' not found.", what, name);
  return list->front();
}

// ---- Org quotas

int listOrgQuotas(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting org quotas as {}...\n\n", session.userName());
  auto list = session.listAll("/v3/organization_quotas?per_page=5000");
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No organization quotas found.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {kHeader};
  for (const auto& q : *list) rows.push_back(quotaRow(q));
  fmt::print("{}", formatTable(rows));
  return 0;
}

int showOrgQuota(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting org quota {} as {}...\n\n", name, session.userName());
  auto q = findOrgQuota(session, name);
  if (!q) return fail(q.error());
  printQuota(*q);
  return 0;
}

struct QuotaArgs {
  std::string name;
  std::string new_name;
  LimitArgs limits;
};

int createOrgQuota(const Context& ctx, const QuotaArgs& a) {
  auto body = limitsBody(a.limits, true);
  if (!body) return fail(body.error());
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Creating org quota {} as {}...\n", a.name, session.userName());
  flushOut();
  (*body)["name"] = a.name;
  auto created = session.api("POST", "/v3/organization_quotas", *body);
  if (!created) return fail(created.error());
  fmt::print("OK\n");
  return 0;
}

int updateOrgQuota(const Context& ctx, const QuotaArgs& a) {
  auto body = limitsBody(a.limits, true);
  if (!body) return fail(body.error());
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Updating org quota {} as {}...\n", a.name, session.userName());
  flushOut();
  auto q = findOrgQuota(session, a.name);
  if (!q) return fail(q.error());
  if (!a.new_name.empty()) (*body)["name"] = a.new_name;
  auto updated = session.api("PATCH", "/v3/organization_quotas/" + jstr(*q, "guid"), *body);
  if (!updated) return fail(updated.error());
  fmt::print("OK\n");
  return 0;
}

struct DeleteArgs {
  std::string name;
  bool force = false;
};

bool confirmed(const std::string& what, const std::string& command, const DeleteArgs& a,
               int& code) {
  if (a.force) return true;
  if (!stdinIsTty()) {
    code = fail(fmt::format("Not deleting {} {}: there is no terminal to confirm on. Use "
                            "'microcf {} {} -f' to delete without confirmation.",
                            what, a.name, command, a.name));
    return false;
  }
  if (!confirm(fmt::format("Really delete the {} {}? [yN]: ", what, a.name))) {
    fmt::print("Delete cancelled\n");
    code = 0;
    return false;
  }
  return true;
}

int deleteOrgQuota(const Context& ctx, const DeleteArgs& a) {
  int code = 0;
  if (!confirmed("org quota", "delete-org-quota", a, code)) return code;
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Deleting org quota {} as {}...\n", a.name, session.userName());
  flushOut();
  auto q = findOrgQuota(session, a.name);
  if (!q) {
    if (q.error().code != base::Errc::kNotFound) return fail(q.error());
    fmt::print("Organization quota '{}' does not exist.\nOK\n", a.name);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/organization_quotas/" + jstr(*q, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

int setOrgQuota(const Context& ctx, const std::string& org_name, const std::string& quota) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Setting quota {} to org {} as {}...\n", quota, org_name, session.userName());
  flushOut();
  auto org = findNamed(session, "/v3/organizations?", org_name, "Organization");
  if (!org) return fail(org.error());
  auto q = findOrgQuota(session, quota);
  if (!q) return fail(q.error());
  json body = {{"data", {{{"guid", jstr(*org, "guid")}}}}};
  auto applied = session.api(
      "POST", "/v3/organization_quotas/" + jstr(*q, "guid") + "/relationships/organizations", body);
  if (!applied) return fail(applied.error());
  fmt::print("OK\n");
  return 0;
}

// ---- Space quotas

int listSpaceQuotas(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting space quotas for org {} as {}...\n\n", session.config().org.name,
             session.userName());
  auto list = session.listAll("/v3/space_quotas?per_page=5000&organization_guids=" +
                              session.config().org.guid);
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No space quotas found.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {kHeader};
  for (const auto& q : *list) rows.push_back(quotaRow(q));
  fmt::print("{}", formatTable(rows));
  return 0;
}

int showSpaceQuota(const Context& ctx, const std::string& name) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting space quota {} for org {} as {}...\n\n", name, session.config().org.name,
             session.userName());
  auto q = findSpaceQuota(session, name);
  if (!q) return fail(q.error());
  printQuota(*q);
  return 0;
}

int createSpaceQuota(const Context& ctx, const QuotaArgs& a) {
  auto body = limitsBody(a.limits, false);
  if (!body) return fail(body.error());
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Creating space quota {} for org {} as {}...\n", a.name, session.config().org.name,
             session.userName());
  flushOut();
  (*body)["name"] = a.name;
  (*body)["relationships"] = {
      {"organization", {{"data", {{"guid", session.config().org.guid}}}}}};
  auto created = session.api("POST", "/v3/space_quotas", *body);
  if (!created) return fail(created.error());
  fmt::print("OK\n");
  return 0;
}

int updateSpaceQuota(const Context& ctx, const QuotaArgs& a) {
  auto body = limitsBody(a.limits, false);
  if (!body) return fail(body.error());
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Updating space quota {} for org {} as {}...\n", a.name, session.config().org.name,
             session.userName());
  flushOut();
  auto q = findSpaceQuota(session, a.name);
  if (!q) return fail(q.error());
  if (!a.new_name.empty()) (*body)["name"] = a.new_name;
  auto updated = session.api("PATCH", "/v3/space_quotas/" + jstr(*q, "guid"), *body);
  if (!updated) return fail(updated.error());
  fmt::print("OK\n");
  return 0;
}

int deleteSpaceQuota(const Context& ctx, const DeleteArgs& a) {
  int code = 0;
  if (!confirmed("space quota", "delete-space-quota", a, code)) return code;
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting space quota {} for org {} as {}...\n", a.name, session.config().org.name,
             session.userName());
  flushOut();
  auto q = findSpaceQuota(session, a.name);
  if (!q) {
    if (q.error().code != base::Errc::kNotFound) return fail(q.error());
    fmt::print("Space quota '{}' does not exist.\nOK\n", a.name);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/space_quotas/" + jstr(*q, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

int setSpaceQuota(const Context& ctx, const std::string& space_name, const std::string& quota,
                  bool set) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  if (set) {
    fmt::print("Setting space quota {} to space {} as {}...\n", quota, space_name,
               session.userName());
  } else {
    fmt::print("Unassigning space quota {} from space {} as {}...\n", quota, space_name,
               session.userName());
  }
  flushOut();
  auto space = findNamed(session,
                         "/v3/spaces?organization_guids=" + session.config().org.guid + "&",
                         space_name, "Space");
  if (!space) return fail(space.error());
  auto q = findSpaceQuota(session, quota);
  if (!q) return fail(q.error());
  std::string base = "/v3/space_quotas/" + jstr(*q, "guid") + "/relationships/spaces";
  if (set) {
    auto applied = session.api("POST", base, {{"data", {{{"guid", jstr(*space, "guid")}}}}});
    if (!applied) return fail(applied.error());
  } else {
    auto removed = session.send("DELETE", base + "/" + jstr(*space, "guid"));
    if (!removed) return fail(removed.error());
    if (removed->status / 100 != 2) return fail(apiErrorMessage(*removed));
  }
  fmt::print("OK\n");
  return 0;
}

void addLimitFlags(CLI::App* cmd, LimitArgs& l, bool update) {
  cmd->add_option("-m", l.total_memory,
                  "Total amount of memory all processes can have, e.g. 1024M, 1G, 10G (-1 = "
                  "unlimited)");
  cmd->add_option("-i", l.instance_memory,
                  "Maximum amount of memory a process can have, e.g. 1024M, 1G (-1 = unlimited)");
  cmd->add_option("-a", l.app_instances, "Total number of application instances (-1 = unlimited)");
  cmd->add_option("-r", l.routes, "Total number of routes (-1 = unlimited)");
  cmd->add_option("-s", l.service_instances, "Total number of service instances (-1 = unlimited)");
  cmd->add_option("--reserved-route-ports", l.reserved_ports,
                  "Maximum number of routes that may have reserved ports (-1 = unlimited)");
  cmd->add_option("-l,--log-volume", l.log_volume,
                  "Total log volume per second all processes can have, e.g. 1K, 10M (-1 = "
                  "unlimited)");
  cmd->add_flag("--allow-paid-service-plans", l.allow_paid, "Allow provisioning paid plans");
  if (update)
    cmd->add_flag("--disallow-paid-service-plans", l.disallow_paid,
                  "Disallow provisioning paid plans");
}

}  // namespace

void addQuotaCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  CLI::App* list = app.add_subcommand("org-quotas", "List available organization quotas");
  list->alias("quotas");
  table.add(list, [&ctx] { return listOrgQuotas(ctx); });

  auto shown = std::make_shared<std::string>();
  CLI::App* show = app.add_subcommand("org-quota", "Show organization quota info");
  show->alias("quota");
  show->add_option("QUOTA", *shown, "Organization quota name")->required();
  table.add(show, [&ctx, shown] { return showOrgQuota(ctx, *shown); });

  auto c = std::make_shared<QuotaArgs>();
  CLI::App* create = app.add_subcommand("create-org-quota", "Define a new quota for an "
                                                            "organization (admins only)");
  create->alias("create-quota");
  create->add_option("QUOTA", c->name, "Quota name")->required();
  addLimitFlags(create, c->limits, false);
  table.add(create, [&ctx, c] { return createOrgQuota(ctx, *c); });

  auto u = std::make_shared<QuotaArgs>();
  CLI::App* update = app.add_subcommand("update-org-quota", "Update an existing organization "
                                                            "quota (admins only)");
  update->alias("update-quota");
  update->add_option("QUOTA", u->name, "Quota name")->required();
  update->add_option("-n", u->new_name, "New name");
  addLimitFlags(update, u->limits, true);
  table.add(update, [&ctx, u] { return updateOrgQuota(ctx, *u); });

  auto d = std::make_shared<DeleteArgs>();
  CLI::App* del = app.add_subcommand("delete-org-quota", "Delete an organization quota");
  del->alias("delete-quota");
  del->add_option("QUOTA", d->name, "Quota name")->required();
  del->add_flag("-f,--force", d->force, "Force deletion without confirmation");
  table.add(del, [&ctx, d] { return deleteOrgQuota(ctx, *d); });

  auto so = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* set = app.add_subcommand("set-org-quota", "Assign a quota to an organization");
  set->alias("set-quota");
  set->add_option("ORG", so->first, "Organization name")->required();
  set->add_option("QUOTA", so->second, "Quota name")->required();
  table.add(set, [&ctx, so] { return setOrgQuota(ctx, so->first, so->second); });

  table.add(app.add_subcommand("space-quotas", "List available space quotas of the targeted "
                                               "org"),
            [&ctx] { return listSpaceQuotas(ctx); });

  auto sshown = std::make_shared<std::string>();
  CLI::App* sshow = app.add_subcommand("space-quota", "Show space quota info");
  sshow->add_option("SPACE_QUOTA", *sshown, "Space quota name")->required();
  table.add(sshow, [&ctx, sshown] { return showSpaceQuota(ctx, *sshown); });

  auto sc = std::make_shared<QuotaArgs>();
  CLI::App* screate = app.add_subcommand("create-space-quota", "Define a new quota for spaces "
                                                               "of the targeted org");
  screate->add_option("QUOTA", sc->name, "Space quota name")->required();
  addLimitFlags(screate, sc->limits, false);
  table.add(screate, [&ctx, sc] { return createSpaceQuota(ctx, *sc); });

  auto su = std::make_shared<QuotaArgs>();
  CLI::App* supdate = app.add_subcommand("update-space-quota", "Update an existing space quota");
  supdate->add_option("QUOTA", su->name, "Space quota name")->required();
  supdate->add_option("-n", su->new_name, "New name");
  addLimitFlags(supdate, su->limits, true);
  table.add(supdate, [&ctx, su] { return updateSpaceQuota(ctx, *su); });

  auto sd = std::make_shared<DeleteArgs>();
  CLI::App* sdel = app.add_subcommand("delete-space-quota", "Delete a space quota");
  sdel->add_option("QUOTA", sd->name, "Space quota name")->required();
  sdel->add_flag("-f,--force", sd->force, "Force deletion without confirmation");
  table.add(sdel, [&ctx, sd] { return deleteSpaceQuota(ctx, *sd); });

  auto ss = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* sset = app.add_subcommand("set-space-quota", "Assign a space quota to a space");
  sset->add_option("SPACE", ss->first, "Space name")->required();
  sset->add_option("SPACE_QUOTA", ss->second, "Space quota name")->required();
  table.add(sset, [&ctx, ss] { return setSpaceQuota(ctx, ss->first, ss->second, true); });

  auto su2 = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* sunset = app.add_subcommand("unset-space-quota", "Unassign a quota from a space");
  sunset->add_option("SPACE", su2->first, "Space name")->required();
  sunset->add_option("SPACE_QUOTA", su2->second, "Space quota name")->required();
  table.add(sunset, [&ctx, su2] { return setSpaceQuota(ctx, su2->first, su2->second, false); });
}

}  // namespace mcf::cli
