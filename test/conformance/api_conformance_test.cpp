// Conformance of the API to CF-CONTRACT §1.1–§1.4, one table row per endpoint: the status, the
// JSON shape (the fields the cf CLI reads, with their types), pagination and its links, the
// documented filters, the error bodies (unknown guid, no token, bad tokens) and the request id.
#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "auth/token_service.h"
#include "base/strutil.h"
#include "controller/testing/harness.h"
#include "controller/testing/shape.h"

using namespace mcf;
using namespace mcf::controller;
using namespace mcf::controller::testing;

namespace {

json rel(const std::string& guid) { return {{"data", {{"guid", guid}}}}; }

// One of every resource microcf serves, made through the API as a cf CLI user would: app
// "conf" staged, started with one RUNNING instance, a route mapped to it, a task, a
// user-provided service bound to it, an active rolling deployment, an admin buildpack, a log
// line and a finished apply_manifest job. ids names each guid for the tables' {placeholders}.
struct World {
  Harness h;
  std::map<std::string, std::string> ids;

  World() {
    ids["space"] = h.spaceGuid();
    ids["org"] = h.call("GET", "/v3/organizations")["resources"][0]["guid"];
    ids["domain"] = h.call("GET", "/v3/domains?names=localhost")["resources"][0]["guid"];
    std::string app = h.stagedApp("conf");
    ids["app"] = app;
    ids["process"] = h.call("GET", "/v3/apps/" + app + "/processes")["resources"][0]["guid"];
    ids["droplet"] = h.call("GET", "/v3/apps/" + app + "/droplets/current")["guid"];
    ids["package"] = h.call("GET", "/v3/apps/" + app + "/packages")["resources"][0]["guid"];
    ids["build"] = h.call("GET", "/v3/apps/" + app + "/builds")["resources"][0]["guid"];
    REQUIRE(h.as_admin("POST", "/v3/apps/" + app + "/actions/start").status == 200);
    InstanceStatus running;
    running.index = 0;
    running.state = model::InstanceState::kRunning;
    running.instance_guid = "0b7d1d5e-4a1c-4c9e-9a8e-000000000001";
    running.host = "10.0.0.2";
    running.port = 8080;
    running.uptime_s = 12;
    running.mem_bytes = 1 << 20;
    running.disk_bytes = 1 << 20;
    running.cpu = 0.5;
    running.routable = true;
    h.runtime.statuses[ids["process"]] = {running};

    http::Response route = h.as_admin(
        "POST", "/v3/routes",
        json({{"host", "conf"},
              {"relationships", {{"space", rel(ids["space"])}, {"domain", rel(ids["domain"])}}}})
            .dump());
    REQUIRE(route.status == 201);
    ids["route"] = json::parse(route.body)["guid"];
    http::Response dest = h.as_admin(
        "POST", "/v3/routes/" + ids["route"] + "/destinations",
        json({{"destinations", {{{"app", {{"guid", app}, {"process", {{"type", "web"}}}}}}}}})
            .dump());
    REQUIRE(dest.status == 200);
    ids["destination"] = json::parse(dest.body)["destinations"][0]["guid"];

    http::Response task = h.as_admin("POST", "/v3/apps/" + app + "/tasks",
                                     json({{"command", "echo hi"}, {"name", "once"}}).dump());
    REQUIRE(task.status == 202);
    ids["task"] = json::parse(task.body)["guid"];

    http::Response si = h.as_admin(
        "POST", "/v3/service_instances",
        json({{"type", "user-provided"},
              {"name", "db"},
              {"credentials", {{"uri", "postgres://u:p@db:5432/x"}}},
              {"relationships", {{"space", rel(ids["space"])}}}})
            .dump());
    REQUIRE(si.status == 201);
    ids["service_instance"] = json::parse(si.body)["guid"];
    http::Response binding = h.as_admin(
        "POST", "/v3/service_credential_bindings",
        json({{"type", "app"},
              {"relationships",
               {{"service_instance", rel(ids["service_instance"])}, {"app", rel(app)}}}})
            .dump());
    REQUIRE(binding.status == 201);
    ids["binding"] = json::parse(binding.body)["guid"];

    http::Response deployment = h.as_admin(
        "POST", "/v3/deployments",
        json({{"droplet", {{"guid", ids["droplet"]}}}, {"relationships", {{"app", rel(app)}}}})
            .dump());
    REQUIRE(deployment.status == 201);
    ids["deployment"] = json::parse(deployment.body)["guid"];

    http::Response bp = h.as_admin("POST", "/v3/buildpacks", json({{"name", "conf_bp"}}).dump());
    REQUIRE(bp.status == 201);
    ids["buildpack"] = json::parse(bp.body)["guid"];
    ids["stack"] = h.call("GET", "/v3/stacks")["resources"][0]["guid"];
    ids["audit_event"] = h.call("GET", "/v3/audit_events")["resources"][0]["guid"];

    http::Response job = h.as_admin("POST", "/v3/spaces/" + ids["space"] + "/actions/apply_manifest",
                                    "applications:\n- name: conf\n",
                                    {{"Content-Type", "application/x-yaml"}});
    REQUIRE(job.status == 202);
    REQUIRE(job.header("Location"));
    std::string location = *job.header("Location");
    ids["job"] = location.substr(location.rfind('/') + 1);

    h.logs.emit(app, "APP/PROC/WEB", "0", false, "hello from conf");
  }

