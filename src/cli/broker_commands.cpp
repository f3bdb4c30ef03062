// Service broker, access and marketplace commands: create-service-broker, service-brokers,
// update-service-broker, rename-service-broker, delete-service-broker, service-access,
// enable-service-access, disable-service-access, marketplace, in the cf CLI v8's wording.
#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/service_ops.h"
#include "cli/service_text.h"
#include "cli/session.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

void flush() { std::fflush(stdout); }

base::Result<json> findBroker(Session& session, const std::string& name) {
  auto list = session.get("/v3/service_brokers?names=" + base::urlEncode(name));
  if (!list) return list.takeError();
  const json& resources = jarr(*list, "resources");
  if (resources.empty())
    return base::makeError(base::Errc::kNotFound,
                           "Service broker '{}' not found. Use 'microcf service-brokers' to see "
                           "the registered brokers.",
                           name);
  return resources[0];
}

// Waits for a broker job (the catalog fetch); a FAILED job's detail is the error.
base::Status finishBrokerJob(Session& session, const std::string& job_url) {
  if (job_url.empty()) return {};
  return session.waitJob(job_url);
}

json brokerAuth(const std::string& user, const std::string& password) {
  return {{"type", "basic"}, {"credentials", {{"username", user}, {"password", password}}}};
}

struct BrokerArgs {
  std::string name, user, password, url;
  bool space_scoped = false;
};

int createBroker(const Context& ctx, const BrokerArgs& a) {
  Session session(ctx.home);
  json body = {
      {"name", a.name}, {"url", a.url}, {"authentication", brokerAuth(a.user, a.password)}};
  if (a.space_scoped) {
    if (auto s = session.ensureTarget(); !s) return fail(s.error());
    fmt::print("Creating service broker {} {}...\n", a.name, whereAs(session));
    body["relationships"] = {{"space", {{"data", {{"guid", session.config().space.guid}}}}}};
  } else {
    if (auto s = session.ensureToken(); !s) return fail(s.error());
    fmt::print("Creating service broker {} as {}...\n", a.name, session.userName());
  }
  flush();
  auto job = session.startJob("POST", "/v3/service_brokers", body.dump(), "application/json");
  if (!job) return fail(job.error());
  if (auto s = finishBrokerJob(session, *job); !s)
    return fail(fmt::format("{}\nFix the broker and try again. If 'microcf service-brokers' "
                            "lists {}, 'microcf update-service-broker {} USER PASSWORD {}' reads "
                            "its catalog again.",
                            s.error().message, a.name, a.name, a.url));
  fmt::print("OK\n");
  return 0;
}

int listBrokers(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting service brokers as {}...\n\n", session.userName());
  flush();
  auto brokers = session.listAll("/v3/service_brokers?order_by=name&per_page=5000");
  if (!brokers) return fail(brokers.error());
  if (brokers->empty()) {
    fmt::print("No service brokers found\n");
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& b : *brokers) rows.emplace_back(jstr(b, "name"), jstr(b, "url"));
  fmt::print("{}", formatBrokersTable(rows));
  return 0;
}

