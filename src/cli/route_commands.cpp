// Route and domain commands as the cf CLI v8 has them: routes, domains, create-domain
// (create-private-domain), create-shared-domain, delete-domain, create-route, check-route,
// map-route, unmap-route, delete-route, update-route.
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/route_text.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

using nlohmann::json;

namespace {

void flush() { std::fflush(stdout); }

// "for org O / space S as U", as cf's route commands say it.
std::string forWhere(const Session& session) {
  return fmt::format("for org {} / space {} as {}", session.config().org.name,
                     session.config().space.name, session.userName());
}

// A domain without an owning organization.
bool isShared(const json& domain) {
  return jstr(jobj(jobj(jobj(domain, "relationships"), "organization"), "data"), "guid").empty();
}

// The domain of that name (shared, or private to the targeted org); kNotFound in cf's words.
base::Result<json> findDomain(Session& session, const std::string& name) {
  auto list = session.get("/v3/domains?names=" + base::urlEncode(name));
  if (!list) return list.takeError();
  const json& resources = jarr(*list, "resources");
  if (resources.empty())
    return base::makeError(base::Errc::kNotFound, "Domain '{}' not found.", name);
  return resources[0];
}

// The route (host, domain, path) or nullopt when it does not exist.
base::Result<std::optional<json>> findRoute(Session& session, const std::string& domain_guid,
                                            const RouteSpec& spec) {
  auto list = session.listAll("/v3/routes?domain_guids=" + domain_guid);
  if (!list) return list.takeError();
  for (const auto& r : *list)
    if (jstr(r, "host") == spec.host && jstr(r, "path") == spec.path) return std::optional(r);
  return std::optional<json>();
}

base::Result<json> findApp(Session& session, const std::string& name) {
  auto apps = session.get("/v3/apps?names=" + base::urlEncode(name) +
                          "&space_guids=" + session.config().space.guid);
  if (!apps) return apps.takeError();
  const json& resources = jarr(*apps, "resources");
  if (resources.empty()) return base::makeError(base::Errc::kNotFound, "App '{}' not found.", name);
  return resources[0];
}

// "--option loadbalancing=least-connection" → {"loadbalancing": "least-connection"}.
base::Result<json> parseOptions(const std::vector<std::string>& options) {
  json out = json::object();
  for (const auto& o : options) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == o.size()) {
      return base::makeError(base::Errc::kInvalid, "Option '{}' must be KEY=VALUE, e.g. "
                                                   "--option loadbalancing=least-connection",
                             o);
    }
    std::string key = o.substr(0, eq);
    if (key != "loadbalancing") {
      return base::makeError(base::Errc::kInvalid, "Option '{}' is not supported; the route "
                                                   "option is loadbalancing",
                             key);
    }
    out[key] = o.substr(eq + 1);
  }
  return out;
}

// Asks unless forced; false (and a message) without a terminal to ask on.
std::optional<bool> confirmed(bool force, const std::string& question, const std::string& what,
                              const std::string& retry) {
  if (force) return true;
  if (!stdinIsTty()) {
    fail(fmt::format("Not deleting {}: there is no terminal to confirm on. Use '{}' to delete "
                     "without confirmation.",
                     what, retry));
    return std::nullopt;
  }
  if (confirm(question)) return true;
  fmt::print("Delete cancelled\n");
  return false;
}

struct RouteArgs {
  std::string app;
  std::string domain;
  std::string host;
  std::string path;
  std::vector<std::string> options;
  std::vector<std::string> remove_options;
  bool force = false;
};

RouteSpec specOf(const RouteArgs& a) { return makeRouteSpec(a.domain, a.host, a.path); }

int routes(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting routes for org {} / space {} as {}...\n\n", session.config().org.name,
             session.config().space.name, session.userName());
  const std::string& space = session.config().space.guid;
  auto list = session.listAll("/v3/routes?space_guids=" + space);
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No routes found.\n");
    return 0;
  }
  auto domains = session.listAll("/v3/domains");
  if (!domains) return fail(domains.error());
  auto apps = session.listAll("/v3/apps?space_guids=" + space);
  if (!apps) return fail(apps.error());
  std::map<std::string, std::string> domain_names, app_names;
  for (const auto& d : *domains) domain_names[jstr(d, "guid")] = jstr(d, "name");
  for (const auto& a : *apps) app_names[jstr(a, "guid")] = jstr(a, "name");
  std::vector<RouteRow> rows;
  for (const auto& r : *list) {
    RouteRow row;
    row.space = session.config().space.name;
    row.host = jstr(r, "host");
    row.domain = domain_names[jstr(jobj(jobj(jobj(r, "relationships"), "domain"), "data"), "guid")];
    row.path = jstr(r, "path");
    row.protocol = jstr(r, "protocol");
    for (const auto& d : jarr(r, "destinations")) {
      row.app_protocols.push_back(jstr(d, "protocol"));
      row.apps.push_back(app_names[jstr(jobj(d, "app"), "guid")]);
    }
    rows.push_back(std::move(row));
  }
  fmt::print("{}", formatRoutesTable(rows));
  return 0;
}

