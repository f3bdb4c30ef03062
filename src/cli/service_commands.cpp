// Service instance commands: create-user-provided-service (cups), update-user-provided-service
// (uups), create-service, update-service, services, service, bind-service, unbind-service,
// delete-service, in the cf CLI v8's wording and layout. Managed instances' operations
// are jobs, followed as the cf CLI does (see service_ops.h).
#include <map>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strutil.h"
#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/service_ops.h"
#include "cli/service_text.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

void flush() { std::fflush(stdout); }

// -p: a JSON object, a file holding one, or "key1,key2" whose values are asked for at the
// terminal (as cf does).
base::Result<json> credentialsFrom(const std::string& arg) {
  std::string text = arg;
  if (base::pathExists(arg)) {
    auto file = base::readFile(arg);
    if (!file.ok()) return file.takeError();
    text = *file;
  }
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded()) {
    if (!parsed.is_object())
      return base::makeError(base::Errc::kInvalid,
                             "-p must be a JSON object such as '{{\"uri\":\"postgres://...\"}}', "
                             "a file holding one, or a list of keys to be asked for");
    return parsed;
  }
  std::string trimmed = base::trim(text);
  if (trimmed.starts_with("{") || trimmed.starts_with("["))
    return base::makeError(base::Errc::kInvalid, "Invalid configuration provided for -p flag. "
                                                 "Please provide a valid JSON object or path to a "
                                                 "file containing a valid JSON object.");
  if (!stdinIsTty())
    return base::makeError(base::Errc::kInvalid,
                           "-p {} asks for each value at the terminal, and there is none. Give the "
                           "credentials as JSON instead: -p '{{\"key\":\"value\"}}'",
                           arg);
  json creds = json::object();
  for (const auto& raw : base::split(trimmed, ',')) {
    std::string key = base::trim(raw);
    if (key.empty()) continue;
    auto value = promptLine(key + ": ", false);
    if (!value) return base::makeError(base::Errc::kInvalid, "No value given for {}", key);
    creds[key] = *value;
  }
  return creds;
}

struct UpsOptions {
  std::string name;
  std::string credentials;
  std::string drain;
  std::string route_service;
  std::string tags;
  bool credentials_set = false, drain_set = false, route_set = false, tags_set = false;
};

base::Status fillBody(const UpsOptions& o, json& body) {
  if (o.credentials_set) {
    auto creds = credentialsFrom(o.credentials);
    if (!creds.ok()) return creds.takeError();
    body["credentials"] = *creds;
  }
  if (o.drain_set) body["syslog_drain_url"] = o.drain;
  if (o.route_set) body["route_service_url"] = o.route_service;
  if (o.tags_set) body["tags"] = parseTags(o.tags);
  return {};
}

int createUps(const Context& ctx, const UpsOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  json body = {{"type", "user-provided"},
               {"name", o.name},
               {"relationships", {{"space", {{"data", {{"guid", session.config().space.guid}}}}}}}};
  if (auto st = fillBody(o, body); !st.ok()) return fail(st.error());
  fmt::print("Creating user provided service {} {}...\n", o.name, whereAs(session));
  flush();
  auto created = session.api("POST", "/v3/service_instances", body);
  if (!created) return fail(created.error());
  fmt::print("OK\n");
  return 0;
}

int updateUps(const Context& ctx, const UpsOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  json body = json::object();
  if (auto st = fillBody(o, body); !st.ok()) return fail(st.error());
  fmt::print("Updating user provided service {} {}...\n", o.name, whereAs(session));
  flush();
  auto si = findInstance(session, o.name);
  if (!si) return fail(si.error());
  if (jstr(*si, "type") != "user-provided")
    return fail(fmt::format("The service instance '{}' is not user-provided. Use 'microcf "
                            "update-service {}' to change a managed service instance.",
                            o.name, o.name));
  if (body.empty()) {
    fmt::print("No flags specified. No changes were made.\nOK\n");
    return 0;
  }
  auto patched = session.api("PATCH", "/v3/service_instances/" + jstr(*si, "guid"), body);
  if (!patched) return fail(patched.error());
  fmt::print("OK\n\nTIP: Use 'microcf restart' for any bound apps to ensure your env variable "
             "changes take effect\n");
  return 0;
}