  // "/v3/apps/{app}" with the guids filled in; only {lowercase_name} is a placeholder, so JSON
  // bodies keep their braces.
  std::string fill(std::string target) const {
    size_t open = 0;
    while ((open = target.find('{', open)) != std::string::npos) {
      size_t close = open + 1;
      while (close < target.size() && (std::islower(static_cast<unsigned char>(target[close])) ||
                                       target[close] == '_'))
        ++close;
      if (close == open + 1 || close == target.size() || target[close] != '}') {
        ++open;
        continue;
      }
      std::string name = target.substr(open + 1, close - open - 1);
      auto it = ids.find(name);
      REQUIRE_MESSAGE(it != ids.end(), "no id named " << name);
      target.replace(open, close - open + 1, it->second);
      open += it->second.size();
    }
    return target;
  }
};

json parsed(const http::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  return j;
}

// Per-resource shapes: §1.2's common fields plus what §1.4 says the CLI reads.
Shape appShape() {
  return resourceBase() + Shape{{"name", T::kString},
                                {"state", T::kString},
                                {"lifecycle.type", T::kString},
                                {"lifecycle.data.buildpacks", T::kArray},
                                {"lifecycle.data.stack", T::kStringOrNull},
                                {"relationships.space.data.guid", T::kGuid},
                                {"relationships.current_droplet.data", T::kObjectOrNull},
                                {"links.processes.href", T::kUrl},
                                {"links.packages.href", T::kUrl},
                                {"links.environment_variables.href", T::kUrl},
                                {"links.current_droplet.href", T::kUrl},
                                {"links.droplets.href", T::kUrl},
                                {"links.tasks.href", T::kUrl},
                                {"links.start.href", T::kUrl},
                                {"links.start.method", T::kString},
                                {"links.stop.href", T::kUrl},
                                {"links.stop.method", T::kString},
                                {"links.revisions.href", T::kUrl},
                                {"links.features.href", T::kUrl}};
}
Shape processShape() {
  return resourceBase() + Shape{{"type", T::kString},
                                {"command", T::kStringOrNull},
                                {"user", T::kString},
                                {"instances", T::kInt},
                                {"memory_in_mb", T::kInt},
                                {"disk_in_mb", T::kInt},
                                {"log_rate_limit_in_bytes_per_second", T::kInt},
                                {"health_check.type", T::kString},
                                {"health_check.data", T::kObject},
                                {"health_check.data.timeout", T::kIntOrNull},
                                {"health_check.data.invocation_timeout", T::kIntOrNull},
                                {"readiness_health_check.type", T::kString},
                                {"readiness_health_check.data", T::kObject},
                                {"version", T::kGuid},
                                {"relationships.app.data.guid", T::kGuid},
                                {"relationships.revision", T::kObject},
                                {"links.scale.href", T::kUrl},
                                {"links.app.href", T::kUrl},
                                {"links.space.href", T::kUrl},
                                {"links.stats.href", T::kUrl}};
}
Shape packageShape() {
  return resourceBase() + Shape{{"type", T::kString},
                                {"data.checksum.type", T::kString},
                                {"data.checksum.value", T::kStringOrNull},
                                {"data.error", T::kStringOrNull},
                                {"state", T::kString},
                                {"links.upload.href", T::kUrl},
                                {"links.upload.method", T::kString},
                                {"links.download.href", T::kUrl},
                                {"links.app.href", T::kUrl}};
}
Shape buildShape() {
  return resourceBase() + Shape{{"state", T::kString},
                                {"error", T::kStringOrNull},
                                {"lifecycle.type", T::kString},
                                {"lifecycle.data", T::kObject},
                                {"package.guid", T::kGuid},
                                {"droplet", T::kObjectOrNull},
                                {"created_by.guid", T::kString},
                                {"created_by.name", T::kString},
                                {"created_by.email", T::kString},
                                {"staging_memory_in_mb", T::kInt},
                                {"staging_disk_in_mb", T::kInt},
                                {"staging_log_rate_limit_bytes_per_second", T::kInt},
                                {"relationships.app.data.guid", T::kGuid}};
}
Shape dropletShape() {
  return resourceBase() + Shape{{"state", T::kString},
                                {"process_types", T::kObject},
                                {"execution_metadata", T::kString},
                                {"checksum", T::kObjectOrNull},
                                {"buildpacks", T::kArray},
                                {"stack", T::kStringOrNull},
                                {"image", T::kStringOrNull},
                                {"links.package.href", T::kUrl},
                                {"links.app.href", T::kUrl},
                                {"links.assign_current_droplet.href", T::kUrl},
                                {"links.assign_current_droplet.method", T::kString},
                                {"links.download.href", T::kUrl}};
}
Shape routeShape() {
  return resourceBase() + Shape{{"protocol", T::kString},
                                {"host", T::kString},
                                {"path", T::kString},
                                {"port", T::kIntOrNull},
                                {"url", T::kString},
                                {"destinations", T::kArray},
                                {"options", T::kObject},
                                {"relationships.space.data.guid", T::kGuid},
                                {"relationships.domain.data.guid", T::kGuid},
                                {"links.destinations.href", T::kUrl}};
}
Shape destinationShape() {
  return {{"guid", T::kGuid},
          {"app.guid", T::kGuid},
          {"app.process.type", T::kString},
          {"port", T::kInt},
          {"protocol", T::kString}};
}
Shape orgShape() {
  return resourceBase() + Shape{{"name", T::kString}, {"suspended", T::kBool},
                                {"relationships.quota", T::kObject}};
}
Shape spaceShape() {
  return resourceBase() + Shape{{"name", T::kString},
                                {"relationships.organization.data.guid", T::kGuid}};
}
Shape domainShape() {
  return resourceBase() + Shape{{"name", T::kString},
                                {"internal", T::kBool},
                                {"supported_protocols", T::kArray},
                                {"relationships.organization.data", T::kObjectOrNull},
                                {"relationships.shared_organizations.data", T::kArray}};
}
Shape stackShape() {
  return resourceBase() + Shape{{"name", T::kString}, {"description", T::kStringOrNull},
                                {"default", T::kBool}};
}
Shape buildpackShape() {
  return resourceBase() + Shape{{"name", T::kString},
                                {"state", T::kString},
                                {"position", T::kInt},
                                {"enabled", T::kBool},
                                {"locked", T::kBool},
                                {"stack", T::kStringOrNull},
                                {"filename", T::kStringOrNull},
                                {"links.upload.href", T::kUrl}};
}
Shape taskShape() {
  return resourceBase() + Shape{{"sequence_id", T::kInt},
                                {"name", T::kString},
                                {"state", T::kString},
                                {"memory_in_mb", T::kInt},
                                {"disk_in_mb", T::kInt},
                                {"result.failure_reason", T::kStringOrNull},
                                {"droplet_guid", T::kGuid},
                                {"relationships.app.data.guid", T::kGuid},
                                {"links.app.href", T::kUrl},
                                {"links.cancel.href", T::kUrl}};
}
Shape serviceInstanceShape() {
  return resourceBase() + Shape{{"name", T::kString},
                                {"type", T::kString},
                                {"tags", T::kArray},
                                {"syslog_drain_url", T::kStringOrNull},
                                {"route_service_url", T::kStringOrNull},
                                {"last_operation.type", T::kString},
                                {"last_operation.state", T::kString},
                                {"relationships.space.data.guid", T::kGuid}};
}
Shape bindingShape() {
  return resourceBase() + Shape{{"name", T::kStringOrNull},
                                {"type", T::kString},
                                {"last_operation.state", T::kString},
                                {"relationships.app.data.guid", T::kGuid},
                                {"relationships.service_instance.data.guid", T::kGuid},
                                {"links.details.href", T::kUrl},
                                {"links.service_instance.href", T::kUrl}};
}
Shape deploymentShape() {
  return resourceBase() + Shape{{"state", T::kString},
                                {"status.value", T::kString},
                                {"status.reason", T::kString},
                                {"status.details", T::kObject},
                                {"strategy", T::kString},
                                {"droplet.guid", T::kGuid},
                                {"previous_droplet", T::kObjectOrNull},
                                {"new_processes", T::kArray},
                                {"new_processes.0.guid", T::kGuid},
                                {"new_processes.0.type", T::kString},
                                {"relationships.app.data.guid", T::kGuid}};
}
Shape auditEventShape() {
  return Shape{{"guid", T::kGuid},          {"created_at", T::kTime},
               {"updated_at", T::kTime},    {"type", T::kString},
               {"actor.guid", T::kString},  {"actor.type", T::kString},
               {"actor.name", T::kString},  {"target.guid", T::kString},
               {"target.type", T::kString}, {"target.name", T::kString},
               {"data", T::kObject},        {"links.self.href", T::kUrl}};
}
Shape jobShape() {
  return Shape{{"guid", T::kGuid},     {"created_at", T::kTime},   {"updated_at", T::kTime},
               {"operation", T::kString}, {"state", T::kString},   {"errors", T::kArray},
               {"warnings", T::kArray},   {"links.self.href", T::kUrl}};
}
Shape statsShape() {
  return Shape{{"type", T::kString},
               {"index", T::kInt},
               {"instance_guid", T::kString},
               {"state", T::kString},
               {"routable", T::kBool},
               {"usage", T::kObject},
               {"usage.time", T::kString},
               {"usage.cpu", T::kNumber},
               {"usage.mem", T::kInt},
               {"usage.disk", T::kInt},
               {"host", T::kString},
               {"instance_internal_ip", T::kString},
               {"instance_ports", T::kArray},
               {"instance_ports.0.external", T::kInt},
               {"instance_ports.0.internal", T::kInt},
               {"uptime", T::kInt},
               {"mem_quota", T::kInt},
               {"disk_quota", T::kInt},
               {"log_rate_limit", T::kInt},
               {"fds_quota", T::kInt},
               {"isolation_segment", T::kStringOrNull},
               {"details", T::kStringOrNull}};
}

// A GET of one resource: its shape, the path its self link ends with, and (when the guid is
// the last segment) the 404 for an unknown guid.
struct ResourceRow {
  const char* target;
  Shape (*shape)();
  const char* self;         // the self link's path; nullptr: no self link to compare
  const char* unknown;      // the same with an unknown guid, or nullptr
  const char* not_found;    // the detail's resource ("App" for "App not found"), or nullptr
};

const ResourceRow kResources[] = {
    {"/v3/apps/{app}", appShape, "/v3/apps/{app}", "/v3/apps/{unknown}", "App"},
    {"/v3/processes/{process}", processShape, "/v3/processes/{process}",
     "/v3/processes/{unknown}", "Process"},
    {"/v3/apps/{app}/processes/web", processShape, "/v3/processes/{process}",
     "/v3/apps/{unknown}/processes/web", "App"},
    {"/v3/packages/{package}", packageShape, "/v3/packages/{package}", "/v3/packages/{unknown}",
     "Package"},
    {"/v3/builds/{build}", buildShape, "/v3/builds/{build}", "/v3/builds/{unknown}", "Build"},
    {"/v3/droplets/{droplet}", dropletShape, "/v3/droplets/{droplet}", "/v3/droplets/{unknown}",
     "Droplet"},
    {"/v3/apps/{app}/droplets/current", dropletShape, "/v3/droplets/{droplet}",
     "/v3/apps/{unknown}/droplets/current", "App"},
    {"/v3/routes/{route}", routeShape, "/v3/routes/{route}", "/v3/routes/{unknown}", "Route"},
    {"/v3/organizations/{org}", orgShape, "/v3/organizations/{org}",
     "/v3/organizations/{unknown}", "Organization"},
    {"/v3/organizations/{org}/domains/default", domainShape, "/v3/domains/{domain}",
     "/v3/organizations/{unknown}/domains/default", "Organization"},
    {"/v3/spaces/{space}", spaceShape, "/v3/spaces/{space}", "/v3/spaces/{unknown}", "Space"},
    {"/v3/domains/{domain}", domainShape, "/v3/domains/{domain}", "/v3/domains/{unknown}",
     "Domain"},
    {"/v3/stacks/{stack}", stackShape, "/v3/stacks/{stack}", "/v3/stacks/{unknown}", "Stack"},
    {"/v3/buildpacks/{buildpack}", buildpackShape, "/v3/buildpacks/{buildpack}",
     "/v3/buildpacks/{unknown}", "Buildpack"},
    {"/v3/tasks/{task}", taskShape, "/v3/tasks/{task}", "/v3/tasks/{unknown}", "Task"},
    {"/v3/service_instances/{service_instance}", serviceInstanceShape,
     "/v3/service_instances/{service_instance}", "/v3/service_instances/{unknown}",
     "Service instance"},
    {"/v3/service_credential_bindings/{binding}", bindingShape,
     "/v3/service_credential_bindings/{binding}", "/v3/service_credential_bindings/{unknown}",
     "Service credential binding"},
    {"/v3/deployments/{deployment}", deploymentShape, "/v3/deployments/{deployment}",
     "/v3/deployments/{unknown}", "Deployment"},
    {"/v3/audit_events/{audit_event}", auditEventShape, "/v3/audit_events/{audit_event}",
     "/v3/audit_events/{unknown}", "Event"},
    {"/v3/jobs/{job}", jobShape, "/v3/jobs/{job}", "/v3/jobs/{unknown}", "Job"},
};

// A list: its item shape, and filters each with the number of resources the World has for it.
struct Filter {
  const char* query;
  int expected;
};
struct ListRow {
  const char* path;
  Shape (*shape)();
  std::vector<Filter> filters;
};

const std::vector<ListRow>& listRows() {
  static const std::vector<ListRow> rows = {
      {"/v3/apps", appShape,
       {{"names=conf", 1}, {"names=nope", 0}, {"names=nope,conf", 1}, {"guids={app}", 1},
        {"space_guids={space}", 1}, {"space_guids={unknown}", 0},
        {"organization_guids={org}", 1}, {"organization_guids={unknown}", 0},
        {"guids={unknown}", 0}, {"names=conf&space_guids={space}", 1},
        {"names=conf&space_guids={unknown}", 0}}},
      {"/v3/processes", processShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"types=web", 1},
        {"types=worker", 0}, {"guids={process}", 1}, {"guids={unknown}", 0},
        {"space_guids={space}", 1}, {"space_guids={unknown}", 0}}},
      {"/v3/apps/{app}/processes", processShape, {{"types=web", 1}, {"types=worker", 0}}},
      {"/v3/packages", packageShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"states=READY", 1},
        {"states=FAILED", 0}, {"types=bits", 1}, {"types=docker", 0}, {"guids={package}", 1},
        {"guids={unknown}", 0}, {"space_guids={space}", 1}, {"space_guids={unknown}", 0},
        {"organization_guids={org}", 1}, {"organization_guids={unknown}", 0}}},
      {"/v3/apps/{app}/packages", packageShape, {{"states=READY", 1}, {"states=FAILED", 0}}},
      {"/v3/builds", buildShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"states=STAGED", 1},
        {"states=FAILED", 0}, {"package_guids={package}", 1}, {"package_guids={unknown}", 0}}},
      {"/v3/apps/{app}/builds", buildShape, {{"states=STAGED", 1}, {"states=STAGING", 0}}},
      {"/v3/droplets", dropletShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"states=STAGED", 1},
        {"states=FAILED", 0}, {"guids={droplet}", 1}, {"guids={unknown}", 0},
        {"space_guids={space}", 1}, {"space_guids={unknown}", 0},
        {"organization_guids={org}", 1}, {"organization_guids={unknown}", 0}}},
      {"/v3/apps/{app}/droplets", dropletShape, {{"states=STAGED", 1}, {"states=FAILED", 0}}},
      {"/v3/routes", routeShape,
       {{"hosts=conf", 1}, {"hosts=nope", 0}, {"app_guids={app}", 1},
        {"app_guids={unknown}", 0}, {"space_guids={space}", 1}, {"space_guids={unknown}", 0},
        {"domain_guids={domain}", 1}, {"domain_guids={unknown}", 0},
        {"organization_guids={org}", 1}, {"organization_guids={unknown}", 0}, {"paths=", 1},
        {"paths=/x", 0}}},
      {"/v3/apps/{app}/routes", routeShape, {{"hosts=conf", 1}, {"hosts=nope", 0}}},
      {"/v3/organizations", orgShape,
       {{"names=microcf", 1}, {"names=nope", 0}, {"guids={org}", 1}, {"guids={unknown}", 0}}},
      {"/v3/spaces", spaceShape,
       {{"names=dev", 1}, {"names=nope", 0}, {"organization_guids={org}", 1},
        {"organization_guids={unknown}", 0}, {"names=dev&organization_guids={org}", 1},
        {"guids={space}", 1}, {"guids={unknown}", 0}}},
      {"/v3/domains", domainShape, {{"names=localhost", 1}, {"names=nope", 0}, {"guids={domain}", 1},
                                   {"guids={unknown}", 0}}},
      {"/v3/organizations/{org}/domains", domainShape, {{"names=localhost", 1}, {"names=nope", 0}}},
      {"/v3/stacks", stackShape, {{"names=host", 1}, {"names=nope", 0}}},
      {"/v3/buildpacks", buildpackShape, {{"names=conf_bp", 1}, {"names=nope", 0}}},
      {"/v3/tasks", taskShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"names=once", 1}, {"names=nope", 0},
        {"guids={task}", 1}, {"guids={unknown}", 0}, {"space_guids={space}", 1},
        {"space_guids={unknown}", 0}, {"organization_guids={org}", 1},
        {"organization_guids={unknown}", 0}, {"states=PENDING,RUNNING", 1},
        {"states=SUCCEEDED", 0}}},
      {"/v3/apps/{app}/tasks", taskShape, {{"names=once", 1}, {"names=nope", 0}}},
      {"/v3/service_instances", serviceInstanceShape,
       {{"names=db", 1}, {"names=nope", 0}, {"space_guids={space}", 1},
        {"space_guids={unknown}", 0}, {"type=user-provided", 1}, {"type=managed", 0}}},
      {"/v3/service_credential_bindings", bindingShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0},
        {"service_instance_guids={service_instance}", 1},
        {"service_instance_guids={unknown}", 0}, {"service_instance_names=db", 1},
        {"service_instance_names=nope", 0}, {"app_names=conf", 1}, {"app_names=nope", 0},
        {"type=app", 1}, {"type=key", 0}}},
      {"/v3/deployments", deploymentShape,
       {{"app_guids={app}", 1}, {"app_guids={unknown}", 0}, {"status_values=ACTIVE", 1},
        {"status_values=FINALIZED", 0}, {"states=DEPLOYING", 1}, {"states=CANCELED", 0},
        {"app_guids={app}&status_values=ACTIVE&order_by=-created_at&per_page=1", 1}}},
      {"/v3/audit_events", auditEventShape,
       {{"target_guids={app}", -1}, {"target_guids={unknown}", 0}, {"types=audit.app.create", 1},
        {"types=nope", 0}, {"space_guids={space}", -1}, {"space_guids={unknown}", 0}}},
  };
  return rows;
}

