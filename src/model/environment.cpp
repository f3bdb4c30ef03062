// Environment variables of staging and running containers.
#include "model/environment.h"

#include <map>

#include "base/ids.h"

namespace mcf::model {

using nlohmann::json;

json vcapApplication(const AppContext& ctx, const std::string& version) {
  json uris = ctx.uris;
  json v = {
      {"application_id", ctx.app->guid},
      {"application_name", ctx.app->name},
      {"application_uris", uris},
      {"application_version", version},
      {"cf_api", ctx.cf_api},
      {"limits", {{"mem", ctx.memory_mb}, {"disk", ctx.disk_mb}, {"fds", 16384}}},
      {"name", ctx.app->name},
      {"organization_id", ctx.org ? ctx.org->guid : ""},
      {"organization_name", ctx.org ? ctx.org->name : ""},
      {"space_id", ctx.space ? ctx.space->guid : ""},
      {"space_name", ctx.space ? ctx.space->name : ""},
      {"uris", uris},
      {"version", version},
  };
  if (ctx.process) {
    v["process_id"] = ctx.process->guid;
    v["process_type"] = ctx.process->type;
  }
  return v;
}

// Later keys win, as in Cloud Controller's merge order.
static std::vector<std::string> flatten(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<std::string> stagingEnvironment(const AppContext& ctx) {
  std::map<std::string, std::string> vars(ctx.app->env.begin(), ctx.app->env.end());
  vars["CF_STACK"] = ctx.app->stack;
  vars["VCAP_APPLICATION"] = vcapApplication(ctx, base::newGuid()).dump();
  vars["MEMORY_LIMIT"] = std::to_string(ctx.memory_mb) + "m";
  vars["VCAP_SERVICES"] = ctx.vcap_services.empty() ? "{}" : ctx.vcap_services;
  vars["LANG"] = "en_US.UTF-8";
  vars["HOME"] = "/home/vcap";
  vars["USER"] = "vcap";
  vars["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  return flatten(vars);
}

std::vector<std::string> runningEnvironment(const AppContext& ctx, const InstanceContext& inst) {
  std::map<std::string, std::string> vars(ctx.app->env.begin(), ctx.app->env.end());
  std::string version = ctx.process ? ctx.process->version : base::newGuid();
  vars["VCAP_APPLICATION"] = vcapApplication(ctx, version).dump();
  vars["MEMORY_LIMIT"] = std::to_string(ctx.memory_mb) + "m";
  vars["VCAP_SERVICES"] = ctx.vcap_services.empty() ? "{}" : ctx.vcap_services;
  std::string port = std::to_string(inst.port);
  vars["LANG"] = "en_US.UTF-8";
  vars["PORT"] = port;
  vars["VCAP_APP_PORT"] = port;
  vars["VCAP_APP_HOST"] = "0.0.0.0";
  vars["CF_INSTANCE_INDEX"] = std::to_string(inst.index);
  vars["INSTANCE_INDEX"] = std::to_string(inst.index);
  vars["CF_INSTANCE_GUID"] = inst.instance_guid;
  vars["INSTANCE_GUID"] = inst.instance_guid;
  vars["CF_INSTANCE_IP"] = inst.internal_ip;
  vars["CF_INSTANCE_INTERNAL_IP"] = inst.internal_ip;
  vars["CF_INSTANCE_PORT"] = port;
  vars["CF_INSTANCE_ADDR"] = inst.internal_ip + ":" + port;
  vars["CF_INSTANCE_PORTS"] =
      json::array({{{"external", inst.port}, {"internal", inst.port}}}).dump();
  vars["USER"] = "vcap";
  vars["HOME"] = "/home/vcap/app";
  vars["TMPDIR"] = "/home/vcap/tmp";
  vars["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  return flatten(vars);
}

std::vector<std::string> taskEnvironment(const AppContext& ctx, const std::string& task_guid,
                                         const std::string& internal_ip) {
  std::map<std::string, std::string> vars(ctx.app->env.begin(), ctx.app->env.end());
  vars.erase("PORT");  // a task listens nowhere
  vars["VCAP_APPLICATION"] = vcapApplication(ctx, base::newGuid()).dump();
  vars["MEMORY_LIMIT"] = std::to_string(ctx.memory_mb) + "m";
  vars["VCAP_SERVICES"] = ctx.vcap_services.empty() ? "{}" : ctx.vcap_services;
  vars["LANG"] = "en_US.UTF-8";
  vars["CF_INSTANCE_GUID"] = task_guid;
  vars["CF_INSTANCE_IP"] = internal_ip;
  vars["CF_INSTANCE_INTERNAL_IP"] = internal_ip;
  vars["USER"] = "vcap";
  vars["HOME"] = "/home/vcap/app";
  vars["TMPDIR"] = "/home/vcap/tmp";
  vars["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  return flatten(vars);
}

}  // namespace mcf::model