// Names of the apps bound to each instance guid, in one listing.
base::Result<std::map<std::string, std::vector<std::string>>> boundApps(Session& session) {
  std::map<std::string, std::vector<std::string>> out;
  auto bindings = session.listAll("/v3/service_credential_bindings?type=app&per_page=5000");
  if (!bindings) return bindings.takeError();
  auto apps = session.listAll("/v3/apps?per_page=5000&space_guids=" + session.config().space.guid);
  if (!apps) return apps.takeError();
  std::map<std::string, std::string> app_names;
  for (const auto& a : *apps) app_names[jstr(a, "guid")] = jstr(a, "name");
  for (const auto& b : *bindings) {
    std::string app = b["relationships"]["app"]["data"].value("guid", "");
    std::string si = b["relationships"]["service_instance"]["data"].value("guid", "");
    auto it = app_names.find(app);
    if (it != app_names.end()) out[si].push_back(it->second);
  }
  return out;
}

// A list of service instances with the plan, offering and broker includes of every page.
struct InstanceList {
  std::vector<json> resources;
  json included = json::object();
};

base::Result<InstanceList> listInstances(Session& session, const std::string& query) {
  InstanceList out;
  std::string next = "/v3/service_instances?" + query + "&" + serviceInstanceFieldsQuery();
  while (!next.empty()) {
    auto page = session.get(next);
    if (!page) return page.takeError();
    for (const auto& r : jarr(*page, "resources")) out.resources.push_back(r);
    for (const auto& [kind, items] : jobj(*page, "included").items()) {
      if (!items.is_array()) continue;
      json& all = out.included[kind];
      if (!all.is_array()) all = json::array();
      for (const auto& item : items) all.push_back(item);
    }
    next = jstr(jobj(jobj(*page, "pagination"), "next"), "href");
  }
  return out;
}

int services(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting service instances {}...\n\n", whereAs(session));
  flush();
  auto list = listInstances(session, "order_by=name&per_page=5000&space_guids=" +
                                         session.config().space.guid);
  if (!list) return fail(list.error());
  if (list->resources.empty()) {
    fmt::print("No service instances found.\n");
    return 0;
  }
  auto bound = boundApps(session);
  if (!bound) return fail(bound.error());
  std::vector<ServiceRow> rows;
  for (const auto& si : list->resources) {
    ServiceNames names = serviceNamesFrom(si, list->included);
    ServiceRow row;
    row.name = jstr(si, "name");
    row.type = jstr(si, "type");
    row.offering = names.offering;
    row.plan = names.plan;
    row.broker = names.broker;
    row.bound_apps = (*bound)[jstr(si, "guid")];
    row.last_operation = lastOperationText(si);
    auto upgrade = si.find("upgrade_available");
    row.upgrade_available = upgrade != si.end() && upgrade->is_boolean() && upgrade->get<bool>();
    rows.push_back(std::move(row));
  }
  fmt::print("{}", formatServicesTable(rows));
  return 0;
}

std::string joinTags(const json& tags) {
  std::string out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags)
    if (t.is_string()) out += (out.empty() ? "" : ", ") + t.get<std::string>();
  return out;
}

// The bound apps block of `service`: app name, binding name, last operation, message.
base::Status printBoundApps(Session& session, const std::string& si_guid) {
  auto bindings = session.listAll("/v3/service_credential_bindings?type=app&per_page=5000&"
                                  "service_instance_guids=" + si_guid);
  if (!bindings) return bindings.takeError();
  fmt::print("Showing bound apps:\n");
  if (bindings->empty()) {
    fmt::print("There are no bound apps for this service instance.\n");
    return {};
  }
  std::vector<std::vector<std::string>> rows = {{"name", "binding name", "status", "message"}};
  for (const auto& b : *bindings) {
    std::string app_guid = b["relationships"]["app"]["data"].value("guid", "");
    auto app = session.get("/v3/apps/" + app_guid);
    rows.push_back({app ? jstr(*app, "name") : app_guid, jstr(b, "name"), lastOperationText(b),
                    jstr(jobj(b, "last_operation"), "description")});
  }
  fmt::print("{}", formatTable(rows, 3, "   "));
  return {};
}

