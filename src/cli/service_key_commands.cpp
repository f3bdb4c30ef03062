// Service key commands: create-service-key, service-keys, service-key, delete-service-key, in
// the cf CLI v8's wording. A key is a credential binding of type "key": credentials for use
// outside any app.
#include <cstdio>

#include <fmt/format.h>

#include "base/strutil.h"
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

// The key called key_name of the instance; kNotFound in cf's words.
base::Result<json> findKey(Session& session, const json& si, const std::string& instance,
                           const std::string& key_name) {
  auto keys = session.get("/v3/service_credential_bindings?type=key&service_instance_guids=" +
                          jstr(si, "guid") + "&names=" + base::urlEncode(key_name));
  if (!keys) return keys.takeError();
  if (jarr(*keys, "resources").empty())
    return base::makeError(base::Errc::kNotFound,
                           "No service key {} found for service instance {}. Use 'microcf "
                           "service-keys {}' to see its keys.",
                           key_name, instance, instance);
  return jarr(*keys, "resources")[0];
}

struct KeyArgs {
  std::string instance, key, params;
  bool params_set = false, wait = false, force = false, guid = false;
};

int createServiceKey(const Context& ctx, const KeyArgs& a) {
  json parameters;
  if (a.params_set) {
    auto p = parseJsonObjectFlag(a.params);
    if (!p) return fail(p.error());
    parameters = *p;
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Creating service key {} for service instance {} as {}...\n", a.key, a.instance,
             session.userName());
  flush();
  auto si = findInstance(session, a.instance);
  if (!si) return fail(si.error());
  if (auto existing = findKey(session, *si, a.instance, a.key)) {
    fmt::print("\nService key {} already exists\nOK\n", a.key);
    return 0;
  }
  json body = {{"type", "key"},
               {"name", a.key},
               {"relationships",
                {{"service_instance", {{"data", {{"guid", jstr(*si, "guid")}}}}}}}};
  if (a.params_set) body["parameters"] = parameters;
  auto job = session.startJob("POST", "/v3/service_credential_bindings", body.dump(),
                              "application/json");
  return finishJob(session, job, a.wait,
                   fmt::format("Create in progress. Use 'microcf service-keys {}' to check "
                               "operation status.", a.instance));
}

int serviceKeys(const Context& ctx, const std::string& instance) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Getting keys for service instance {} as {}...\n\n", instance, session.userName());
  flush();
  auto si = findInstance(session, instance);
  if (!si) return fail(si.error());
  auto keys = session.listAll("/v3/service_credential_bindings?type=key&per_page=5000&"
                              "order_by=name&service_instance_guids=" + jstr(*si, "guid"));
  if (!keys) return fail(keys.error());
  if (keys->empty()) {
    fmt::print("No service keys for service instance {}\n", instance);
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"name", "last operation", "message"}};
  for (const auto& k : *keys)
    rows.push_back({jstr(k, "name"), lastOperationText(k),
                    jstr(jobj(k, "last_operation"), "description")});
  fmt::print("{}", formatTable(rows));
  return 0;
}

int serviceKey(const Context& ctx, const KeyArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  if (!a.guid) {
    fmt::print("Getting key {} for service instance {} as {}...\n\n", a.key, a.instance,
               session.userName());
    flush();
  }
  auto si = findInstance(session, a.instance);
  if (!si) return fail(si.error());
  auto key = findKey(session, *si, a.instance, a.key);
  if (!key) return fail(key.error());
  if (a.guid) {
    fmt::print("{}\n", jstr(*key, "guid"));
    return 0;
  }
  auto details = session.get("/v3/service_credential_bindings/" + jstr(*key, "guid") + "/details");
  if (!details) return fail(details.error());
  fmt::print("{}\n", details->dump(2));
  return 0;
}

int deleteServiceKey(const Context& ctx, const KeyArgs& a) {
  if (!a.force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting service key {}: there is no terminal to confirm on. "
                              "Use 'microcf delete-service-key {} {} -f' to delete without "
                              "confirmation.",
                              a.key, a.instance, a.key));
    if (!confirm(fmt::format("Really delete the service key {}? [yN]: ", a.key))) {
      fmt::print("Delete cancelled\n");
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Deleting key {} for service instance {} as {}...\n", a.key, a.instance,
             session.userName());
  flush();
  auto si = findInstance(session, a.instance);
  if (!si) return fail(si.error());
  auto key = findKey(session, *si, a.instance, a.key);
  if (!key) {
    if (key.error().code != base::Errc::kNotFound) return fail(key.error());
    fmt::print("\nService key {} does not exist for service instance {}.\nOK\n", a.key,
               a.instance);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/service_credential_bindings/" + jstr(*key, "guid"));
  return finishJob(session, job, a.wait,
                   fmt::format("Delete in progress. Use 'microcf service-keys {}' to check "
                               "operation status.", a.instance));
}

}  // namespace

void addServiceKeyCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto ck = std::make_shared<KeyArgs>();
  CLI::App* ckey = app.add_subcommand("create-service-key",
                                      "Create a key (credentials outside any app) for a "
                                      "service instance");
  ckey->alias("csk");
  ckey->add_option("SERVICE_INSTANCE", ck->instance, "Service instance name")->required();
  ckey->add_option("SERVICE_KEY", ck->key, "Key name")->required();
  ckey->add_option("-c", ck->params, "Valid JSON object containing service-specific "
                                     "configuration parameters, in-line or in a file")
      ->each([ck](const std::string&) { ck->params_set = true; });
  ckey->add_flag("-w,--wait", ck->wait, "Wait for the operation to complete");
  table.add(ckey, [ck, &ctx] { return createServiceKey(ctx, *ck); });

  auto lk = std::make_shared<std::string>();
  CLI::App* lkeys = app.add_subcommand("service-keys", "List keys for a service instance");
  lkeys->alias("sk");
  lkeys->add_option("SERVICE_INSTANCE", *lk, "Service instance name")->required();
  table.add(lkeys, [lk, &ctx] { return serviceKeys(ctx, *lk); });

  auto sk = std::make_shared<KeyArgs>();
  CLI::App* skey = app.add_subcommand("service-key", "Show service key info (its credentials)");
  skey->add_option("SERVICE_INSTANCE", sk->instance, "Service instance name")->required();
  skey->add_option("SERVICE_KEY", sk->key, "Key name")->required();
  skey->add_flag("--guid", sk->guid, "Retrieve and display the given service key's guid");
  table.add(skey, [sk, &ctx] { return serviceKey(ctx, *sk); });

  auto dk = std::make_shared<KeyArgs>();
  CLI::App* dkey = app.add_subcommand("delete-service-key", "Delete a service key");
  dkey->alias("dsk");
  dkey->add_option("SERVICE_INSTANCE", dk->instance, "Service instance name")->required();
  dkey->add_option("SERVICE_KEY", dk->key, "Key name")->required();
  dkey->add_flag("-f,--force", dk->force, "Force deletion without confirmation");
  dkey->add_flag("-w,--wait", dk->wait, "Wait for the operation to complete");
  table.add(dkey, [dk, &ctx] { return deleteServiceKey(ctx, *dk); });
}

}  // namespace mcf::cli