// Ends with "path" (after filling) and is absolute.
void checkLink(const json& link, const std::string& path, const std::string& what) {
  CHECK_MESSAGE(isAbsoluteUrl(link), what << ": " << link.dump());
  if (!link.is_string()) return;
  std::string href = link;
  bool ends = href.size() >= path.size() &&
              href.compare(href.size() - path.size(), path.size(), path) == 0;
  CHECK_MESSAGE(ends, what << ": " << href << " does not end with " << path);
}

}  // namespace

TEST_CASE("conformance: every resource GET answers 200 with the shape the cf CLI reads") {
  World w;
  w.ids["unknown"] = "00000000-0000-4000-8000-000000000000";
  for (const ResourceRow& row : kResources) {
    std::string target = w.fill(row.target);
    CAPTURE(target);
    http::Response r = w.h.as_admin("GET", target);
    CHECK(r.status == 200);
    json j = parsed(r);
    REQUIRE(j.is_object());
    checkShape(j, row.shape(), target);
    if (row.self && j.contains(pointerOf("links.self.href")))
      checkLink(j["links"]["self"]["href"], w.fill(row.self), target + " self link");
  }
}

TEST_CASE("conformance: an unknown guid is 404 CF-ResourceNotFound naming the resource") {
  World w;
  w.ids["unknown"] = "00000000-0000-4000-8000-000000000000";
  for (const ResourceRow& row : kResources) {
    if (!row.unknown) continue;
    std::string target = w.fill(row.unknown);
    CAPTURE(target);
    http::Response r = w.h.as_admin("GET", target);
    CHECK(r.status == 404);
    json j = parsed(r);
    checkError(j, 10010, "CF-ResourceNotFound", target);
    if (row.not_found && j.contains("errors"))
      CHECK(j["errors"][0].value("detail", "") == std::string(row.not_found) + " not found");
  }
  // Sub-resources and actions of unknown parents, as the CLI calls them.
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v3/apps/{unknown}/env"},
           {"GET", "/v3/apps/{unknown}/environment_variables"},
           {"GET", "/v3/apps/{unknown}/processes"},
           {"GET", "/v3/apps/{unknown}/routes"},
           {"GET", "/v3/apps/{unknown}/droplets"},
           {"GET", "/v3/apps/{unknown}/tasks"},
           {"GET", "/v3/processes/{unknown}/stats"},
           {"GET", "/v3/processes/{unknown}/sidecars"},
           {"GET", "/v3/routes/{unknown}/destinations"},
           {"GET", "/v3/service_instances/{unknown}/credentials"},
           {"POST", "/v3/apps/{unknown}/actions/start"},
           {"POST", "/v3/apps/{unknown}/actions/stop"},
           {"POST", "/v3/apps/{unknown}/actions/restart"},
           {"DELETE", "/v3/apps/{unknown}"},
           {"DELETE", "/v3/routes/{unknown}"},
           {"DELETE", "/v3/service_instances/{unknown}"},
           {"DELETE", "/v3/service_credential_bindings/{unknown}"},
           {"POST", "/v3/spaces/{unknown}/actions/apply_manifest"},
       }) {
    std::string filled = w.fill(target);
    CAPTURE(method);
    CAPTURE(filled);
    bool manifest = filled.find("apply_manifest") != std::string::npos;
    http::Response r = w.h.as_admin(method, filled, manifest ? "applications:\n- name: x\n" : "");
    CHECK(r.status == 404);
    checkError(parsed(r), 10010, "CF-ResourceNotFound", method + " " + filled);
  }
}