int domains(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting domains in org {} as {}...\n\n", session.config().org.name,
             session.userName());
  auto list = session.listAll("/v3/organizations/" + session.config().org.guid + "/domains");
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No domains found.\n");
    return 0;
  }
  std::vector<DomainRow> rows;
  for (const auto& d : *list) {
    DomainRow row;
    row.name = jstr(d, "name");
    row.shared = isShared(d);
    row.internal = d.value("internal", false);
    for (const auto& p : jarr(d, "supported_protocols"))
      if (p.is_string()) row.protocols.push_back(p.get<std::string>());
    rows.push_back(std::move(row));
  }
  fmt::print("{}", formatDomainsTable(rows));
  return 0;
}

struct DomainArgs {
  std::string org;
  std::string domain;
  bool force = false;
};

int createDomain(const Context& ctx, const DomainArgs& a, bool shared) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  std::string name = base::toLower(a.domain);
  json body = {{"name", name}};
  std::string org_name = a.org.empty() ? session.config().org.name : a.org;
  if (shared) {
    fmt::print("Creating shared domain {} as {}...\n", name, session.userName());
  } else {
    std::string org_guid = session.config().org.guid;
    if (!a.org.empty()) {
      auto orgs = session.get("/v3/organizations?names=" + base::urlEncode(a.org));
      if (!orgs) return fail(orgs.error());
      if (jarr(*orgs, "resources").empty())
        return fail(fmt::format("Organization '{}' not found.", a.org));
      org_guid = jstr(jarr(*orgs, "resources")[0], "guid");
    }
    body["relationships"] = {{"organization", {{"data", {{"guid", org_guid}}}}}};
    fmt::print("Creating private domain {} for org {} as {}...\n", name, org_name,
               session.userName());
  }
  flush();
  auto created = session.api("POST", "/v3/domains", body);
  if (!created) return fail(created.error());
  fmt::print("OK\n");
  if (!shared) {
    fmt::print("\nTIP: Domain '{}' is a private domain of org {}. Create routes in it with "
               "'microcf create-route {} --hostname NAME' or 'microcf map-route APP {} "
               "--hostname NAME'.\n",
               name, org_name, name, name);
  }
  return 0;
}

