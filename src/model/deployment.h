// Deployment: a rolling replacement of an app's web instances (CF-CONTRACT §1.6), and the
// names of its states as Cloud Foundry spells them.
#pragma once

#include <cstdint>
#include <string>

#include "model/model.h"

namespace mcf::model {

// state (legacy)       status.value  status.reason
// DEPLOYING            ACTIVE        DEPLOYING     new instances replace old ones
// CANCELING            ACTIVE        CANCELING     old ones come back, new ones go
// DEPLOYED             FINALIZED     DEPLOYED      every instance runs the new droplet
// DEPLOYED             FINALIZED     SUPERSEDED    a newer deployment took over
// CANCELED             FINALIZED     CANCELED      rolled back (on request or on failure)
namespace deployment {
inline constexpr const char* kDeploying = "DEPLOYING";
inline constexpr const char* kDeployed = "DEPLOYED";
inline constexpr const char* kCanceling = "CANCELING";
inline constexpr const char* kCanceled = "CANCELED";
inline constexpr const char* kSuperseded = "SUPERSEDED";
inline constexpr const char* kActive = "ACTIVE";
inline constexpr const char* kFinalized = "FINALIZED";
}  // namespace deployment

struct Deployment : Stamps {
  std::string guid;
  std::string app_guid;
  std::string state = deployment::kDeploying;
  std::string status_value = deployment::kActive;
  std::string status_reason = deployment::kDeploying;
  std::string strategy = "rolling";
  int max_in_flight = 1;
  std::string droplet_guid;           // what it rolls out
  std::string previous_droplet_guid;  // what served before ("" if nothing)
  std::string process_guid;           // the web process it replaces instances of
  std::string version;                // the web process's version it rolls out
  std::string previous_version;       // the version that served before; a cancel returns to it
  std::string error;                  // why it was canceled, "" if it was not or on request
  int64_t last_healthcheck = 0;       // s since the epoch; 0 = never
  int64_t last_status_change = 0;     // s since the epoch

  bool active() const { return status_value == deployment::kActive; }
};

}  // namespace mcf::model
