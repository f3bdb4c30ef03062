// An app's environment: GET /v3/apps/:guid/env and the environment_variables resource.
#include "controller/api.h"
#include "controller/app_ops.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/presenters.h"
#include "model/environment.h"
#include "store/store.h"

namespace mcf::controller {

namespace {

json envVarsBody(const Api& api, const model::App& app) {
  std::string self = "/v3/apps/" + app.guid + "/environment_variables";
  return {{"var", app.env},
          {"links", {{"self", link(api, self)}, {"app", link(api, "/v3/apps/" + app.guid)}}}};
}

}  // namespace

Reply getAppEnv(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kReadEnv);
  if (!app.ok()) return app.takeError();
  model::Process web = model::defaultProcess(app->guid, "web");
  if (auto found = api.store.getProcess(app->guid); found.ok()) web = *found;
  AppContextHolder holder;
  fillAppContext(api, *app, web.memory_in_mb, web.disk_in_mb, holder);
  json vcap_application = model::vcapApplication(holder.ctx, web.version);
  // System env (VCAP_SERVICES: the credentials) only for those who may read secrets; space
  // supporters see Cloud Controller's redaction instead.
  json system_env = {{"redacted_message", "[PRIVATE DATA HIDDEN]"}};
  if (api.authorize(call, Action::kReadSecrets, app->space_guid, "App").ok())
    system_env = {{"VCAP_SERVICES", json::parse(holder.ctx.vcap_services)}};
  return jsonReply(200, {{"environment_variables", app->env},
                         {"staging_env_json", json::object()},
                         {"running_env_json", json::object()},
                         {"system_env_json", std::move(system_env)},
                         {"application_env_json", {{"VCAP_APPLICATION", vcap_application}}}});
}

Reply getEnvVars(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kReadEnv);
  if (!app.ok()) return app.takeError();
  return jsonReply(200, envVarsBody(api, *app));
}

// {"var":{"K":"v","DEL":null}}: merged into the app's variables; null deletes one.
Reply patchEnvVars(Api& api, const Call& call) {
  auto app = api.app(call, call.param("guid"), Action::kWriteLifecycle);
  if (!app.ok()) return app.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"var"}));
  auto var = body->find("var");
  if (var == body->end())
    return base::makeError(base::Errc::kInvalid, "Var is required: send {{\"var\": {{\"NAME\": "
                                                 "\"value\"}}}}");
  MCF_TRY(mergeEnv(*var, app->env));
  MCF_TRY(api.store.updateApp(*app));
  recordAppEvent(api, call, "audit.app.update",
                 *app, {{"request", {{"environment_variables", "[PRIVATE DATA HIDDEN]"}}}});
  return jsonReply(200, envVarsBody(api, *app));
}

}  // namespace mcf::controller