int deleteDomain(const Context& ctx, const DomainArgs& a) {
  std::string name = base::toLower(a.domain);
  auto ok = confirmed(a.force,
                      fmt::format("Deleting the private domain will remove associated routes "
                                  "which will make apps with this domain unreachable.\nReally "
                                  "delete the private domain {}? [yN]: ",
                                  name),
                      "domain " + name, "microcf delete-domain " + name + " -f");
  if (!ok) return 1;
  if (!*ok) return 0;
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting domain {} as {}...\n", name, session.userName());
  flush();
  auto domain = findDomain(session, name);
  if (!domain) {
    if (domain.error().code != base::Errc::kNotFound) return fail(domain.error());
    fmt::print("Domain '{}' does not exist.\nOK\n", name);
    return 0;
  }
  if (isShared(*domain))
    return fail(fmt::format("Domain '{}' is a shared domain, not a private domain.", name));
  auto job = session.startJob("DELETE", "/v3/domains/" + jstr(*domain, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

// POSTs the route; the caller printed what it is doing.
base::Result<json> postRoute(Session& session, const json& domain, const RouteSpec& spec,
                             const json& options) {
  json body = {{"relationships",
                {{"space", {{"data", {{"guid", session.config().space.guid}}}}},
                 {"domain", {{"data", {{"guid", jstr(domain, "guid")}}}}}}}};
  if (!spec.host.empty()) body["host"] = spec.host;
  if (!spec.path.empty()) body["path"] = spec.path;
  if (!options.empty()) body["options"] = options;
  return session.api("POST", "/v3/routes", body);
}

int createRoute(const Context& ctx, const RouteArgs& a) {
  auto options = parseOptions(a.options);
  if (!options) return fail(options.error());
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  RouteSpec spec = specOf(a);
  fmt::print("Creating route {} {}...\n", spec.url(), forWhere(session));
  flush();
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  if (*existing) {
    std::fprintf(stderr, "%s\n", routeExistsMessage(spec).c_str());
    fmt::print("OK\n");
    return 0;
  }
  auto route = postRoute(session, *domain, spec, *options);
  if (!route) return fail(route.error());
  fmt::print("Route {} has been created.\nOK\n", spec.url());
  return 0;
}

int checkRoute(const Context& ctx, const RouteArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  RouteSpec spec = specOf(a);
  fmt::print("Checking for route...\n");
  flush();
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  fmt::print("Route '{}' {}.\nOK\n", spec.url(), *existing ? "does exist" : "does not exist");
  return 0;
}

int mapRoute(const Context& ctx, const RouteArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  RouteSpec spec = specOf(a);
  auto app = findApp(session, a.app);
  if (!app) return fail(app.error());
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  json route;
  if (*existing) {
    route = **existing;
  } else {
    fmt::print("Creating route {} {}...\n", spec.url(), forWhere(session));
    flush();
    auto created = postRoute(session, *domain, spec, json::object());
    if (!created) return fail(created.error());
    route = *created;
    fmt::print("OK\n");
  }
  fmt::print("Mapping route {} to app {} {}...\n", spec.url(), a.app, whereAs(session));
  flush();
  std::string app_guid = jstr(*app, "guid");
  for (const auto& d : jarr(route, "destinations")) {
    if (jstr(jobj(d, "app"), "guid") == app_guid) {
      fmt::print("App '{}' is already mapped to route '{}'. Nothing has been updated.\nOK\n",
                 a.app, spec.url());
      return 0;
    }
  }
  json body = {{"destinations", {{{"app", {{"guid", app_guid}}}}}}};
  auto mapped = session.api("POST", "/v3/routes/" + jstr(route, "guid") + "/destinations", body);
  if (!mapped) return fail(mapped.error());
  fmt::print("OK\n");
  return 0;
}

int unmapRoute(const Context& ctx, const RouteArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  RouteSpec spec = specOf(a);
  fmt::print("Removing route {} from app {} {}...\n", spec.url(), a.app, whereAs(session));
  flush();
  auto app = findApp(session, a.app);
  if (!app) return fail(app.error());
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  if (!*existing) return fail(routeNotFoundMessage(spec));
  std::string app_guid = jstr(*app, "guid"), route_guid = jstr(**existing, "guid");
  bool any = false;
  for (const auto& d : jarr(**existing, "destinations")) {
    if (jstr(jobj(d, "app"), "guid") != app_guid) continue;
    any = true;
    auto r = session.send("DELETE", "/v3/routes/" + route_guid + "/destinations/" + jstr(d, "guid"));
    if (!r) return fail(r.error());
    if (r->status / 100 != 2) return fail(apiErrorMessage(*r));
  }
  if (!any) fmt::print("Route to be unmapped is not currently mapped to the application.\n");
  fmt::print("OK\n");
  return 0;
}

int deleteRoute(const Context& ctx, const RouteArgs& a) {
  RouteSpec spec = specOf(a);
  auto ok = confirmed(a.force, fmt::format("Really delete the route {}? [yN]: ", spec.url()),
                      "route " + spec.url(),
                      "microcf delete-route " + spec.domain +
                          (spec.host.empty() ? "" : " --hostname " + spec.host) +
                          (spec.path.empty() ? "" : " --path " + spec.path) + " -f");
  if (!ok) return 1;
  if (!*ok) return 0;
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting route {}...\n", spec.url());
  flush();
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  if (!*existing) {
    fmt::print("Unable to delete. {}\nOK\n", routeNotFoundMessage(spec));
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/routes/" + jstr(**existing, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

int updateRoute(const Context& ctx, const RouteArgs& a) {
  if (a.options.empty() && a.remove_options.empty())
    return fail("Give --option KEY=VALUE to set an option or --remove-option KEY to remove one, "
                "e.g. --option loadbalancing=least-connection");
  auto options = parseOptions(a.options);
  if (!options) return fail(options.error());
  for (const auto& key : a.remove_options) {
    if (key != "loadbalancing")
      return fail(fmt::format("Option '{}' is not supported; the route option is loadbalancing",
                              key));
    (*options)[key] = nullptr;
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  RouteSpec spec = specOf(a);
  fmt::print("Updating route {} {}...\n", spec.url(), forWhere(session));
  flush();
  auto domain = findDomain(session, spec.domain);
  if (!domain) return fail(domain.error());
  auto existing = findRoute(session, jstr(*domain, "guid"), spec);
  if (!existing) return fail(existing.error());
  if (!*existing) return fail(routeNotFoundMessage(spec));
  auto updated = session.api("PATCH", "/v3/routes/" + jstr(**existing, "guid"),
                             json{{"options", *options}});
  if (!updated) return fail(updated.error());
  fmt::print("{}OK\n", formatRouteOptions(jobj(*updated, "options")));
  return 0;
}

void routeFlags(CLI::App* cmd, RouteArgs& a) {
  cmd->add_option("--hostname,-n", a.host, "Hostname for the HTTP route (required for shared "
                                           "domains)");
  cmd->add_option("--path", a.path, "Path for the HTTP route");
}

}  // namespace

void addRouteCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  table.add(app.add_subcommand("routes", "List all routes in the current space"),
            [&ctx] { return routes(ctx); });
  table.add(app.add_subcommand("domains", "List domains in the target org"),
            [&ctx] { return domains(ctx); });

  auto cd = std::make_shared<DomainArgs>();
  CLI::App* create_domain = app.add_subcommand("create-domain", "Create a private domain for "
                                                                "the targeted org");
  create_domain->add_option("DOMAIN", cd->domain, "Domain name, e.g. example.test")->required();
  table.add(create_domain, [cd, &ctx] { return createDomain(ctx, *cd, false); });
  auto cpd = std::make_shared<DomainArgs>();
  CLI::App* create_private = app.add_subcommand("create-private-domain",
                                                "Create a private domain for a specific org");
  create_private->add_option("ORG", cpd->org, "Organization")->required();
  create_private->add_option("DOMAIN", cpd->domain, "Domain name")->required();
  table.add(create_private, [cpd, &ctx] { return createDomain(ctx, *cpd, false); });
  auto csd = std::make_shared<DomainArgs>();
  CLI::App* create_shared = app.add_subcommand("create-shared-domain", "Create a domain that "
                                                                       "every org can use");
  create_shared->add_option("DOMAIN", csd->domain, "Domain name")->required();
  table.add(create_shared, [csd, &ctx] { return createDomain(ctx, *csd, true); });
  auto dd = std::make_shared<DomainArgs>();
  CLI::App* delete_domain = app.add_subcommand("delete-domain", "Delete a private domain and "
                                                                "its routes");
  delete_domain->alias("delete-private-domain");
  delete_domain->add_option("DOMAIN", dd->domain, "Domain name")->required();
  delete_domain->add_flag("-f,--force", dd->force, "Force deletion without confirmation");
  table.add(delete_domain, [dd, &ctx] { return deleteDomain(ctx, *dd); });

  struct Spec {
    const char* name;
    const char* help;
    bool app_arg, options, remove_options, force;
    int (*run)(const Context&, const RouteArgs&);
  };
  const Spec specs[] = {
      {"create-route", "Create a route for later use", false, true, false, false, createRoute},
      {"check-route", "Perform a check to determine whether a route currently exists or not",
       false, false, false, false, checkRoute},
      {"map-route", "Map a route to an app (creating the route if needed)", true, false, false,
       false, mapRoute},
      {"unmap-route", "Remove a route from an app", true, false, false, false, unmapRoute},
      {"delete-route", "Delete a route", false, false, false, true, deleteRoute},
      {"update-route", "Set or remove a route's options (loadbalancing)", false, true, true,
       false, updateRoute},
  };
  for (const Spec& s : specs) {
    auto a = std::make_shared<RouteArgs>();
    CLI::App* cmd = app.add_subcommand(s.name, s.help);
    if (s.app_arg) cmd->add_option("APP_NAME", a->app, "App name")->required();
    cmd->add_option("DOMAIN", a->domain, "Domain, e.g. localhost")->required();
    routeFlags(cmd, *a);
    if (s.options)
      cmd->add_option("--option,-o", a->options, "Route option KEY=VALUE, e.g. "
                                                 "loadbalancing=least-connection");
    if (s.remove_options)
      cmd->add_option("--remove-option,-r", a->remove_options, "Route option to remove, e.g. "
                                                               "loadbalancing");
    if (s.force) cmd->add_flag("-f,--force", a->force, "Force deletion without confirmation");
    auto run = s.run;
    table.add(cmd, [a, run, &ctx] { return run(ctx, *a); });
  }
}

}  // namespace mcf::cli