TEST_CASE("conformance: every list is paginated with absolute links that keep its filters") {
  World w;
  w.ids["unknown"] = "00000000-0000-4000-8000-000000000000";
  for (const ListRow& row : listRows()) {
    std::string path = w.fill(row.path);
    CAPTURE(path);
    json all = parsed(w.h.as_admin("GET", path));
    checkShape(all, paginationShape(), path);
    if (!all.contains("resources")) continue;
    REQUIRE_MESSAGE(!all["resources"].empty(), path << " has nothing to check the shape of");
    for (const json& item : all["resources"]) checkShape(item, row.shape(), path + " item");
    int64_t total = all["pagination"]["total_results"];
    CHECK(total == static_cast<int64_t>(all["resources"].size()));
    CHECK(all["pagination"]["total_pages"] == 1);
    CHECK(all["pagination"]["next"].is_null());
    CHECK(all["pagination"]["previous"].is_null());
    checkLink(all["pagination"]["first"]["href"], path + "?page=1&per_page=50", path + " first");
    checkLink(all["pagination"]["last"]["href"], path + "?page=1&per_page=50", path + " last");

    // per_page=1: a page per resource; next/previous/last keep the filter.
    if (total >= 1) {
      std::string q = path + "?per_page=1&order_by=-created_at";
      json first = parsed(w.h.as_admin("GET", q));
      CHECK(first["resources"].size() == 1);
      CHECK(first["pagination"]["total_results"] == total);
      CHECK(first["pagination"]["total_pages"] == total);
      CHECK(first["pagination"]["previous"].is_null());
      if (total > 1) {
        REQUIRE(first["pagination"]["next"].is_object());
        std::string next = first["pagination"]["next"]["href"];
        CHECK(isAbsoluteUrl(next));
        CHECK(next.find("page=2") != std::string::npos);
        CHECK(next.find("per_page=1") != std::string::npos);
        CHECK(next.find("order_by=-created_at") != std::string::npos);
        json second = parsed(w.h.as_admin("GET", next.substr(next.find(path))));
        CHECK(second["pagination"]["previous"].is_object());
        CHECK(second["resources"].size() == 1);
        CHECK(second["resources"][0] != first["resources"][0]);
      }
    }
    // A page past the end: no resources, the same totals, previous points back.
    json past = parsed(w.h.as_admin("GET", path + "?page=" + std::to_string(total + 5)));
    CHECK(past["resources"].empty());
    CHECK(past["pagination"]["total_results"] == total);
    CHECK(past["pagination"]["next"].is_null());
    CHECK(past["pagination"]["previous"].is_object());

    // per_page bounds.
    for (const char* bad : {"per_page=0", "per_page=5001", "per_page=-1", "per_page=x",
                            "page=0", "page=x"}) {
      http::Response r = w.h.as_admin("GET", path + "?" + bad);
      CHECK_MESSAGE(r.status == 400, path << "?" << bad);
      checkError(parsed(r), 10005, "CF-BadQueryParameter", path + "?" + bad);
    }
    for (const char* good : {"per_page=1", "per_page=5000"})
      CHECK_MESSAGE(w.h.as_admin("GET", path + "?" + good).status == 200, path << "?" << good);

    // Documented filters, each alone; the links keep the filter.
    for (const Filter& f : row.filters) {
      std::string q = w.fill(f.query);
      std::string target = path + "?" + q;
      CAPTURE(target);
      http::Response r = w.h.as_admin("GET", target);
      CHECK(r.status == 200);
      json j = parsed(r);
      if (!j.contains("pagination")) continue;
      if (f.expected >= 0) {
        CHECK(j["pagination"]["total_results"] == f.expected);
      } else {
        CHECK(j["pagination"]["total_results"].get<int>() >= 1);
      }
      std::string first = j["pagination"]["first"]["href"];
      for (const std::string& piece : base::split(q, '&')) {
        if (piece.rfind("per_page=", 0) == 0) continue;
        CHECK_MESSAGE(first.find(piece) != std::string::npos, first << " lacks " << piece);
      }
    }
  }
}

