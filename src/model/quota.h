// Org and space quotas: Cloud Foundry's organization_quotas and space_quotas. Every limit is
// optional; an empty one means unlimited (null in the API).
//
// Owns: the shape of a quota. Does not own: persistence (store/), usage counting and
// enforcement (controller/quotas.cpp).
// Thread: plain values, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"

namespace mcf::model {

struct QuotaLimits {
  // apps
  std::optional<int64_t> total_memory_in_mb;
  std::optional<int64_t> per_process_memory_in_mb;
  std::optional<int64_t> total_instances;
  std::optional<int64_t> per_app_tasks;
  std::optional<int64_t> log_rate_limit_in_bytes_per_second;
  // services
  bool paid_services_allowed = true;
  std::optional<int64_t> total_service_instances;
  std::optional<int64_t> total_service_keys;
  // routes
  std::optional<int64_t> total_routes;
  std::optional<int64_t> total_reserved_ports;
  // domains (organization quotas only)
  std::optional<int64_t> total_domains;
};

enum class QuotaKind { kOrg, kSpace };

struct Quota : Stamps {
  std::string guid;
  std::string name;
  std::string org_guid;  // space quotas: the org that owns it; "" for organization quotas
  QuotaLimits limits;
  // Read only: the orgs (organization quota) or spaces (space quota) it applies to, by guid.
  std::vector<std::string> applied_to;
};

// The name of the organization quota that new organizations get, as in Cloud Foundry.
inline constexpr const char* kDefaultOrgQuotaName = "default";

}  // namespace mcf::model