void printUserProvided(const json& si) {
  fmt::print("{}", formatKeyValues({{"name", jstr(si, "name")},
                                    {"guid", jstr(si, "guid")},
                                    {"type", jstr(si, "type")},
                                    {"tags", joinTags(si.value("tags", json::array()))},
                                    {"route service url", jstr(si, "route_service_url")},
                                    {"syslog drain url", jstr(si, "syslog_drain_url")}}));
  const json& op = jobj(si, "last_operation");
  fmt::print("\nShowing status of last operation:\n");
  fmt::print("{}", formatKeyValues({{"  status", lastOperationText(si)},
                                    {"  message", jstr(op, "description")},
                                    {"  started", jstr(op, "created_at")},
                                    {"  updated", jstr(op, "updated_at")}}));
}

void printManaged(Session& session, const json& si, const json& included) {
  ServiceNames names = serviceNamesFrom(si, included);
  std::string offering_tags;
  if (!names.offering_guid.empty())
    if (auto offering = session.get("/v3/service_offerings/" + names.offering_guid))
      offering_tags = joinTags(offering->value("tags", json::array()));
  std::string name = jstr(si, "name");
  fmt::print("{}", formatKeyValues({{"name", name},
                                    {"guid", jstr(si, "guid")},
                                    {"type", jstr(si, "type")},
                                    {"broker", names.broker},
                                    {"offering", names.offering},
                                    {"plan", names.plan},
                                    {"tags", joinTags(si.value("tags", json::array()))},
                                    {"offering tags", offering_tags},
                                    {"description", names.description},
                                    {"documentation", names.documentation_url},
                                    {"dashboard url", jstr(si, "dashboard_url")}}));
  const json& op = jobj(si, "last_operation");
  fmt::print("\nShowing status of last operation from service instance {}...\n\n", name);
  fmt::print("{}", formatKeyValues({{"status", lastOperationText(si)},
                                    {"message", jstr(op, "description")},
                                    {"started", jstr(op, "created_at")},
                                    {"updated", jstr(op, "updated_at")}}));
  fmt::print("\n");
  auto params = session.get("/v3/service_instances/" + jstr(si, "guid") + "/parameters");
  if (!params)
    fmt::print("Unable to show parameters: {}\n", params.error().message);
  else if (!params->is_object() || params->empty())
    fmt::print("No parameters are set for service instance {}.\n", name);
  else
    fmt::print("Showing parameters for service instance {}...\n\n{}\n", name, params->dump(2));
}

int service(const Context& ctx, const std::string& name, bool guid_only) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto list = listInstances(session, "names=" + base::urlEncode(name) +
                                         "&space_guids=" + session.config().space.guid);
  if (!list) return fail(list.error());
  if (list->resources.empty())
    return fail(fmt::format("Service instance {} not found. Use 'microcf services' to see the "
                            "service instances of space {}.",
                            name, session.config().space.name));
  const json& si = list->resources[0];
  if (guid_only) {
    fmt::print("{}\n", jstr(si, "guid"));
    return 0;
  }
  fmt::print("Showing info of service {} {}...\n\n", name, whereAs(session));
  if (jstr(si, "type") == "user-provided")
    printUserProvided(si);
  else
    printManaged(session, si, list->included);
  fmt::print("\n");
  if (auto s = printBoundApps(session, jstr(si, "guid")); !s) return fail(s.error());
  return 0;
}