TEST_CASE("conformance: the API answers 401 without a token and for bad ones, on every list") {
  World w;
  model::User admin = w.h.store().findUserByName("admin").value();
  auth::TokenService other("another-signing-key", "http://api.localhost:8080/oauth/token",
                           w.h.clock);
  base::FakeClock long_ago;
  long_ago.setNowNs(w.h.clock.nowNs() - int64_t{2} * auth::TokenService::kAccessTtlSeconds *
                                            1000000000LL);
  auth::TokenService past("test-signing-key", "http://api.localhost:8080/oauth/token", long_ago);
  std::string good = w.h.login("admin", w.h.admin_password);
  std::string refresh = json::parse(w.h
                                        .request("POST", "/oauth/token",
                                                 "grant_type=password&username=admin&password=" +
                                                     w.h.admin_password,
                                                 {{"Authorization", "Basic Y2Y6"}})
                                        .body)["refresh_token"];
  struct Bad {
    const char* what;
    std::string header;
  };
  const std::vector<Bad> bad = {
      {"garbage", "bearer not-a-jwt"},
      {"three garbage segments", "bearer aaa.bbb.ccc"},
      {"signed with another key", "bearer " + other.issueAccess(admin, "password")},
      {"expired", "bearer " + past.issueAccess(admin, "password")},
      {"a refresh token", "bearer " + refresh},
      {"tampered signature", "bearer " + good.substr(0, good.rfind('.') + 1) + "c2lnbmF0dXJl"},
  };
  std::vector<std::string> targets;
  for (const ListRow& row : listRows()) targets.push_back(w.fill(row.path));
  for (const ResourceRow& row : kResources) targets.push_back(w.fill(row.target));
  targets.push_back(w.fill("/api/v1/read/{app}"));
  for (const std::string& target : targets) {
    CAPTURE(target);
    http::Response none = w.h.request("GET", target);
    CHECK(none.status == 401);
    checkError(parsed(none), 10002, "CF-NotAuthenticated", target + " without a token");
    for (const Bad& b : bad) {
      http::Response r = w.h.request("GET", target, "", {{"Authorization", b.header}});
      CHECK_MESSAGE(r.status == 401, target << " with " << b.what);
      checkError(parsed(r), 1000, "CF-InvalidAuthToken", target + " with " + b.what);
    }
    CHECK(w.h.request("GET", target, "", {{"Authorization", "bearer " + good}}).status == 200);
  }
  // Writes too.
  http::Response write = w.h.request("POST", "/v3/apps", json({{"name", "x"}}).dump());
  CHECK(write.status == 401);
  checkError(parsed(write), 10002, "CF-NotAuthenticated", "POST /v3/apps without a token");
  // The public discovery endpoints need no token.
  for (const char* open : {"/", "/v3", "/v3/info", "/login", "/api/v1/info"})
    CHECK_MESSAGE(w.h.request("GET", open).status == 200, open);
}

TEST_CASE("conformance: X-Vcap-Request-Id is echoed on success, errors and unknown paths") {
  World w;
  w.ids["unknown"] = "00000000-0000-4000-8000-000000000000";
  int n = 0;
  auto check = [&](const std::string& method, const std::string& target, bool token) {
    std::string id = "conf-req-" + std::to_string(++n);
    http::Headers headers = {{"X-Vcap-Request-Id", id}};
    http::Response r = token ? w.h.as_admin(method, target, "", headers)
                             : w.h.request(method, target, "", headers);
    const std::string* echoed = r.header("X-Vcap-Request-Id");
    REQUIRE_MESSAGE(echoed, method << " " << target);
    CHECK_MESSAGE(*echoed == id, method << " " << target);
  };
  for (const ResourceRow& row : kResources) check("GET", w.fill(row.target), true);
  for (const ResourceRow& row : kResources) check("GET", w.fill(row.unknown), true);
  for (const ListRow& row : listRows()) check("GET", w.fill(row.path) + "?per_page=0", true);
  check("GET", "/v3/apps", false);
  check("GET", "/", false);
  check("GET", "/v3/nothing-here", true);
  check("POST", "/oauth/token", false);
  check("GET", w.fill("/api/v1/read/{app}"), true);
}

TEST_CASE("conformance: an unknown path is 404 CF-NotFound, bad JSON 400 CF-MessageParseError") {
  Harness h;
  http::Response r = h.as_admin("GET", "/v3/nothing-here");
  CHECK(r.status == 404);
  json j = parsed(r);
  checkShape(j, {{"errors.0.code", T::kInt}, {"errors.0.title", T::kString},
                 {"errors.0.detail", T::kString}},
             "unknown path");
  CHECK(j["errors"][0]["title"] == "CF-NotFound");
  CHECK(j["errors"][0]["code"] == 10000);

  for (const char* target : {"/v3/apps", "/v3/routes", "/v3/packages", "/v3/builds",
                             "/v3/service_instances", "/v3/deployments"}) {
    http::Response bad = h.as_admin("POST", target, "{not json");
    CHECK_MESSAGE(bad.status == 400, target);
    checkError(parsed(bad), 1001, "CF-MessageParseError", std::string("POST ") + target);
  }
}

TEST_CASE("conformance: discovery documents (GET /, /v3, /v3/info, /login)") {
  Harness h;
  json root = parsed(h.request("GET", "/"));
  checkShape(root,
             {{"links.self.href", T::kUrl},
              {"links.cloud_controller_v3.href", T::kUrl},
              {"links.cloud_controller_v3.meta.version", T::kString},
              {"links.uaa.href", T::kUrl},
              {"links.login.href", T::kUrl},
              {"links.log_cache.href", T::kUrl},
              {"links.credhub", T::kObjectOrNull},
              {"links.routing", T::kObjectOrNull},
              {"links.logging", T::kObjectOrNull},
              {"links.network_policy_v1", T::kObjectOrNull},
              {"links.app_ssh", T::kObjectOrNull}},
             "GET /");
  checkLink(root["links"]["cloud_controller_v3"]["href"], "/v3", "GET / cloud_controller_v3");
  // A semver at or above what the CLI needs for what microcf serves.
  std::vector<std::string> v = base::split(
      root["links"]["cloud_controller_v3"]["meta"]["version"].get<std::string>(), '.');
  REQUIRE(v.size() == 3);
  CHECK(std::stoi(v[0]) == 3);
  CHECK(std::stoi(v[1]) >= 160);
  for (auto& [name, link] : root["links"].items()) {
    CAPTURE(name);
    CHECK((link.is_null() || (link.is_object() && link.contains("href"))));
  }

  json v3 = parsed(h.request("GET", "/v3"));
  for (std::string name : {"apps", "builds", "buildpacks", "deployments", "domains", "droplets",
                           "organizations", "packages", "processes", "resource_matches",
                           "routes", "service_instances", "service_credential_bindings",
                           "spaces", "stacks", "tasks", "audit_events"}) {
    CAPTURE(name);
    REQUIRE(v3["links"].contains(name));
    checkLink(v3["links"][name]["href"], "/v3/" + name, "/v3 " + name);
  }

  json info = parsed(h.request("GET", "/v3/info"));
  checkShape(info,
             {{"build", T::kString},
              {"cli_version.minimum", T::kStringOrNull},
              {"cli_version.recommended", T::kStringOrNull},
              {"custom", T::kObject},
              {"description", T::kString},
              {"name", T::kString},
              {"version", T::kInt},
              {"osbapi_version", T::kString},
              {"rate_limits.enabled", T::kBool},
              {"links.self.href", T::kUrl}},
             "GET /v3/info");

  http::Response login = h.request("GET", "/login", "", {{"Accept", "application/json"}});
  CHECK(login.status == 200);
  json l = parsed(login);
  checkShape(l,
             {{"app.version", T::kString},
              {"links.uaa", T::kString},
              {"links.login", T::kString},
              {"prompts.username", T::kArray},
              {"prompts.password", T::kArray}},
             "GET /login");
  CHECK(l["prompts"]["username"][0] == "text");
  CHECK(l["prompts"]["password"][0] == "password");
  for (auto& [key, prompt] : l["prompts"].items()) {
    CAPTURE(key);
    CHECK((key == "username" || key == "password" || key == "passcode"));
  }
}