int updateBroker(const Context& ctx, const BrokerArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Updating service broker {} as {}...\n", a.name, session.userName());
  flush();
  auto broker = findBroker(session, a.name);
  if (!broker) return fail(broker.error());
  json body = {{"url", a.url}, {"authentication", brokerAuth(a.user, a.password)}};
  auto job = session.startJob("PATCH", "/v3/service_brokers/" + jstr(*broker, "guid"),
                              body.dump(), "application/json");
  if (!job) return fail(job.error());
  if (auto s = finishBrokerJob(session, *job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

int renameBroker(const Context& ctx, const std::string& old_name, const std::string& new_name) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Renaming service broker {} to {} as {}...\n", old_name, new_name,
             session.userName());
  flush();
  auto broker = findBroker(session, old_name);
  if (!broker) return fail(broker.error());
  json body = {{"name", new_name}};
  auto job = session.startJob("PATCH", "/v3/service_brokers/" + jstr(*broker, "guid"),
                              body.dump(), "application/json");
  if (!job) return fail(job.error());
  if (auto s = finishBrokerJob(session, *job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

int deleteBroker(const Context& ctx, const std::string& name, bool force) {
  if (!force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting service broker {}: there is no terminal to confirm "
                              "on. Use 'microcf delete-service-broker {} -f' to delete without "
                              "confirmation.",
                              name, name));
    if (!confirm(fmt::format("Really delete the service broker {}? [yN]: ", name))) {
      fmt::print("'{}' has not been deleted.\n", name);
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Deleting service broker {} as {}...\n", name, session.userName());
  flush();
  auto broker = findBroker(session, name);
  if (!broker) {
    if (broker.error().code != base::Errc::kNotFound) return fail(broker.error());
    fmt::print("Service broker '{}' does not exist.\nOK\n", name);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/service_brokers/" + jstr(*broker, "guid"));
  if (!job) return fail(job.error());
  if (auto s = finishBrokerJob(session, *job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

// The plans of the given offerings, in one listing.
base::Result<std::vector<json>> plansOf(Session& session, const std::vector<json>& offerings) {
  std::vector<std::string> guids;
  for (const auto& o : offerings) guids.push_back(jstr(o, "guid"));
  if (guids.empty()) return std::vector<json>{};
  return session.listAll("/v3/service_plans?per_page=5000&service_offering_guids=" +
                         base::join(guids, ","));
}

// The offerings query of marketplace and service-access: -e and -b as filters.
std::string offeringsQuery(const std::string& offering, const std::string& broker) {
  std::string query = "per_page=5000&order_by=name";
  if (!offering.empty()) query += "&names=" + base::urlEncode(offering);
  if (!broker.empty()) query += "&service_broker_names=" + base::urlEncode(broker);
  return query;
}

std::string planOfferingGuid(const json& plan) {
  return jstr(jobj(jobj(jobj(plan, "relationships"), "service_offering"), "data"), "guid");
}

struct AccessArgs {
  std::string offering, broker, plan, org;
};

std::string accessIntro(const AccessArgs& a, const std::string& user) {
  std::vector<std::string> what;
  if (!a.broker.empty()) what.push_back("broker " + a.broker);
  if (!a.offering.empty()) what.push_back("service " + a.offering);
  if (!a.org.empty()) what.push_back("organization " + a.org);
  return fmt::format("Getting service access{}{} as {}...", what.empty() ? "" : " for ",
                     base::join(what, " and "), user);
}

int serviceAccess(const Context& ctx, const AccessArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("{}\n\n", accessIntro(a, session.userName()));
  flush();
  auto list = listOfferings(session, offeringsQuery(a.offering, a.broker));
  if (!list) return fail(list.error());
  const std::vector<json>& offerings = list->offerings;
  auto plans = plansOf(session, offerings);
  if (!plans) return fail(plans.error());
  std::string org_guid;
  if (!a.org.empty()) {
    auto orgs = session.get("/v3/organizations?names=" + base::urlEncode(a.org));
    if (!orgs) return fail(orgs.error());
    if (jarr(*orgs, "resources").empty())
      return fail(fmt::format("Organization '{}' not found.", a.org));
    org_guid = jstr(jarr(*orgs, "resources")[0], "guid");
  }
  std::vector<AccessRow> rows;
  for (const auto& o : offerings) {
    for (const auto& p : *plans) {
      if (planOfferingGuid(p) != jstr(o, "guid")) continue;
      AccessRow row;
      row.broker = list->brokerOf(o);
      row.offering = jstr(o, "name");
      row.plan = jstr(p, "name");
      row.visibility_type = jstr(p, "visibility_type");
      bool org_sees = row.visibility_type == "public";
      if (row.visibility_type == "organization") {
        auto vis = session.get("/v3/service_plans/" + jstr(p, "guid") + "/visibility");
        if (!vis) return fail(vis.error());
        for (const auto& org : jarr(*vis, "organizations")) {
          row.orgs.push_back(jstr(org, "name"));
          if (jstr(org, "guid") == org_guid) org_sees = true;
        }
      }
      if (!org_guid.empty() && !org_sees) continue;
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) {
    fmt::print("No service plans found.\n");
    return 0;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const AccessRow& x, const AccessRow& y) { return x.broker < y.broker; });
  fmt::print("{}", formatServiceAccess(rows));
  return 0;
}

std::string setAccessIntro(bool enable, const AccessArgs& a, const std::string& user) {
  std::string text = enable ? "Enabling access to " : "Disabling access to ";
  text += a.plan.empty() ? "all plans " : "plan " + a.plan + " ";
  text += "of service " + a.offering + " ";
  if (!a.broker.empty()) text += "from broker " + a.broker + " ";
  text += a.org.empty() ? "for all orgs " : "for org " + a.org + " ";
  return text + "as " + user + "...";
}

int setServiceAccess(const Context& ctx, const AccessArgs& a, bool enable) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("{}\n\n", setAccessIntro(enable, a, session.userName()));
  flush();
  auto offering = findOffering(session, a.offering, a.broker);
  if (!offering) return fail(offering.error());
  auto plans = plansOf(session, {*offering});
  if (!plans) return fail(plans.error());
  std::vector<json> chosen;
  for (const auto& p : *plans)
    if (a.plan.empty() || jstr(p, "name") == a.plan) chosen.push_back(p);
  if (chosen.empty())
    return fail(fmt::format("The plan {} could not be found for service offering {}. Use "
                            "'microcf service-access -e {}' to see its plans.",
                            a.plan, a.offering, a.offering));
  std::string org_guid;
  if (!a.org.empty()) {
    auto orgs = session.get("/v3/organizations?names=" + base::urlEncode(a.org));
    if (!orgs) return fail(orgs.error());
    if (jarr(*orgs, "resources").empty())
      return fail(fmt::format("Organization '{}' not found. Use 'microcf orgs' to see the "
                              "organizations.",
                              a.org));
    org_guid = jstr(jarr(*orgs, "resources")[0], "guid");
  }
  std::vector<std::string> skipped;
  for (const auto& p : chosen) {
    std::string type = jstr(p, "visibility_type");
    std::string visibility = "/v3/service_plans/" + jstr(p, "guid") + "/visibility";
    if (enable) {
      if (type == "public") {
        skipped.push_back(jstr(p, "name"));
        continue;
      }
      auto done = org_guid.empty()
                      ? session.api("PATCH", visibility, {{"type", "public"}})
                      : session.api("POST", visibility,
                                    {{"type", "organization"},
                                     {"organizations", json::array({{{"guid", org_guid}}})}});
      if (!done) return fail(done.error());
    } else if (org_guid.empty()) {
      if (type == "admin") {
        skipped.push_back(jstr(p, "name"));
        continue;
      }
      auto done = session.api("PATCH", visibility, {{"type", "admin"}});
      if (!done) return fail(done.error());
    } else {
      if (type == "public")
        return fail(fmt::format("Cannot remove organization level access for public plans. Use "
                                "'microcf disable-service-access {}{}' to hide plan {} from all "
                                "orgs first, then 'microcf enable-service-access ... -o ORG' for "
                                "the orgs that may use it.",
                                a.offering, a.plan.empty() ? "" : " -p " + a.plan,
                                jstr(p, "name")));
      if (type != "organization") continue;
      auto removed = session.send("DELETE", visibility + "/" + org_guid);
      if (!removed.ok()) return fail(removed.error());
      if (removed->status / 100 != 2 && removed->status != 404)
        return fail(apiErrorMessage(*removed));
    }
  }
  for (const auto& name : skipped)
    fmt::print("Did not update plan {} as it already has visibility {}.\n", name,
               enable ? "all" : "none");
  if (!skipped.empty()) fmt::print("\n");
  fmt::print("OK\n");
  return 0;
}

struct MarketplaceArgs {
  std::string offering, broker;
};

int marketplace(const Context& ctx, const MarketplaceArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  std::string intro = a.offering.empty()
                          ? "Getting all service offerings from marketplace"
                          : "Getting service plan information for service offering " + a.offering;
  if (!a.broker.empty())
    intro += (a.offering.empty() ? " for" : " from") + std::string(" service broker ") + a.broker;
  fmt::print("{} {}...\n", intro, whereAs(session));
  flush();
  auto list = listOfferings(session, offeringsQuery(a.offering, a.broker));
  if (!list) return fail(list.error());
  auto plans = plansOf(session, list->offerings);
  if (!plans) return fail(plans.error());
  auto brokerOf = [&](const json& o) { return list->brokerOf(o); };
  std::vector<MarketplaceRow> rows;
  std::vector<std::pair<std::string, std::vector<PlanRow>>> plan_tables;
  for (const auto& o : list->offerings) {
    MarketplaceRow row{jstr(o, "name"), jstr(o, "description"), brokerOf(o), {}};
    std::vector<PlanRow> plan_rows;
    for (const auto& p : *plans) {
      if (planOfferingGuid(p) != jstr(o, "guid")) continue;
      if (p.contains("available") && p["available"].is_boolean() && !p["available"].get<bool>())
        continue;
      row.plans.push_back(jstr(p, "name"));
      bool free = !(p.contains("free") && p["free"].is_boolean() && !p["free"].get<bool>());
      plan_rows.push_back({jstr(p, "name"), jstr(p, "description"), free, planCosts(p)});
    }
    if (row.plans.empty()) continue;
    rows.push_back(std::move(row));
    plan_tables.emplace_back(brokerOf(o), std::move(plan_rows));
  }
  if (rows.empty()) {
    fmt::print("\nNo service offerings found.\n");
    return 0;
  }
  if (a.offering.empty()) {
    fmt::print("\n{}\nTIP: Use 'microcf marketplace -e SERVICE_OFFERING' to view descriptions of "
               "individual plans of a given service offering.\n",
               formatMarketplaceTable(rows));
    return 0;
  }
  for (const auto& [broker, plan_rows] : plan_tables)
    fmt::print("\n{}", formatMarketplacePlans(broker, plan_rows));
  return 0;
}

}  // namespace

void addBrokerCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto c = std::make_shared<BrokerArgs>();
  CLI::App* create = app.add_subcommand("create-service-broker",
                                        "Register an Open Service Broker (its catalog is read "
                                        "at once)");
  create->alias("csb");
  create->add_option("SERVICE_BROKER", c->name, "Broker name")->required();
  create->add_option("USERNAME", c->user, "Basic auth user the broker expects")->required();
  create->add_option("PASSWORD", c->password, "Basic auth password")->required();
  create->add_option("URL", c->url, "Broker URL (http://HOST:PORT)")->required();
  create->add_flag("--space-scoped", c->space_scoped,
                   "Make the broker's service plans only visible within the targeted space");
  table.add(create, [c, &ctx] { return createBroker(ctx, *c); });

  CLI::App* list = app.add_subcommand("service-brokers", "List service brokers");
  table.add(list, [&ctx] { return listBrokers(ctx); });

  auto u = std::make_shared<BrokerArgs>();
  CLI::App* update = app.add_subcommand("update-service-broker",
                                        "Update a service broker's URL and credentials (reads "
                                        "its catalog again)");
  update->add_option("SERVICE_BROKER", u->name, "Broker name")->required();
  update->add_option("USERNAME", u->user, "Basic auth user the broker expects")->required();
  update->add_option("PASSWORD", u->password, "Basic auth password")->required();
  update->add_option("URL", u->url, "Broker URL (http://HOST:PORT)")->required();
  table.add(update, [u, &ctx] { return updateBroker(ctx, *u); });

  auto r = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* rename = app.add_subcommand("rename-service-broker", "Rename a service broker");
  rename->add_option("SERVICE_BROKER", r->first, "Broker name")->required();
  rename->add_option("NEW_SERVICE_BROKER", r->second, "New name")->required();
  table.add(rename, [r, &ctx] { return renameBroker(ctx, r->first, r->second); });

  auto d_name = std::make_shared<std::string>();
  auto d_force = std::make_shared<bool>(false);
  CLI::App* del = app.add_subcommand("delete-service-broker", "Delete a service broker");
  del->add_option("SERVICE_BROKER", *d_name, "Broker name")->required();
  del->add_flag("-f,--force", *d_force, "Force deletion without confirmation");
  table.add(del, [d_name, d_force, &ctx] { return deleteBroker(ctx, *d_name, *d_force); });

  auto sa = std::make_shared<AccessArgs>();
  CLI::App* access = app.add_subcommand("service-access",
                                        "List service access settings (admins only)");
  access->add_option("-b", sa->broker, "Access for plans of a particular broker");
  access->add_option("-e", sa->offering, "Access for plans of a particular service offering");
  access->add_option("-o", sa->org, "Plans accessible by a particular organization");
  table.add(access, [sa, &ctx] { return serviceAccess(ctx, *sa); });

  for (bool enable : {true, false}) {
    auto o = std::make_shared<AccessArgs>();
    CLI::App* cmd = app.add_subcommand(
        enable ? "enable-service-access" : "disable-service-access",
        enable ? "Enable access to a service offering or plan for all orgs or one org"
               : "Disable access to a service offering or plan for all orgs or one org");
    cmd->add_option("SERVICE", o->offering, "Service offering name")->required();
    cmd->add_option("-b", o->broker, "The broker of the offering (when several offer it)");
    cmd->add_option("-p", o->plan, "Only this plan");
    cmd->add_option("-o", o->org, "Only for this organization");
    table.add(cmd, [o, enable, &ctx] { return setServiceAccess(ctx, *o, enable); });
  }

  auto m = std::make_shared<MarketplaceArgs>();
  CLI::App* market = app.add_subcommand("marketplace",
                                        "List service offerings and their plans");
  market->alias("m");
  market->add_option("-e", m->offering, "Show plan details for a particular service offering");
  market->add_option("-b", m->broker, "Only show details for a particular service broker");
  table.add(market, [m, &ctx] { return marketplace(ctx, *m); });
}

}  // namespace mcf::cli
