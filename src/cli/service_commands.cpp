// Service commands for user-provided service instances: create-user-provided-service (cups),
// update-user-provided-service (uups), services, service, bind-service, unbind-service,
// delete-service, in the cf CLI v8's wording and layout.
#include <fmt/format.h>

#include "base/fs.h"
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

void flush() { std::fflush(stdout); }

// The service instance called name in the targeted space; kNotFound "Service instance NAME
// not found" as cf says it.
base::Result<json> findInstance(Session& session, const std::string& name) {
  auto list = session.get("/v3/service_instances?names=" + base::urlEncode(name) +
                          "&space_guids=" + session.config().space.guid);
  if (!list) return list.takeError();
  const json& resources = jarr(*list, "resources");
  if (resources.empty())
    return base::makeError(base::Errc::kNotFound, "Service instance {} not found", name);
  return resources[0];
}

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

std::vector<std::string> tagsFrom(const std::string& arg) {
  std::vector<std::string> tags;
  for (const auto& t : base::split(arg, ',')) {
    std::string tag = base::trim(t);
    if (!tag.empty()) tags.push_back(tag);
  }
  return tags;
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
  if (o.tags_set) body["tags"] = tagsFrom(o.tags);
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
    return fail(fmt::format("The service instance '{}' is not user-provided.", o.name));
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

std::string lastOperation(const json& si) {
  const json& op = jobj(si, "last_operation");
  std::string text = jstr(op, "type") + " " + jstr(op, "state");
  return base::trim(text);
}

int services(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting service instances {}...\n\n", whereAs(session));
  auto list = session.listAll("/v3/service_instances?order_by=name&per_page=5000&space_guids=" +
                              session.config().space.guid);
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No service instances found.\n");
    return 0;
  }
  auto bound = boundApps(session);
  if (!bound) return fail(bound.error());
  std::vector<std::vector<std::string>> rows = {
      {"name", "offering", "plan", "bound apps", "last operation", "broker", "upgrade available"}};
  for (const auto& si : *list) {
    std::string offering = jstr(si, "type") == "user-provided" ? "user-provided" : "";
    rows.push_back({jstr(si, "name"), offering, "", base::join((*bound)[jstr(si, "guid")], ", "),
                    lastOperation(si), "", ""});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

int service(const Context& ctx, const std::string& name, bool guid_only) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto si = findInstance(session, name);
  if (!si) return fail(si.error());
  if (guid_only) {
    fmt::print("{}\n", jstr(*si, "guid"));
    return 0;
  }
  fmt::print("Showing info of service {} {}...\n\n", name, whereAs(session));
  std::string tags;
  if (si->contains("tags") && (*si)["tags"].is_array())
    for (const auto& t : (*si)["tags"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
  fmt::print("{}", formatKeyValues({{"name", jstr(*si, "name")},
                                    {"guid", jstr(*si, "guid")},
                                    {"type", jstr(*si, "type")},
                                    {"tags", tags},
                                    {"route service url", jstr(*si, "route_service_url")},
                                    {"syslog drain url", jstr(*si, "syslog_drain_url")}}));
  const json& op = jobj(*si, "last_operation");
  fmt::print("\nShowing status of last operation:\n");
  fmt::print("{}", formatKeyValues({{"  status", lastOperation(*si)},
                                    {"  message", jstr(op, "description")},
                                    {"  started", jstr(op, "created_at")},
                                    {"  updated", jstr(op, "updated_at")}}));
  auto bindings = session.listAll("/v3/service_credential_bindings?per_page=5000&"
                                  "service_instance_guids=" + jstr(*si, "guid"));
  if (!bindings) return fail(bindings.error());
  fmt::print("\nShowing bound apps:\n");
  if (bindings->empty()) {
    fmt::print("There are no bound apps for this service instance.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"name", "binding name", "status", "message"}};
  for (const auto& b : *bindings) {
    std::string app_guid = b["relationships"]["app"]["data"].value("guid", "");
    auto app = session.get("/v3/apps/" + app_guid);
    rows.push_back({app ? jstr(*app, "name") : app_guid, jstr(b, "name"), lastOperation(b),
                    jstr(jobj(b, "last_operation"), "description")});
  }
  fmt::print("{}", formatTable(rows, 3, "   "));
  return 0;
}

struct BindOptions {
  std::string app;
  std::string instance;
  std::string binding_name;
  std::string params;
};

int bindService(const Context& ctx, const BindOptions& o) {
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
  if (!o.params.empty()) {
    auto params = credentialsFrom(o.params);
    if (!params.ok()) return fail(params.error());
    body["parameters"] = *params;
  }
  auto bound = session.api("POST", "/v3/service_credential_bindings", body);
  if (!bound) {
    if (bound.error().message.find("already bound") != std::string::npos) {
      fmt::print("App {} is already bound to service instance {}.\nOK\n", o.app, o.instance);
      return 0;
    }
    return fail(bound.error());
  }
  fmt::print("OK\n\nTIP: Use 'microcf restart {}' to ensure your env variable changes take "
             "effect\n", o.app);
  return 0;
}

int unbindService(const Context& ctx, const std::string& app_name, const std::string& instance) {
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
  auto deleted = session.send("DELETE", "/v3/service_credential_bindings/" +
                                            jstr(resources[0], "guid"));
  if (!deleted.ok()) return fail(deleted.error());
  if (deleted->status >= 300) return fail(apiErrorMessage(*deleted));
  fmt::print("OK\n");
  return 0;
}

int deleteService(const Context& ctx, const std::string& name, bool force) {
  if (!force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting service {}: there is no terminal to confirm on. Use "
                              "'microcf delete-service {} -f' to delete without confirmation.",
                              name, name));
    if (!confirm(fmt::format("Really delete the service {}? [yN]: ", name))) {
      fmt::print("Delete cancelled\n");
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting service {} {}...\n", name, whereAs(session));
  flush();
  auto si = findInstance(session, name);
  if (!si) {
    if (si.error().code != base::Errc::kNotFound) return fail(si.error());
    fmt::print("Service instance {} did not exist.\nOK\n", name);
    return 0;
  }
  auto deleted = session.send("DELETE", "/v3/service_instances/" + jstr(*si, "guid"));
  if (!deleted.ok()) return fail(deleted.error());
  if (deleted->status >= 300) return fail(apiErrorMessage(*deleted));
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
  bind->add_option("-c", bo->params, "Parameters as JSON (not supported for user-provided "
                                     "service instances)");
  table.add(bind, [bo, &ctx] { return bindService(ctx, *bo); });

  auto ub_app = std::make_shared<std::string>();
  auto ub_si = std::make_shared<std::string>();
  CLI::App* unbind = app.add_subcommand("unbind-service", "Unbind a service instance from an app");
  unbind->alias("us");
  unbind->add_option("app_name", *ub_app, "App name")->required();
  unbind->add_option("service_instance", *ub_si, "Service instance name")->required();
  table.add(unbind, [ub_app, ub_si, &ctx] { return unbindService(ctx, *ub_app, *ub_si); });

  auto del_name = std::make_shared<std::string>();
  auto del_force = std::make_shared<bool>(false);
  CLI::App* del = app.add_subcommand("delete-service", "Delete a service instance");
  del->alias("ds");
  del->add_option("service_instance", *del_name, "Service instance name")->required();
  del->add_flag("-f,--force", *del_force, "Force deletion without confirmation");
  table.add(del, [del_name, del_force, &ctx] { return deleteService(ctx, *del_name, *del_force); });
}

}  // namespace mcf::cli
