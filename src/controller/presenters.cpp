// JSON of each resource, field for field as Cloud Controller v3 presents it.
#include "controller/presenters.h"

#include "base/clock.h"
#include "controller/api.h"
#include "controller/errors.h"
#include "controller/quotas.h"
#include "controller/metadata.h"

namespace mcf::controller {

namespace {

// guid, created_at, updated_at and metadata: what every resource carries (type nullptr: no
// metadata).
json base(const Api& api, const char* type, const std::string& guid, const model::Stamps& s) {
  json j = {{"guid", guid},
            {"created_at", base::formatTimestamp(s.created_at)},
            {"updated_at", base::formatTimestamp(s.updated_at)}};
  if (type) j["metadata"] = presentMetadata(api, type, guid);
  return j;
}

json orNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

template <typename T>
json orNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json lifecycle(const std::vector<std::string>& buildpacks, const std::string& stack) {
  return {{"type", "buildpack"}, {"data", {{"buildpacks", buildpacks}, {"stack", stack}}}};
}

}  // namespace

json link(const Api& api, const std::string& path, const char* method) {
  json l = {{"href", api.url(path)}};
  if (method) l["method"] = method;
  return l;
}

json relationship(const std::string& guid) {
  return {{"data", guid.empty() ? json(nullptr) : json{{"guid", guid}}}};
}

json presentOrg(const Api& api, const model::Org& org) {
  std::string self = "/v3/organizations/" + org.guid;
  json j = base(api, meta::kOrg, org.guid, org);
  j["name"] = org.name;
  j["suspended"] = false;
  j["relationships"] = {{"quota", relationship(appliedQuotaGuid(api, true, org.guid))}};
  j["links"] = {{"self", link(api, self)},
                {"domains", link(api, self + "/domains")},
                {"default_domain", link(api, self + "/domains/default")}};
  return j;
}

json presentSpace(const Api& api, const model::Space& space) {
  std::string self = "/v3/spaces/" + space.guid;
  json j = base(api, meta::kSpace, space.guid, space);
  j["name"] = space.name;
  j["relationships"] = {{"organization", relationship(space.org_guid)},
                        {"quota", relationship(appliedQuotaGuid(api, false, space.guid))}};
  j["links"] = {{"self", link(api, self)},
                {"organization", link(api, "/v3/organizations/" + space.org_guid)},
                {"features", link(api, self + "/features")},
                {"apply_manifest", link(api, self + "/actions/apply_manifest", "POST")}};
  return j;
}

json presentDomain(const Api& api, const model::Domain& domain) {
  std::string self = "/v3/domains/" + domain.guid;
  json j = base(api, meta::kDomain, domain.guid, domain);
  j["name"] = domain.name;
  j["internal"] = domain.internal;
  j["router_group"] = nullptr;
  j["supported_protocols"] = {"http"};
  j["relationships"] = {{"organization", relationship(domain.org_guid)},
                        {"shared_organizations", {{"data", json::array()}}}};
  j["links"] = {{"self", link(api, self)},
                {"route_reservations", link(api, self + "/route_reservations")}};
  return j;
}

json presentApp(const Api& api, const model::App& app) {
  std::string self = "/v3/apps/" + app.guid;
  json j = base(api, meta::kApp, app.guid, app);
  j["name"] = app.name;
  j["state"] = model::toString(app.state);
  j["lifecycle"] = lifecycle(app.buildpacks, app.stack);
  j["relationships"] = {{"space", relationship(app.space_guid)},
                        {"current_droplet", relationship(app.droplet_guid)}};
  j["links"] = {{"self", link(api, self)},
                {"space", link(api, "/v3/spaces/" + app.space_guid)},
                {"processes", link(api, self + "/processes")},
                {"packages", link(api, self + "/packages")},
                {"environment_variables", link(api, self + "/environment_variables")},
                {"current_droplet", link(api, self + "/droplets/current")},
                {"droplets", link(api, self + "/droplets")},
                {"tasks", link(api, self + "/tasks")},
                {"start", link(api, self + "/actions/start", "POST")},
                {"stop", link(api, self + "/actions/stop", "POST")},
                {"revisions", link(api, self + "/revisions")},
                {"deployed_revisions", link(api, self + "/revisions/deployed")},
                {"features", link(api, self + "/features")}};
  return j;
}

json presentProcess(const Api& api, const model::Process& p, const model::App& app,
                    const std::string& detected) {
  std::string self = "/v3/processes/" + p.guid;
  json j = base(api, meta::kProcess, p.guid, p);
  j["type"] = p.type;
  j["command"] = p.command ? json(*p.command) : orNull(detected);
  j["user"] = "vcap";
  j["instances"] = p.instances;
  j["memory_in_mb"] = p.memory_in_mb;
  j["disk_in_mb"] = p.disk_in_mb;
  j["log_rate_limit_in_bytes_per_second"] = p.log_rate_limit_in_bytes_per_second;
  json data = {{"timeout", orNull(p.health_check.timeout)},
               {"invocation_timeout", orNull(p.health_check.invocation_timeout)},
               {"interval", orNull(p.health_check.interval)}};
  if (p.health_check.type == "http") data["endpoint"] = p.health_check.endpoint;
  j["health_check"] = {{"type", p.health_check.type}, {"data", data}};
  json ready = {{"invocation_timeout", orNull(p.readiness_check.invocation_timeout)},
                {"interval", orNull(p.readiness_check.interval)}};
  if (p.readiness_check.type == "http") ready["endpoint"] = p.readiness_check.endpoint;
  j["readiness_health_check"] = {{"type", p.readiness_check.type}, {"data", ready}};
  j["version"] = p.version;
  j["relationships"] = {{"app", relationship(p.app_guid)}, {"revision", relationship("")}};
  j["links"] = {{"self", link(api, self)},
                {"scale", link(api, self + "/actions/scale", "POST")},
                {"app", link(api, "/v3/apps/" + p.app_guid)},
                {"space", link(api, "/v3/spaces/" + app.space_guid)},
                {"stats", link(api, self + "/stats")}};
  return j;
}

json presentPackage(const Api& api, const model::Package& pkg) {
  std::string self = "/v3/packages/" + pkg.guid;
  json j = base(api, meta::kPackage, pkg.guid, pkg);
  j["type"] = pkg.type;
  j["data"] = {{"checksum", {{"type", "sha256"}, {"value", orNull(pkg.checksum_sha256)}}},
               {"error", orNull(pkg.error)}};
  j["state"] = model::toString(pkg.state);
  j["relationships"] = {{"app", relationship(pkg.app_guid)}};
  j["links"] = {{"self", link(api, self)},
                {"upload", link(api, self + "/upload", "POST")},
                {"download", link(api, self + "/download", "GET")},
                {"app", link(api, "/v3/apps/" + pkg.app_guid)}};
  return j;
}

json presentBuild(const Api& api, const model::Build& b) {
  json j = base(api, meta::kBuild, b.guid, b);
  j["state"] = model::toString(b.state);
  j["staging_memory_in_mb"] = b.staging_memory_in_mb;
  j["staging_disk_in_mb"] = b.staging_disk_in_mb;
  j["staging_log_rate_limit_bytes_per_second"] = -1;
  j["error"] = orNull(b.error);
  j["lifecycle"] = lifecycle(b.buildpacks, b.stack);
  j["package"] = {{"guid", b.package_guid}};
  j["droplet"] = b.droplet_guid.empty() ? json(nullptr) : json{{"guid", b.droplet_guid}};
  j["created_by"] = {{"guid", b.created_by_guid},
                     {"name", b.created_by_name},
                     {"email", b.created_by_email}};
  j["relationships"] = {{"app", relationship(b.app_guid)}};
  j["links"] = {{"self", link(api, "/v3/builds/" + b.guid)},
                {"app", link(api, "/v3/apps/" + b.app_guid)}};
  if (!b.droplet_guid.empty()) j["links"]["droplet"] = link(api, "/v3/droplets/" + b.droplet_guid);
  return j;
}

json presentDroplet(const Api& api, const model::Droplet& d) {
  std::string self = "/v3/droplets/" + d.guid;
  json j = base(api, meta::kDroplet, d.guid, d);
  j["state"] = model::toString(d.state);
  j["error"] = orNull(d.error);
  j["lifecycle"] = {{"type", "buildpack"}, {"data", json::object()}};
  j["execution_metadata"] = d.execution_metadata;
  j["process_types"] = d.process_types;
  j["checksum"] = d.checksum_sha256.empty()
                      ? json(nullptr)
                      : json{{"type", "sha256"}, {"value", d.checksum_sha256}};
  json bps = json::array();
  for (const auto& bp : d.buildpacks) {
    bps.push_back({{"name", bp.name},
                   {"detect_output", orNull(bp.detect_output)},
                   {"version", orNull(bp.version)},
                   {"buildpack_name", orNull(bp.buildpack_name)}});
  }
  j["buildpacks"] = bps;
  j["stack"] = d.stack;
  j["image"] = nullptr;
  j["relationships"] = {{"app", relationship(d.app_guid)}};
  j["links"] = {{"self", link(api, self)},
                {"app", link(api, "/v3/apps/" + d.app_guid)},
                {"assign_current_droplet",
                 link(api, "/v3/apps/" + d.app_guid + "/relationships/current_droplet", "PATCH")},
                {"download", link(api, self + "/download")}};
  if (!d.package_guid.empty()) j["links"]["package"] = link(api, "/v3/packages/" + d.package_guid);
  return j;
}

json presentDestination(const model::RouteDestination& d) {
  return {{"guid", d.guid},
          {"app", {{"guid", d.app_guid}, {"process", {{"type", d.process_type}}}}},
          {"weight", nullptr},
          {"port", d.port},
          {"protocol", d.protocol}};
}

json presentRoute(const Api& api, const model::Route& r, const model::Domain& domain,
                  const std::vector<model::RouteDestination>& destinations) {
  std::string self = "/v3/routes/" + r.guid;
  json j = base(api, meta::kRoute, r.guid, r);
  j["protocol"] = "http";
  j["host"] = r.host;
  j["path"] = r.path;
  j["port"] = nullptr;
  j["url"] = model::routeUrl(r, domain.name);
  json dests = json::array();
  for (const auto& d : destinations) dests.push_back(presentDestination(d));
  j["destinations"] = dests;
  j["options"] = json::object();
  if (!r.loadbalancing.empty()) j["options"]["loadbalancing"] = r.loadbalancing;
  j["relationships"] = {{"space", relationship(r.space_guid)},
                        {"domain", relationship(r.domain_guid)}};
  j["links"] = {{"self", link(api, self)},
                {"space", link(api, "/v3/spaces/" + r.space_guid)},
                {"domain", link(api, "/v3/domains/" + r.domain_guid)},
                {"destinations", link(api, self + "/destinations")}};
  return j;
}

json presentJob(const Api& api, const Job& job) {
  json errors = json::array();
  for (const auto& e : job.errors) errors.push_back(errorEntry(e));
  json warnings = json::array();
  for (const auto& w : job.warnings) warnings.push_back({{"detail", w}});
  json j = {{"guid", job.guid},
            {"created_at", base::formatTimestamp(job.created_at)},
            {"updated_at", base::formatTimestamp(job.updated_at)},
            {"operation", job.operation},
            {"state", job.state},
            {"errors", errors},
            {"warnings", warnings},
            {"links", {{"self", link(api, "/v3/jobs/" + job.guid)}}}};
  if (!job.resource_path.empty()) {
    std::string kind = job.resource_path.substr(4, job.resource_path.find('/', 4) - 4);
    if (!kind.empty() && kind.back() == 's') kind.pop_back();
    j["links"][kind] = link(api, job.resource_path);
  }
  return j;
}

json presentInstance(const Api& api, const model::Process& p, const InstanceStatus& s) {
  json j = {{"type", p.type},
            {"index", s.index},
            {"state", model::toString(s.state)},
            {"uptime", s.uptime_s},
            {"isolation_segment", nullptr},
            {"details", orNull(s.details)}};
  if (s.state == model::InstanceState::kDown) return j;  // not placed: nothing else is known
  json usage = json::object();
  if (s.mem_bytes >= 0) {
    usage = {{"time", base::formatTimestampNs(api.clock.nowNs())},
             {"cpu", s.cpu < 0 ? 0.0 : s.cpu},
             {"cpu_entitlement", 0.0},
             {"mem", s.mem_bytes},
             {"disk", s.disk_bytes < 0 ? 0 : s.disk_bytes},
             {"log_rate", 0}};
  }
  j["instance_guid"] = s.instance_guid;
  j["routable"] = s.routable;
  j["usage"] = usage;
  j["host"] = s.host;
  j["instance_internal_ip"] = s.host;
  // Instances listen on the port the router reaches (no port mapping), as CF_INSTANCE_PORTS says.
  j["instance_ports"] = json::array({{{"external", s.port},
                                      {"internal", s.port},
                                      {"external_tls_proxy_port", nullptr},
                                      {"internal_tls_proxy_port", nullptr}}});
  j["mem_quota"] = int64_t(p.memory_in_mb) * 1024 * 1024;
  j["disk_quota"] = int64_t(p.disk_in_mb) * 1024 * 1024;
  j["log_rate_limit"] = p.log_rate_limit_in_bytes_per_second;
  j["fds_quota"] = 16384;
  // microcf's own: when the instance entered its state, its crashes, and what the app printed
  // last (for instances that are not running: why they did not start).
  j["since"] = s.since_ns / 1000000000;
  j["crash_count"] = s.crash_count;
  if (!s.last_output.empty()) j["last_output"] = s.last_output;
  return j;
}

json presentAuditEvent(const Api& api, const model::AuditEvent& e) {
  json j = base(api, nullptr, e.guid, e);
  j.erase("metadata");
  j["type"] = e.type;
  j["actor"] = {{"guid", e.actor_guid}, {"type", e.actor_type}, {"name", e.actor_name}};
  j["target"] = {{"guid", e.target_guid}, {"type", e.target_type}, {"name", e.target_name}};
  json data = json::parse(e.data, nullptr, false);
  j["data"] = data.is_object() ? data : json::object();
  j["space"] = e.space_guid.empty() ? json(nullptr) : json{{"guid", e.space_guid}};
  j["organization"] = e.org_guid.empty() ? json(nullptr) : json{{"guid", e.org_guid}};
  j["links"] = {{"self", link(api, "/v3/audit_events/" + e.guid)}};
  return j;
}

}  // namespace mcf::controller
