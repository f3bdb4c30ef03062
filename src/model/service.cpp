// VCAP_SERVICES from bindings.
#include "model/service.h"

namespace mcf::model {

using nlohmann::json;

json vcapServices(const std::vector<BoundService>& bound) {
  json out = json::object();
  for (const auto& b : bound) {
    const ServiceInstance& si = b.instance;
    const ServiceBinding& sb = b.binding;
    if (sb.last_operation.state != "succeeded" && sb.last_operation.type == "create") continue;
    bool managed = si.type == kManaged;
    std::string label = managed ? b.label : kUserProvided;
    std::vector<std::string> tags = managed ? b.offering_tags : std::vector<std::string>{};
    tags.insert(tags.end(), si.tags.begin(), si.tags.end());
    const json& creds = managed ? sb.credentials : si.credentials;
    const std::string& drain = managed ? sb.syslog_drain_url : si.syslog_drain_url;
    json mounts = json::array();
    if (managed && sb.volume_mounts.is_array())
      for (const auto& m : sb.volume_mounts)
        if (m.is_object()) {
          json shown = json::object();
          for (const char* k : {"container_dir", "mode", "device_type"})
            if (m.contains(k)) shown[k] = m[k];
          mounts.push_back(std::move(shown));
        }
    json entry = {
        {"name", b.binding.name.empty() ? si.name : b.binding.name},
        {"binding_guid", b.binding.guid},
        {"binding_name", b.binding.name.empty() ? json(nullptr) : json(b.binding.name)},
        {"instance_guid", si.guid},
        {"instance_name", si.name},
        {"label", label},
        {"tags", tags},
        {"credentials", creds.is_object() ? creds : json::object()},
        {"syslog_drain_url", drain.empty() ? json(nullptr) : json(drain)},
        {"volume_mounts", std::move(mounts)},
    };
    if (managed) {
      entry["provider"] = nullptr;
      entry["plan"] = b.plan;
    }
    out[label].push_back(std::move(entry));
  }
  return out;
}

}  // namespace mcf::model
