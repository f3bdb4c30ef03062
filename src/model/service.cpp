// VCAP_SERVICES from bindings.
#include "model/service.h"

namespace mcf::model {

using nlohmann::json;

json vcapServices(const std::vector<BoundService>& bound) {
  json out = json::object();
  for (const auto& b : bound) {
    const ServiceInstance& si = b.instance;
    // Only user-provided instances exist today; a managed one is keyed by its offering's label.
    std::string label = si.type == kUserProvided ? kUserProvided : si.type;
    json entry = {
        {"name", b.binding.name.empty() ? si.name : b.binding.name},
        {"binding_guid", b.binding.guid},
        {"binding_name", b.binding.name.empty() ? json(nullptr) : json(b.binding.name)},
        {"instance_guid", si.guid},
        {"instance_name", si.name},
        {"label", label},
        {"tags", si.tags},
        {"credentials", si.credentials.is_object() ? si.credentials : json::object()},
        {"syslog_drain_url", si.syslog_drain_url.empty() ? json(nullptr) : json(si.syslog_drain_url)},
        {"volume_mounts", json::array()},
    };
    out[label].push_back(std::move(entry));
  }
  return out;
}

}  // namespace mcf::model