// The plan called plan_name of the offering with offering_guid; kNotFound in cf's words.
base::Result<json> findPlan(Session& session, const std::string& offering_guid,
                            const std::string& offering_name, const std::string& plan_name) {
  auto plans = session.get("/v3/service_plans?names=" + base::urlEncode(plan_name) +
                           "&service_offering_guids=" + offering_guid);
  if (!plans) return plans.takeError();
  if (jarr(*plans, "resources").empty())
    return base::makeError(base::Errc::kNotFound,
                           "The plan {} could not be found for service offering {}. Use "
                           "'microcf marketplace -e {}' to see its plans.",
                           plan_name, offering_name, offering_name);
  return jarr(*plans, "resources")[0];
}

struct CreateServiceArgs {
  std::string offering, plan, name, broker, params, tags;
  bool params_set = false, tags_set = false, wait = false;
};

int createService(const Context& ctx, const CreateServiceArgs& a) {
  std::string name = base::trim(a.name);
  json parameters;
  if (a.params_set) {
    auto p = parseJsonObjectFlag(a.params);
    if (!p) return fail(p.error());
    parameters = *p;
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Creating service instance {} {}...\n", name, whereAs(session));
  flush();
  if (auto existing = findInstance(session, name)) {
    fmt::print("Service instance {} already exists\nOK\n", name);
    return 0;
  } else if (existing.error().code != base::Errc::kNotFound) {
    return fail(existing.error());
  }
  auto offering = findOffering(session, a.offering, a.broker);
  if (!offering) return fail(offering.error());
  auto plan = findPlan(session, jstr(*offering, "guid"), a.offering, a.plan);
  if (!plan) return fail(plan.error());
  json body = {{"type", "managed"},
               {"name", name},
               {"relationships",
                {{"space", {{"data", {{"guid", session.config().space.guid}}}}},
                 {"service_plan", {{"data", {{"guid", jstr(*plan, "guid")}}}}}}}};
  if (a.params_set) body["parameters"] = parameters;
  if (a.tags_set) body["tags"] = parseTags(a.tags);
  auto job = session.startJob("POST", "/v3/service_instances", body.dump(), "application/json");
  if (!job) return fail(job.error());
  fmt::print("\n");
  auto outcome = followJob(session, *job, a.wait);
  if (!outcome) return fail(outcome.error());
  switch (outcome->state) {
    case JobState::kFailed:
      return fail(fmt::format("{}\nThe service instance {} was not created. See 'microcf service "
                              "{}', and remove it with 'microcf delete-service {} -f' before "
                              "trying again.",
                              outcome->detail, name, name, name));
    case JobState::kComplete: fmt::print("Service instance {} created.\n", name); break;
    case JobState::kInProgress:
      fmt::print("Create in progress. Use 'microcf services' or 'microcf service {}' to check "
                 "operation status.\n",
                 name);
      break;
  }
  fmt::print("OK\n");
  return 0;
}

struct UpdateServiceArgs {
  std::string name, plan, params, tags;
  bool params_set = false, tags_set = false, wait = false;
};

int updateService(const Context& ctx, const UpdateServiceArgs& a) {
  json body = json::object();
  if (a.params_set) {
    auto p = parseJsonObjectFlag(a.params);
    if (!p) return fail(p.error());
    body["parameters"] = *p;
  }
  if (a.tags_set) body["tags"] = parseTags(a.tags);
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Updating service instance {} {}...\n\n", a.name, whereAs(session));
  flush();
  if (body.empty() && a.plan.empty()) {
    fmt::print("No flags specified. No changes were made.\nOK\n");
    return 0;
  }
  auto si = findInstance(session, a.name);
  if (!si) return fail(si.error());
  if (jstr(*si, "type") == "user-provided")
    return fail(fmt::format("The service instance {} is user-provided. Use 'microcf "
                            "update-user-provided-service {}' to change it.",
                            a.name, a.name));
  if (!a.plan.empty()) {
    std::string plan_guid =
        jstr(jobj(jobj(jobj(*si, "relationships"), "service_plan"), "data"), "guid");
    auto current = session.get("/v3/service_plans/" + plan_guid);
    if (!current) return fail(current.error());
    std::string offering_guid =
        jstr(jobj(jobj(jobj(*current, "relationships"), "service_offering"), "data"), "guid");
    auto offering = session.get("/v3/service_offerings/" + offering_guid);
    if (!offering) return fail(offering.error());
    auto plan = findPlan(session, offering_guid, jstr(*offering, "name"), a.plan);
    if (!plan) return fail(plan.error());
    body["relationships"] = {{"service_plan", {{"data", {{"guid", jstr(*plan, "guid")}}}}}};
  }
  auto job = session.startJob("PATCH", "/v3/service_instances/" + jstr(*si, "guid"), body.dump(),
                              "application/json");
  if (!job) return fail(job.error());
  auto outcome = followJob(session, *job, a.wait);
  if (!outcome) return fail(outcome.error());
  switch (outcome->state) {
    case JobState::kFailed: return fail(outcome->detail);
    case JobState::kComplete:
      fmt::print("Update of service instance {} complete.\n", a.name);
      break;
    case JobState::kInProgress:
      fmt::print("Update in progress. Use 'microcf services' or 'microcf service {}' to check "
                 "operation status.\n",
                 a.name);
      break;
  }
  fmt::print("OK\n");
  return 0;
}

struct BindOptions {
  std::string app;
  std::string instance;
  std::string binding_name;
  std::string params;
  bool wait = false;
};

int bindService(const Context& ctx, const BindOptions& o) {
  json parameters;
  if (!o.params.empty()) {
    auto params = parseJsonObjectFlag(o.params);
    if (!params.ok()) return fail(params.error());
    parameters = *params;
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Binding service instance {} to app {} {}...\n", o.instance, o.app, whereAs(session));
  flush();
  auto app = findApp(session, o.app);
  if (!app) return fail(app.error());
  auto si = findInstance(session, o.instance);
  if (!si) return fail(si.error());
  json body = {{"type", "app"},
               {"relationships", {{"service_instance", {{"data", {{"guid", jstr(*si, "guid")}}}}},
                                  {"app", {{"data", {{"guid", jstr(*app, "guid")}}}}}}}};
  if (!o.binding_name.empty()) body["name"] = o.binding_name;
  if (!o.params.empty()) body["parameters"] = parameters;
  auto job = session.startJob("POST", "/v3/service_credential_bindings", body.dump(),
                              "application/json");
  if (!job) {
    if (job.error().message.find("already bound") != std::string::npos) {
      fmt::print("App {} is already bound to service instance {}.\nOK\n", o.app, o.instance);
      return 0;
    }
    return fail(job.error());
  }
  auto outcome = followJob(session, *job, o.wait);
  if (!outcome) return fail(outcome.error());
  switch (outcome->state) {
    case JobState::kFailed: return fail(outcome->detail);
    case JobState::kComplete:
      fmt::print("OK\n\nTIP: Use 'microcf restart {}' to ensure your env variable changes take "
                 "effect\n", o.app);
      break;
    case JobState::kInProgress:
      fmt::print("OK\nBinding in progress. Use 'microcf service {}' to check operation "
                 "status.\n\nTIP: Once this operation succeeds, use 'microcf restart {}' to "
                 "ensure your env variable changes take effect\n",
                 o.instance, o.app);
      break;
  }
  return 0;
}

int unbindService(const Context& ctx, const std::string& app_name, const std::string& instance,
                  bool wait) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Unbinding app {} from service {} {}...\n", app_name, instance, whereAs(session));
  flush();
  auto app = findApp(session, app_name);
  if (!app) return fail(app.error());
  auto si = findInstance(session, instance);
  if (!si) return fail(si.error());
  auto list = session.get("/v3/service_credential_bindings?type=app&app_guids=" +
                          jstr(*app, "guid") + "&service_instance_guids=" + jstr(*si, "guid"));
  if (!list) return fail(list.error());
  const json& resources = jarr(*list, "resources");
  if (resources.empty()) {
    fmt::print("Binding between {} and {} did not exist\nOK\n", instance, app_name);
    return 0;
  }
  auto job = session.startJob("DELETE",
                              "/v3/service_credential_bindings/" + jstr(resources[0], "guid"));
  return finishJob(session, job, wait,
                   fmt::format("Unbinding in progress. Use 'microcf service {}' to check "
                               "operation status.", instance));
}

int deleteService(const Context& ctx, const std::string& name, bool force, bool wait) {
  if (!force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting service {}: there is no terminal to confirm on. Use "
                              "'microcf delete-service {} -f' to delete without confirmation.",
                              name, name));
    fmt::print("This action impacts all resources scoped to this service instance, including "
               "service bindings and service keys.\n");
    if (!confirm(fmt::format("Really delete the service instance {}? [yN]: ", name))) {
      fmt::print("Delete cancelled\n");
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting service instance {} {}...\n\n", name, whereAs(session));
  flush();
  auto si = findInstance(session, name);
  if (!si) {
    if (si.error().code != base::Errc::kNotFound) return fail(si.error());
    fmt::print("Service instance {} did not exist.\nOK\n", name);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/service_instances/" + jstr(*si, "guid"));
  if (!job) return fail(job.error());
  auto outcome = followJob(session, *job, wait);
  if (!outcome) return fail(outcome.error());
  switch (outcome->state) {
    case JobState::kFailed: return fail(outcome->detail);
    case JobState::kComplete: fmt::print("Service instance {} deleted.\n", name); break;
    case JobState::kInProgress:
      fmt::print("Delete in progress. Use 'microcf services' or 'microcf service {}' to check "
                 "operation status.\n",
                 name);
      break;
  }
  fmt::print("OK\n");
  return 0;
}

void addUpsOptions(CLI::App* cmd, const std::shared_ptr<UpsOptions>& o) {
  cmd->add_option("service_instance", o->name, "Service instance name")->required();
  cmd->add_option("-p", o->credentials,
                  "Credentials as JSON ('{\"uri\":\"...\"}'), a file holding them, or a "
                  "comma-separated list of keys to be asked for")
      ->each([o](const std::string&) { o->credentials_set = true; });
  cmd->add_option("-l", o->drain, "URL to which logs for bound applications will be streamed "
                                  "(syslog://HOST:PORT)")
      ->each([o](const std::string&) { o->drain_set = true; });
  cmd->add_option("-r", o->route_service,
                  "URL to which requests for bound routes will be forwarded (https)")
      ->each([o](const std::string&) { o->route_set = true; });
  cmd->add_option("-t", o->tags, "User provided tags, comma-separated")
      ->each([o](const std::string&) { o->tags_set = true; });
}

}  // namespace

void addServiceCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto co = std::make_shared<UpsOptions>();
  CLI::App* cups = app.add_subcommand(
      "create-user-provided-service",
      "Make a user-provided service instance available to apps (credentials, a syslog drain)");
  cups->alias("cups");
  addUpsOptions(cups, co);
  table.add(cups, [co, &ctx] { return createUps(ctx, *co); });

  auto uo = std::make_shared<UpsOptions>();
  CLI::App* uups = app.add_subcommand("update-user-provided-service",
                                      "Update user-provided service instance");
  uups->alias("uups");
  addUpsOptions(uups, uo);
  table.add(uups, [uo, &ctx] { return updateUps(ctx, *uo); });

  auto cs = std::make_shared<CreateServiceArgs>();
  CLI::App* create = app.add_subcommand(
      "create-service", "Create a service instance from a marketplace offering and plan");
  create->alias("cs");
  create->add_option("SERVICE_OFFERING", cs->offering, "Offering name (see 'microcf "
                                                       "marketplace')")->required();
  create->add_option("PLAN", cs->plan, "Plan name")->required();
  create->add_option("SERVICE_INSTANCE", cs->name, "Name of the new service instance")
      ->required();
  create->add_option("-b", cs->broker, "Create a service instance from a particular broker. "
                                       "Required when service offering name is ambiguous");
  create->add_option("-c", cs->params, "Valid JSON object containing service-specific "
                                       "configuration parameters, in-line or in a file")
      ->each([cs](const std::string&) { cs->params_set = true; });
  create->add_option("-t", cs->tags, "User provided tags, comma-separated")
      ->each([cs](const std::string&) { cs->tags_set = true; });
  create->add_flag("-w,--wait", cs->wait, "Wait for the operation to complete");
  table.add(create, [cs, &ctx] { return createService(ctx, *cs); });

  auto us = std::make_shared<UpdateServiceArgs>();
  CLI::App* update = app.add_subcommand("update-service",
                                        "Update a service instance's plan, parameters or tags");
  update->add_option("SERVICE_INSTANCE", us->name, "Service instance name")->required();
  update->add_option("-p", us->plan, "Change service plan for a service instance");
  update->add_option("-c", us->params, "Valid JSON object containing service-specific "
                                       "configuration parameters, in-line or in a file")
      ->each([us](const std::string&) { us->params_set = true; });
  update->add_option("-t", us->tags, "User provided tags, comma-separated")
      ->each([us](const std::string&) { us->tags_set = true; });
  update->add_flag("-w,--wait", us->wait, "Wait for the operation to complete");
  table.add(update, [us, &ctx] { return updateService(ctx, *us); });

  CLI::App* list = app.add_subcommand("services", "List service instances in the target space");
  list->alias("s");
  table.add(list, [&ctx] { return services(ctx); });

  auto show_name = std::make_shared<std::string>();
  auto show_guid = std::make_shared<bool>(false);
  CLI::App* show = app.add_subcommand("service", "Show service instance info");
  show->add_option("service_instance", *show_name, "Service instance name")->required();
  show->add_flag("--guid", *show_guid, "Retrieve and display the given service instance's guid");
  table.add(show, [show_name, show_guid, &ctx] { return service(ctx, *show_name, *show_guid); });

  auto bo = std::make_shared<BindOptions>();
  CLI::App* bind = app.add_subcommand("bind-service", "Bind a service instance to an app");
  bind->alias("bs");
  bind->add_option("app_name", bo->app, "App name")->required();
  bind->add_option("service_instance", bo->instance, "Service instance name")->required();
  bind->add_option("--binding-name", bo->binding_name,
                   "Name to expose service instance to app process with");
  bind->add_option("-c", bo->params, "Valid JSON object containing service-specific "
                                     "configuration parameters, in-line or in a file (not "
                                     "for user-provided service instances)");
  bind->add_flag("-w,--wait", bo->wait, "Wait for the operation to complete");
  table.add(bind, [bo, &ctx] { return bindService(ctx, *bo); });

  auto ub_app = std::make_shared<std::string>();
  auto ub_si = std::make_shared<std::string>();
  auto ub_wait = std::make_shared<bool>(false);
  auto ub_force = std::make_shared<bool>(false);
  CLI::App* unbind = app.add_subcommand("unbind-service", "Unbind a service instance from an app");
  unbind->alias("us");
  unbind->add_option("app_name", *ub_app, "App name")->required();
  unbind->add_option("service_instance", *ub_si, "Service instance name")->required();
  unbind->add_flag("-f,--force", *ub_force, "Accepted for scripts written for older cf CLIs "
                                            "(unbinding never asks)");
  unbind->add_flag("-w,--wait", *ub_wait, "Wait for the operation to complete");
  table.add(unbind, [ub_app, ub_si, ub_wait, ub_force, &ctx] {
    return unbindService(ctx, *ub_app, *ub_si, *ub_wait);
  });

  auto del_name = std::make_shared<std::string>();
  auto del_force = std::make_shared<bool>(false);
  auto del_wait = std::make_shared<bool>(false);
  CLI::App* del = app.add_subcommand("delete-service", "Delete a service instance");
  del->alias("ds");
  del->add_option("service_instance", *del_name, "Service instance name")->required();
  del->add_flag("-f,--force", *del_force, "Force deletion without confirmation");
  del->add_flag("-w,--wait", *del_wait, "Wait for the operation to complete");
  table.add(del, [del_name, del_force, del_wait, &ctx] {
    return deleteService(ctx, *del_name, *del_force, *del_wait);
  });
}

}  // namespace mcf::cli
