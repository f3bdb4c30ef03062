// Domain values of the platform: orgs, spaces, users, apps, packages, builds, droplets,
// processes, domains, routes, and the states they move through.
//
// Owns: the shapes and the legal state names (as Cloud Foundry spells them).
// Does not own: persistence (store/) or JSON presentation (controller/).
// Thread: plain values, any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcf::model {

// Seconds since the epoch; rendered as "YYYY-MM-DDThh:mm:ssZ".
struct Stamps {
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Org : Stamps {
  std::string guid;
  std::string name;
};

struct Space : Stamps {
  std::string guid;
  std::string name;
  std::string org_guid;
};

struct User : Stamps {
  std::string guid;
  std::string username;
  std::string email;
  std::string origin = "uaa";
  std::string password_hash;  // auth/ format, never shown
  bool admin = false;         // holds cloud_controller.admin
  // "" or cloud_controller.admin_read_only or cloud_controller.global_auditor.
  std::string global_scope;
};

// Cloud Foundry's role types. Org roles have org_guid set, space roles space_guid (and
// org_guid, the space's org, so that org-wide questions need no join).
enum class RoleType {
  kOrganizationUser,
  kOrganizationAuditor,
  kOrganizationManager,
  kOrganizationBillingManager,
  kSpaceDeveloper,
  kSpaceManager,
  kSpaceAuditor,
  kSpaceSupporter,
};

struct Role : Stamps {
  std::string guid;
  RoleType type = RoleType::kOrganizationUser;
  std::string user_guid;
  std::string org_guid;
  std::string space_guid;  // "" for org roles
};

bool isSpaceRole(RoleType t);

enum class AppState { kStopped, kStarted };

struct App : Stamps {
  std::string guid;
  std::string name;
  std::string space_guid;
  AppState state = AppState::kStopped;  // desired state
  std::vector<std::string> buildpacks;  // requested; empty = detect
  std::string stack = "host";
  std::map<std::string, std::string> env;  // environment_variables
  std::string droplet_guid;                // current droplet, empty if none
};

enum class PackageState { kAwaitingUpload, kProcessingUpload, kReady, kFailed, kCopying, kExpired };

struct Package : Stamps {
  std::string guid;
  std::string app_guid;
  std::string type = "bits";
  PackageState state = PackageState::kAwaitingUpload;
  std::string checksum_sha256;  // of the stored archive
  std::string blob_key;         // blobstore key of the archive
  std::string error;            // data.error when FAILED
  // sha256 over the files (paths, modes, contents), not the archive's bytes: the same for two
  // uploads of the same app, whatever their zips' timestamps. "" for packages made before it.
  std::string content_digest;
};

enum class BuildState { kStaging, kStaged, kFailed };

struct Build : Stamps {
  std::string guid;
  std::string app_guid;
  std::string package_guid;
  std::string droplet_guid;             // set when STAGED
  BuildState state = BuildState::kStaging;
  std::string error;                    // "NoAppDetectedError - ..." when FAILED
  std::vector<std::string> buildpacks;  // lifecycle.data.buildpacks as requested
  std::string stack = "host";
  int staging_memory_in_mb = 1024;
  int staging_disk_in_mb = 4096;
  std::string created_by_guid;
  std::string created_by_name;
  std::string created_by_email;
};

enum class DropletState { kAwaitingUpload, kProcessingUpload, kStaged, kCopying, kFailed, kExpired };

struct DropletBuildpack {
  std::string name;           // key of the buildpack (admin name)
  std::string detect_output;
  std::string version;
  std::string buildpack_name;  // name the buildpack reports in config.yml
};

struct Droplet : Stamps {
  std::string guid;
  std::string app_guid;
  std::string package_guid;
  std::string build_guid;
  DropletState state = DropletState::kStaged;
  std::string error;
  std::map<std::string, std::string> process_types;  // "web" -> command
  std::string execution_metadata;
  std::string checksum_sha256;  // of the droplet tgz
  std::string blob_key;         // blobstore key of the droplet tgz
  std::vector<DropletBuildpack> buildpacks;
  std::string stack = "host";
  // What staging it depended on (package content, buildpacks, stack, environment, microcf
  // version), hashed: a build with the same key reuses this droplet instead of staging.
  std::string staging_key;
};

struct HealthCheck {
  std::string type = "port";  // port | http | process
  std::optional<int> timeout;             // start timeout, s (null = platform default 60)
  std::optional<int> invocation_timeout;  // s
  std::optional<int> interval;            // s
  std::string endpoint;                   // http only
};

struct Process : Stamps {
  std::string guid;  // the web process's guid equals its app's guid
  std::string app_guid;
  std::string type = "web";
  std::optional<std::string> command;  // null: use the droplet's command for this type
  int instances = 1;
  int memory_in_mb = 1024;
  int disk_in_mb = 1024;
  int64_t log_rate_limit_in_bytes_per_second = -1;
  HealthCheck health_check;
  // Decides whether a running instance gets traffic; "process" (the default) = always.
  HealthCheck readiness_check{"process", std::nullopt, std::nullopt, std::nullopt, ""};
  std::string version;  // uuid; changes whenever running instances must be recreated
};

struct Domain : Stamps {
  std::string guid;
  std::string name;
  bool internal = false;
  std::string org_guid;  // the owning org of a private domain; "" = shared with every org
};

// An admin buildpack (GET /v3/buildpacks). stack "" = any stack (CC's null stack).
struct Buildpack : Stamps {
  std::string guid;
  std::string name;
  std::string stack;
  int position = 0;        // 1-based detection order
  bool enabled = true;
  bool locked = false;
  bool ready = false;      // state READY (bits present) or AWAITING_UPLOAD
  std::string filename;    // the uploaded zip's name ("" for one shipped with microcf)
  std::string path;        // folder with bin/detect, ... ("" until uploaded)
};

struct Route : Stamps {
  std::string guid;
  std::string host;
  std::string path;  // "" or "/something"
  std::string domain_guid;
  std::string space_guid;
  std::string loadbalancing;  // options.loadbalancing: "" (not set), round-robin, least-connection
};

struct RouteDestination {
  std::string guid;
  std::string route_guid;
  std::string app_guid;
  std::string process_type = "web";
  int port = 8080;
  std::string protocol = "http1";
};

// An audit event (Cloud Controller's /v3/audit_events): who did what to which object.
struct AuditEvent : Stamps {
  std::string guid;
  std::string type;         // "audit.app.start", "app.crash", ...
  std::string actor_guid;
  std::string actor_type;   // user | process | system
  std::string actor_name;
  std::string target_guid;
  std::string target_type;  // app | process | ...
  std::string target_name;
  std::string space_guid;
  std::string org_guid;
  std::string data;         // a JSON object's text
};

// Actual instance states, as process stats report them.
enum class InstanceState { kStarting, kRunning, kCrashed, kStopping, kDown };

const char* toString(RoleType t);  // "space_developer", ...
std::optional<RoleType> roleTypeFrom(const std::string& s);
const char* toString(AppState s);
const char* toString(PackageState s);
const char* toString(BuildState s);
const char* toString(DropletState s);
const char* toString(InstanceState s);
std::optional<AppState> appStateFrom(const std::string& s);
std::optional<PackageState> packageStateFrom(const std::string& s);
std::optional<BuildState> buildStateFrom(const std::string& s);
std::optional<DropletState> dropletStateFrom(const std::string& s);

// Cloud Foundry's defaults for a new process of a type.
Process defaultProcess(const std::string& app_guid, const std::string& type);

// Route URL as shown to users: "host.domain/path" ("domain/path" when host is empty).
std::string routeUrl(const Route& route, const std::string& domain_name);

// Labels and annotations of one resource (CC v3 metadata), keys as users wrote them.
struct Metadata {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

}  // namespace mcf::model
