// Discovery: GET / (the links the cf CLI reads first), /v3, /v3/info and the login server's /login.
#include "controller/api.h"
#include "controller/errors.h"
#include "controller/handlers.h"
#include "controller/presenters.h"

namespace mcf::controller {

namespace {

// The v3 version advertised: at least the CLI's minimum (3.160.0) and below the versions that
// switch on endpoints microcf does not have yet (CF-CONTRACT §1.1 item 3).
constexpr const char* kApiVersion = "3.180.0";

// Cloud Foundry's ssh proxy link. microcf's endpoint speaks microcf's own session protocol
// (see ssh_proxy.h), not SSH; the host is a name under the domain, as Cloud Foundry's is, and
// reaches the loopback address the endpoint listens on.
json appSsh(const Api& api) {
  if (api.config.ssh_port <= 0) return nullptr;
  return {{"href", fmt::format("ssh.{}:{}", api.config.domain, api.config.ssh_port)},
          {"meta", {{"host_key_fingerprint", nullptr}, {"oauth_client", "ssh-proxy"}}}};
}

}  // namespace

Reply getRoot(Api& api, const Call& call) {
  json href = {{"href", call.base_url}};
  json links = {
      {"self", href},
      {"cloud_controller_v2", nullptr},
      {"cloud_controller_v3", {{"href", call.base_url + "/v3"}, {"meta", {{"version", kApiVersion}}}}},
      {"uaa", href},
      {"login", href},
      {"log_cache", href},
      {"network_policy_v0", nullptr},
      {"network_policy_v1", nullptr},
      {"routing", nullptr},
      {"logging", nullptr},
      {"app_ssh", appSsh(api)},
      {"credhub", nullptr},
      {"bits_service", nullptr},
  };
  return jsonReply(200, {{"links", links}});
}

Reply getV3(Api& api, const Call&) {
  json links = {{"self", link(api, "/v3")}};
  for (const char* name :
       {"app_usage_events", "apps", "audit_events", "buildpacks", "builds", "deployments",
        "domains", "droplets", "environment_variable_groups", "feature_flags", "isolation_segments",
        "organization_quotas", "organizations", "packages", "processes", "resource_matches",
        "roles", "routes", "security_groups", "service_brokers", "service_credential_bindings",
        "service_instances", "service_offerings", "service_plans", "service_route_bindings",
        "service_usage_events", "space_quotas", "spaces", "stacks", "tasks", "users"}) {
    links[name] = link(api, std::string("/v3/") + name);
  }
  return jsonReply(200, {{"links", links}});
}

Reply getInfo(Api& api, const Call&) {
  return jsonReply(
      200, {{"build", std::string("microcf ") + MICROCF_VERSION},
            {"cli_version", {{"minimum", nullptr}, {"recommended", nullptr}}},
            {"custom", json::object()},
            {"description", "microcf: a laptop-sized Cloud Foundry in one binary"},
            {"name", "microcf"},
            {"version", 1},
            {"osbapi_version", "2.15"},
            {"rate_limits",
             {{"enabled", false}, {"general_limit", -1}, {"reset_interval_in_minutes", -1}}},
            {"links", {{"self", link(api, "/v3/info")}, {"support", {{"href", nullptr}}}}}});
}

// Only username and password prompts: the CLI asks for every prompt it is given.
Reply getLogin(Api& api, const Call& call) {
  return jsonReply(200, {{"app", {{"version", "4.30.0"}}},
                         {"links", {{"uaa", call.base_url},
                                    {"login", call.base_url},
                                    {"passwd", nullptr},
                                    {"register", nullptr}}},
                         {"zone_name", "uaa"},
                         {"entityID", "microcf"},
                         {"idpDefinitions", json::object()},
                         {"prompts", {{"username", {"text", "Email"}},
                                      {"password", {"password", "Password"}}}},
                         {"timestamp", base::formatTimestamp(api.nowSeconds())}});
}

// The platform's Prometheus metrics (ControllerConfig::metrics); public, as exporters are.
Reply getMetrics(Api& api, const Call&) {
  if (!api.config.metrics) return unknownRequest();
  http::Response r;
  r.status = 200;
  r.headers.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
  r.body = api.config.metrics();
  return r;
}

}  // namespace mcf::controller
