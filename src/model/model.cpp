// State names and defaults of the domain values.
#include "model/model.h"

#include "base/ids.h"

namespace mcf::model {

const char* toString(RoleType t) {
  switch (t) {
    case RoleType::kOrganizationUser: return "organization_user";
    case RoleType::kOrganizationAuditor: return "organization_auditor";
    case RoleType::kOrganizationManager: return "organization_manager";
    case RoleType::kOrganizationBillingManager: return "organization_billing_manager";
    case RoleType::kSpaceDeveloper: return "space_developer";
    case RoleType::kSpaceManager: return "space_manager";
    case RoleType::kSpaceAuditor: return "space_auditor";
    case RoleType::kSpaceSupporter: return "space_supporter";
  }
  return "organization_user";
}

bool isSpaceRole(RoleType t) {
  return t == RoleType::kSpaceDeveloper || t == RoleType::kSpaceManager ||
         t == RoleType::kSpaceAuditor || t == RoleType::kSpaceSupporter;
}

const char* toString(AppState s) { return s == AppState::kStarted ? "STARTED" : "STOPPED"; }

const char* toString(PackageState s) {
  switch (s) {
    case PackageState::kAwaitingUpload: return "AWAITING_UPLOAD";
    case PackageState::kProcessingUpload: return "PROCESSING_UPLOAD";
    case PackageState::kReady: return "READY";
    case PackageState::kFailed: return "FAILED";
    case PackageState::kCopying: return "COPYING";
    case PackageState::kExpired: return "EXPIRED";
  }
  return "FAILED";
}

const char* toString(BuildState s) {
  switch (s) {
    case BuildState::kStaging: return "STAGING";
    case BuildState::kStaged: return "STAGED";
    case BuildState::kFailed: return "FAILED";
  }
  return "FAILED";
}

const char* toString(DropletState s) {
  switch (s) {
    case DropletState::kAwaitingUpload: return "AWAITING_UPLOAD";
    case DropletState::kProcessingUpload: return "PROCESSING_UPLOAD";
    case DropletState::kStaged: return "STAGED";
    case DropletState::kCopying: return "COPYING";
    case DropletState::kFailed: return "FAILED";
    case DropletState::kExpired: return "EXPIRED";
  }
  return "FAILED";
}

const char* toString(InstanceState s) {
  switch (s) {
    case InstanceState::kStarting: return "STARTING";
    case InstanceState::kRunning: return "RUNNING";
    case InstanceState::kCrashed: return "CRASHED";
    case InstanceState::kStopping: return "STOPPING";
    case InstanceState::kDown: return "DOWN";
  }
  return "DOWN";
}

template <typename E, size_t N>
static std::optional<E> fromName(const std::string& s, const E (&all)[N]) {
  for (E e : all)
    if (s == toString(e)) return e;
  return std::nullopt;
}

std::optional<RoleType> roleTypeFrom(const std::string& s) {
  static const RoleType kAll[] = {
      RoleType::kOrganizationUser,   RoleType::kOrganizationAuditor,
      RoleType::kOrganizationManager, RoleType::kOrganizationBillingManager,
      RoleType::kSpaceDeveloper,      RoleType::kSpaceManager,
      RoleType::kSpaceAuditor,        RoleType::kSpaceSupporter};
  return fromName(s, kAll);
}

std::optional<AppState> appStateFrom(const std::string& s) {
  static const AppState kAll[] = {AppState::kStopped, AppState::kStarted};
  return fromName(s, kAll);
}

std::optional<PackageState> packageStateFrom(const std::string& s) {
  static const PackageState kAll[] = {PackageState::kAwaitingUpload, PackageState::kProcessingUpload,
                                      PackageState::kReady, PackageState::kFailed,
                                      PackageState::kCopying, PackageState::kExpired};
  return fromName(s, kAll);
}

std::optional<BuildState> buildStateFrom(const std::string& s) {
  static const BuildState kAll[] = {BuildState::kStaging, BuildState::kStaged, BuildState::kFailed};
  return fromName(s, kAll);
}

std::optional<DropletState> dropletStateFrom(const std::string& s) {
  static const DropletState kAll[] = {DropletState::kAwaitingUpload, DropletState::kProcessingUpload,
                                      DropletState::kStaged, DropletState::kCopying,
                                      DropletState::kFailed, DropletState::kExpired};
  return fromName(s, kAll);
}

Process defaultProcess(const std::string& app_guid, const std::string& type) {
  Process p;
  p.guid = type == "web" ? app_guid : base::newGuid();
  p.app_guid = app_guid;
  p.type = type;
  p.instances = type == "web" ? 1 : 0;
  p.health_check.type = type == "web" ? "port" : "process";
  p.version = base::newGuid();
  return p;
}

std::string routeUrl(const Route& route, const std::string& domain_name) {
  std::string url = route.host.empty() ? domain_name : route.host + "." + domain_name;
  return url + route.path;
}

}  // namespace mcf::model