TEST_CASE("conformance: the token endpoint answers UAA's shapes") {
  Harness h;
  http::Response good = h.request(
      "POST", "/oauth/token", "grant_type=password&username=admin&password=" + h.admin_password,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic Y2Y6"}});
  CHECK(good.status == 200);
  json t = parsed(good);
  checkShape(t,
             {{"access_token", T::kString},
              {"token_type", T::kString},
              {"refresh_token", T::kString},
              {"expires_in", T::kInt},
              {"scope", T::kString},
              {"jti", T::kString}},
             "password grant");
  CHECK(t["token_type"] == "bearer");
  // The claims the CLI decodes.
  std::vector<std::string> parts = base::split(t["access_token"].get<std::string>(), '.');
  REQUIRE(parts.size() == 3);
  json claims = json::parse(base::base64Decode(parts[1]), nullptr, false);
  checkShape(claims,
             {{"jti", T::kString},
              {"sub", T::kString},
              {"scope", T::kArray},
              {"client_id", T::kString},
              {"cid", T::kString},
              {"grant_type", T::kString},
              {"user_id", T::kString},
              {"origin", T::kString},
              {"user_name", T::kString},
              {"iat", T::kInt},
              {"exp", T::kInt},
              {"iss", T::kString},
              {"aud", T::kArray}},
             "access token claims");
  CHECK(claims["user_name"] == "admin");

  // The CLI's optional login_hint query does not change the answer.
  http::Response hinted = h.request(
      "POST", "/oauth/token?login_hint=%7B%22origin%22%3A%22uaa%22%7D",
      "grant_type=password&username=admin&password=" + h.admin_password,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic Y2Y6"}});
  CHECK(hinted.status == 200);

  http::Response bad = h.request(
      "POST", "/oauth/token", "grant_type=password&username=admin&password=wrong",
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Basic Y2Y6"}});
  CHECK(bad.status == 401);
  checkShape(parsed(bad), {{"error", T::kString}, {"error_description", T::kString}},
             "bad credentials");
  CHECK(parsed(bad)["error"] == "unauthorized");
}

TEST_CASE("conformance: route destinations answer {destinations, links}, not a paginated list") {
  World w;
  http::Response r = w.h.as_admin("GET", w.fill("/v3/routes/{route}/destinations"));
  CHECK(r.status == 200);
  json j = parsed(r);
  checkShape(j, {{"destinations", T::kArray}, {"links.self.href", T::kUrl},
                 {"links.route.href", T::kUrl}},
             "route destinations");
  REQUIRE(j["destinations"].size() == 1);
  checkShape(j["destinations"][0], destinationShape(), "destination");
  CHECK(j["destinations"][0]["guid"] == w.ids["destination"]);
  CHECK(j["destinations"][0]["app"]["guid"] == w.ids["app"]);
  CHECK(j["destinations"][0]["port"] == 8080);
  CHECK(j["destinations"][0]["protocol"] == "http1");
}

TEST_CASE("conformance: process stats, app env and log-cache read shapes") {
  World w;
  json stats = w.h.call("GET", w.fill("/v3/processes/{process}/stats"));
  REQUIRE(stats["resources"].size() == 1);
  checkShape(stats["resources"][0], statsShape(), "stats of a RUNNING instance");
  CHECK(stats["resources"][0]["state"] == "RUNNING");
  json by_type = w.h.call("GET", w.fill("/v3/apps/{app}/processes/web/stats"));
  CHECK(by_type["resources"].size() == 1);

  // Filling unreported indexes with DOWN entries is the runtime's (scheduler's) part; the fake
  // runtime reports what a test sets.

  json sidecars = w.h.call("GET", w.fill("/v3/processes/{process}/sidecars"));
  checkShape(sidecars, paginationShape(), "sidecars");

  json env = w.h.call("GET", w.fill("/v3/apps/{app}/env"));
  checkShape(env,
             {{"staging_env_json", T::kObject},
              {"running_env_json", T::kObject},
              {"environment_variables", T::kObject},
              {"system_env_json", T::kObject},
              {"system_env_json.VCAP_SERVICES", T::kObject},
              {"application_env_json", T::kObject},
              {"application_env_json.VCAP_APPLICATION", T::kObject}},
             "app env");
  json vars = w.h.call("GET", w.fill("/v3/apps/{app}/environment_variables"));
  checkShape(vars, {{"var", T::kObject}, {"links.self.href", T::kUrl}, {"links.app.href", T::kUrl}},
             "environment_variables");

  json rel = w.h.call("GET", w.fill("/v3/apps/{app}/relationships/current_droplet"));
  checkShape(rel, {{"data.guid", T::kGuid}, {"links.self.href", T::kUrl}, {"links.related.href", T::kUrl}},
             "current_droplet relationship");

  json logs = w.h.call("GET", w.fill("/api/v1/read/{app}"));
  checkShape(logs,
             {{"envelopes.batch", T::kArray},
              {"envelopes.batch.0.timestamp", T::kString},
              {"envelopes.batch.0.source_id", T::kString},
              {"envelopes.batch.0.instance_id", T::kString},
              {"envelopes.batch.0.tags", T::kObject},
              {"envelopes.batch.0.log.payload", T::kString},
              {"envelopes.batch.0.log.type", T::kString}},
             "log-cache read");
  json info = parsed(w.h.request("GET", "/api/v1/info"));
  checkShape(info, {{"version", T::kString}, {"vm_uptime", T::kString}}, "log-cache info");
}

namespace {

// A write the cf CLI makes, with the status Cloud Controller answers and the shape of its
// answer; a 202 without a shape is a job.
struct WriteRow {
  const char* method;
  const char* target;
  const char* body;  // JSON or YAML with {placeholders}; "" for none
  int status;
  Shape (*shape)();  // of the answer, or nullptr
};

Shape envVarsShape() { return {{"var", T::kObject}, {"links.self.href", T::kUrl}}; }
Shape relationshipShape() { return {{"data.guid", T::kGuid}, {"links.self.href", T::kUrl}}; }
Shape destinationsShape() { return {{"destinations", T::kArray}, {"links.self.href", T::kUrl}}; }
Shape matchesShape() { return {{"resources", T::kArray}}; }
Shape diffShape() { return {{"diff", T::kArray}}; }

// In order: later rows delete what earlier rows made.
const WriteRow kWrites[] = {
    {"POST", "/v3/apps", R"({"name":"other","relationships":{"space":{"data":{"guid":"{space}"}}}})",
     201, appShape},
    {"PATCH", "/v3/apps/{app}", R"({"name":"conf"})", 200, appShape},
    {"PATCH", "/v3/apps/{app}/environment_variables", R"({"var":{"K":"v"}})", 200, envVarsShape},
    {"POST", "/v3/apps/{app}/actions/stop", "", 200, appShape},
    {"POST", "/v3/apps/{app}/actions/start", "", 200, appShape},
    {"POST", "/v3/apps/{app}/actions/restart", "", 200, appShape},
    {"PATCH", "/v3/apps/{app}/relationships/current_droplet", R"({"data":{"guid":"{droplet}"}})",
     200, relationshipShape},
    {"POST", "/v3/apps/{app}/processes/web/actions/scale", R"({"instances":1})", 202, processShape},
    {"POST", "/v3/processes/{process}/actions/scale", R"({"instances":1})", 202, processShape},
    {"PATCH", "/v3/processes/{process}", R"({"command":"./run"})", 200, processShape},
    {"DELETE", "/v3/apps/{app}/processes/web/instances/0", "", 204, nullptr},
    {"POST", "/v3/apps/{app}/actions/clear_buildpack_cache", "", 202, nullptr},
    {"POST", "/v3/packages", R"({"type":"bits","relationships":{"app":{"data":{"guid":"{app}"}}}})",
     201, packageShape},
    {"POST", "/v3/resource_matches", R"({"resources":[]})", 201, matchesShape},
    {"POST", "/v3/spaces/{space}/manifest_diff", "applications:\n- name: conf\n", 201, diffShape},
    {"POST", "/v3/spaces/{space}/actions/apply_manifest", "applications:\n- name: conf\n", 202,
     nullptr},
    {"POST", "/v3/apps/{app}/tasks", R"({"command":"echo"})", 202, taskShape},
    {"POST", "/v3/tasks/{task}/actions/cancel", "", 202, taskShape},
    {"POST", "/v3/routes",
     R"({"host":"more","relationships":{"space":{"data":{"guid":"{space}"}},"domain":{"data":{"guid":"{domain}"}}}})",
     201, routeShape},
    {"PATCH", "/v3/routes/{route}", R"({"metadata":{}})", 200, routeShape},
    {"POST", "/v3/routes/{route}/destinations",
     R"({"destinations":[{"app":{"guid":"{app}","process":{"type":"web"}}}]})", 200,
     destinationsShape},
    {"PATCH", "/v3/routes/{route}/destinations",
     R"({"destinations":[{"app":{"guid":"{app}"}}]})", 200, destinationsShape},
    {"PATCH", "/v3/service_instances/{service_instance}", R"({"tags":["t"]})", 200,
     serviceInstanceShape},
    {"POST", "/v3/deployments/{deployment}/actions/cancel", "", 200, deploymentShape},
    {"PATCH", "/v3/buildpacks/{buildpack}", R"({"position":1})", 200, buildpackShape},
    {"DELETE", "/v3/service_credential_bindings/{binding}", "", 204, nullptr},
    {"DELETE", "/v3/service_instances/{service_instance}", "", 204, nullptr},
    {"DELETE", "/v3/buildpacks/{buildpack}", "", 202, nullptr},
    {"DELETE", "/v3/routes/{route}", "", 202, nullptr},
    {"DELETE", "/v3/apps/{app}", "", 202, nullptr},
};

}  // namespace

TEST_CASE("conformance: writes answer Cloud Controller's statuses; 202s carry a job Location") {
  World w;
  for (const WriteRow& row : kWrites) {
    std::string target = w.fill(row.target);
    std::string body = w.fill(row.body);
    std::string what = std::string(row.method) + " " + target;
    CAPTURE(what);
    http::Headers headers;
    if (!body.empty() && body[0] != '{') headers.push_back({"Content-Type", "application/x-yaml"});
    http::Response r = w.h.as_admin(row.method, target, body, headers);
    CHECK_MESSAGE(r.status == row.status, what << " -> " << r.status << " " << r.body);
    if (row.status == 204) CHECK(r.body.empty());
    if (row.shape && r.status == row.status) checkShape(parsed(r), row.shape(), what);
    // A 202 without a resource in its body is a job (deletes, apply_manifest, cache clearing).
    if (row.status == 202 && !row.shape) {
      const std::string* location = r.header("Location");
      REQUIRE_MESSAGE(location, what);
      CHECK(isAbsoluteUrl(json(*location)));
      std::string path = location->substr(location->find("/v3/jobs/"));
      json job = w.h.call("GET", path);
      checkShape(job, jobShape(), what + " job");
      CHECK_MESSAGE(job["state"] == "COMPLETE", what << ": " << job.dump());
    }
  }
  CHECK(w.h.call("GET", w.fill("/v3/apps?guids={app}"))["resources"].empty());
}

TEST_CASE("conformance: validation errors use CC's titles and codes") {
  World w;
  w.ids["unknown"] = "00000000-0000-4000-8000-000000000000";
  struct ErrorRow {
    const char* method;
    const char* target;
    const char* body;
    int status;
    int code;
    const char* title;
    const char* detail_prefix = nullptr;  // where the cf CLI keys on CC's words
  };
  const ErrorRow rows[] = {
      // Missing or wrong fields: 422 CF-UnprocessableEntity.
      {"POST", "/v3/apps", R"({"relationships":{"space":{"data":{"guid":"{space}"}}}})", 422,
       10008, "CF-UnprocessableEntity"},
      {"POST", "/v3/apps", R"({"name":"x","relationships":{"space":{"data":{"guid":"{unknown}"}}}})",
       422, 10008, "CF-UnprocessableEntity"},
      {"POST", "/v3/apps/{app}/processes/web/actions/scale", R"({"instances":-1})", 422, 10008,
       "CF-UnprocessableEntity"},
      {"POST", "/v3/packages", R"({"type":"bits","relationships":{"app":{"data":{"guid":"{unknown}"}}}})",
       422, 10008, "CF-UnprocessableEntity"},
      {"POST", "/v3/builds", R"({"package":{"guid":"{unknown}"}})", 422, 10008,
       "CF-UnprocessableEntity"},
      {"POST", "/v3/routes", R"({"host":"x","relationships":{"space":{"data":{"guid":"{space}"}},"domain":{"data":{"guid":"{unknown}"}}}})",
       422, 10008, "CF-UnprocessableEntity"},
      {"POST", "/v3/apps/{app}/tasks", R"({})", 422, 10008, "CF-UnprocessableEntity"},
      // App names taken: 422 CF-UniquenessError, case-insensitively.
      {"POST", "/v3/apps", R"({"name":"conf","relationships":{"space":{"data":{"guid":"{space}"}}}})",
       422, 10016, "CF-UniquenessError"},
      {"POST", "/v3/apps", R"({"name":"CONF","relationships":{"space":{"data":{"guid":"{space}"}}}})",
       422, 10016, "CF-UniquenessError"},
      // Service instance names and routes taken: CC's 422 CF-UnprocessableEntity, whose detail
      // the CLI matches (ServiceInstanceNameTakenError, RouteNotUniqueError).
      {"POST", "/v3/service_instances", R"({"type":"user-provided","name":"db","relationships":{"space":{"data":{"guid":"{space}"}}}})",
       422, 10008, "CF-UnprocessableEntity", "The service instance name is taken"},
      {"POST", "/v3/routes", R"({"host":"conf","relationships":{"space":{"data":{"guid":"{space}"}},"domain":{"data":{"guid":"{domain}"}}}})",
       422, 10008, "CF-UnprocessableEntity", "Route already exists"},
      // An order_by that the list does not know: 400 CF-BadQueryParameter.
      {"GET", "/v3/apps?order_by=bogus", "", 400, 10005, "CF-BadQueryParameter"},
      {"GET", "/v3/routes?order_by=bogus", "", 400, 10005, "CF-BadQueryParameter"},
      {"GET", "/v3/tasks?order_by=bogus", "", 400, 10005, "CF-BadQueryParameter"},
  };
  for (const ErrorRow& row : rows) {
    std::string target = w.fill(row.target);
    std::string what = std::string(row.method) + " " + target + " " + w.fill(row.body);
    CAPTURE(what);
    http::Response r = w.h.as_admin(row.method, target, w.fill(row.body));
    CHECK_MESSAGE(r.status == row.status, what << " -> " << r.status << " " << r.body);
    checkError(parsed(r), row.code, row.title, what);
    if (row.detail_prefix) {
      std::string detail = parsed(r)["errors"][0].value("detail", "");
      CHECK_MESSAGE(detail.rfind(row.detail_prefix, 0) == 0, what << ": " << detail);
    }
  }

  // Starting an app without a droplet: CC's sentence, which the CLI shows.
  std::string bare = w.h.createApp("bare");
  http::Response start = w.h.as_admin("POST", "/v3/apps/" + bare + "/actions/start");
  CHECK(start.status == 422);
  checkError(parsed(start), 10008, "CF-UnprocessableEntity", "start without a droplet");
  CHECK(parsed(start)["errors"][0]["detail"] == "Assign a droplet before starting this app.");

  // A second build while one stages: CF-StagingInProgress.
  std::string app = w.ids["app"];
  json pkg = w.h.call("POST", "/v3/packages",
                      {{"type", "bits"}, {"relationships", {{"app", rel(app)}}}});
  REQUIRE(w.h.upload(pkg["guid"], zipWithEntry("run.sh", "echo two\n")).status == 200);
  http::Response first = w.h.as_admin("POST", "/v3/builds",
                                      json({{"package", {{"guid", pkg["guid"]}}}}).dump());
  REQUIRE(first.status == 201);
  http::Response second = w.h.as_admin("POST", "/v3/builds",
                                       json({{"package", {{"guid", pkg["guid"]}}}}).dump());
  CHECK(second.status == 422);
  checkError(parsed(second), 170017, "CF-StagingInProgress", "second build while staging");
}

TEST_CASE("conformance: JSON answers say so in Content-Type") {
  World w;
  for (const ResourceRow& row : kResources) {
    std::string target = w.fill(row.target);
    http::Response r = w.h.as_admin("GET", target);
    const std::string* type = r.header("Content-Type");
    REQUIRE_MESSAGE(type, target);
    CHECK_MESSAGE(type->rfind("application/json", 0) == 0, target << ": " << *type);
  }
  http::Response err = w.h.request("GET", "/v3/apps");
  REQUIRE(err.header("Content-Type"));
  CHECK(err.header("Content-Type")->rfind("application/json", 0) == 0);
}

TEST_CASE("conformance: pages walk forward and back, in order, with the filters kept") {
  Harness h;
  // Made within one second: created_at ties are broken by creation order.
  for (const char* name : {"delta", "alpha", "charlie", "bravo", "echo"}) h.createApp(name);
  std::string filter = "names=alpha,bravo,charlie,delta";
  std::vector<std::string> seen;
  std::string next = "/v3/apps?" + filter + "&order_by=name&per_page=3";
  json page;
  for (int i = 0; i < 5 && !next.empty(); ++i) {
    page = h.call("GET", next);
    checkShape(page, paginationShape(), next);
    CHECK(page["pagination"]["total_results"] == 4);
    CHECK(page["pagination"]["total_pages"] == 2);
    for (const std::string& link : {page["pagination"]["first"]["href"].get<std::string>(),
                                    page["pagination"]["last"]["href"].get<std::string>()}) {
      CHECK(isAbsoluteUrl(json(link)));
      CHECK_MESSAGE(link.find(filter) != std::string::npos, link);
      CHECK_MESSAGE(link.find("order_by=name") != std::string::npos, link);
      CHECK_MESSAGE(link.find("per_page=3") != std::string::npos, link);
    }
    CHECK(page["pagination"]["first"]["href"].get<std::string>().find("page=1&") !=
          std::string::npos);
    CHECK(page["pagination"]["last"]["href"].get<std::string>().find("page=2&") !=
          std::string::npos);
    for (const json& app : page["resources"]) seen.push_back(app["name"]);
    if (page["pagination"]["next"].is_null()) {
      next.clear();
    } else {
      std::string href = page["pagination"]["next"]["href"];
      CHECK(href.find(filter) != std::string::npos);
      next = href.substr(href.find("/v3/"));
    }
  }
  CHECK(seen == std::vector<std::string>{"alpha", "bravo", "charlie", "delta"});
  // The last page points back to the first.
  REQUIRE(page["pagination"]["previous"].is_object());
  std::string previous = page["pagination"]["previous"]["href"];
  CHECK(previous.find("page=1&") != std::string::npos);
  CHECK(previous.find(filter) != std::string::npos);
  json back = h.call("GET", previous.substr(previous.find("/v3/")));
  CHECK(back["resources"].size() == 3);
  CHECK(back["resources"][0]["name"] == "alpha");

  // Descending orders.
  json by_name = h.call("GET", "/v3/apps?order_by=-name");
  CHECK(by_name["resources"][0]["name"] == "echo");
  CHECK(by_name["resources"][4]["name"] == "alpha");
  json newest = h.call("GET", "/v3/apps?order_by=-created_at");
  CHECK(newest["resources"][0]["name"] == "echo");
  CHECK(newest["resources"][4]["name"] == "delta");
  CHECK(h.call("GET", "/v3/apps?order_by=-created_at&per_page=1")["resources"][0]["name"] ==
        "echo");
  json oldest = h.call("GET", "/v3/apps?order_by=created_at");
  CHECK(oldest["resources"][0]["name"] == "delta");
}

TEST_CASE("conformance: an app without a droplet answers 404 for its current droplet") {
  Harness h;
  std::string app = h.createApp("bare");
  http::Response current = h.as_admin("GET", "/v3/apps/" + app + "/droplets/current");
  CHECK(current.status == 404);
  checkError(parsed(current), 10010, "CF-ResourceNotFound", "droplets/current without a droplet");
  CHECK(parsed(current)["errors"][0]["detail"] == "Droplet not found");
  // Another app's droplet cannot become this app's current droplet.
  std::string other = h.stagedApp("other");
  std::string droplet = h.call("GET", "/v3/apps/" + other + "/droplets/current")["guid"];
  http::Response wrong = h.as_admin("PATCH", "/v3/apps/" + app + "/relationships/current_droplet",
                                    json({{"data", {{"guid", droplet}}}}).dump());
  CHECK(wrong.status == 422);
  checkError(parsed(wrong), 10008, "CF-UnprocessableEntity", "another app's droplet");
}

TEST_CASE("conformance: a token without the bearer scheme, or another scheme, is refused") {
  Harness h;
  std::string token = h.login("admin", h.admin_password);
  for (const std::string& header : std::vector<std::string>{token, "Basic Y2Y6", "bearer", "bearer "}) {
    CAPTURE(header);
    http::Response r = h.request("GET", "/v3/apps", "", {{"Authorization", header}});
    CHECK(r.status == 401);
    json j = parsed(r);
    REQUIRE(j.contains("errors"));
    std::string title = j["errors"][0].value("title", "");
    CHECK((title == "CF-InvalidAuthToken" || title == "CF-NotAuthenticated"));
  }
  CHECK(h.request("GET", "/v3/apps", "", {{"Authorization", "Bearer " + token}}).status == 200);
}

TEST_CASE("conformance: the shape check finds missing fields and wrong types") {
  json j = {{"guid", "0b7d1d5e-4a1c-4c9e-9a8e-000000000001"},
            {"created_at", "2026-01-02T03:04:05Z"},
            {"links", {{"self", {{"href", "http://api.localhost:8080/v3/x"}}}}},
            {"n", 3},
            {"list", json::array({{{"name", "a"}}})}};
  CHECK(shapeProblems(j, {{"guid", T::kGuid}, {"created_at", T::kTime},
                          {"links.self.href", T::kUrl}, {"n", T::kInt},
                          {"list.0.name", T::kString}})
            .empty());
  CHECK(shapeProblems(j, {{"missing", T::kString}}) ==
        std::vector<std::string>{"missing 'missing' (string)"});
  CHECK(shapeProblems(j, {{"n", T::kString}}).size() == 1);
  CHECK(shapeProblems(j, {{"list.1.name", T::kString}}).size() == 1);
  CHECK(!hasType(json("0B7D1D5E-4A1C-4C9E-9A8E-000000000001"), T::kGuid));  // uppercase
  CHECK(!hasType(json("2026-01-02T03:04:05.000000000Z"), T::kTime));        // sub-seconds
  CHECK(!hasType(json("2026-01-02 03:04:05"), T::kTime));
  CHECK(!hasType(json("/v3/apps"), T::kUrl));                                // relative
  CHECK(hasType(json("https://api.example.com/v3"), T::kUrl));
  CHECK(!hasType(json(1.5), T::kInt));
  CHECK(hasType(json(nullptr), T::kStringOrNull));
}

TEST_CASE("conformance: a FAILED job carries CF error entries the CLI prints") {
  Harness h;
  http::Response r = h.as_admin("POST", "/v3/spaces/" + h.spaceGuid() + "/actions/apply_manifest",
                                "applications:\n- name: needy\n  services:\n  - missing-db\n",
                                {{"Content-Type", "application/x-yaml"}});
  REQUIRE(r.status == 202);
  REQUIRE(r.header("Location"));
  std::string location = *r.header("Location");
  json job = h.call("GET", location.substr(location.find("/v3/jobs/")));
  checkShape(job, jobShape(), "failed job");
  CHECK(job["state"] == "FAILED");
  REQUIRE(job["errors"].size() >= 1);
  checkShape(job["errors"][0], {{"code", T::kInt}, {"title", T::kString}, {"detail", T::kString}},
             "job error");
  CHECK(job["errors"][0]["detail"].get<std::string>().rfind("For application 'needy': ", 0) == 0);
}
