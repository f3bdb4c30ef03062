// JSON text columns and state names, decoded defensively: the file is ours, but people edit it.
#include "store/columns.h"

#include <nlohmann/json.hpp>

namespace mcf::store {

using nlohmann::json;

namespace {

base::Error corrupt(const char* column, const std::string& value) {
  return base::makeError(base::Errc::kIo,
                         "The database holds a value microcf cannot read in {} ({:.60}). Fix "
                         "the row with the sqlite3 shell, or delete and recreate the resource.",
                         column, value);
}

// Invalid UTF-8 (which dump() would throw on) becomes U+FFFD instead.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Parses without exceptions: nothing thrown by nlohmann leaves this file.
json parse(const std::string& text) { return json::parse(text, nullptr, false); }

std::string field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename E>
Result<E> decodeState(std::optional<E> state, const char* column, const std::string& name) {
  if (!state) return corrupt(column, name);
  return *state;
}

}  // namespace

std::string encodeList(const std::vector<std::string>& list) { return dump(json(list)); }

std::string encodeMap(const std::map<std::string, std::string>& map) { return dump(json(map)); }

std::optional<std::string> anyOf(const std::vector<std::string>& values) {
  if (values.empty()) return std::nullopt;
  return encodeList(values);
}

std::string encodeBuildpacks(const std::vector<model::DropletBuildpack>& bps) {
  json out = json::array();
  for (const auto& bp : bps) {
    out.push_back({{"name", bp.name},
                   {"detect_output", bp.detect_output},
                   {"version", bp.version},
                   {"buildpack_name", bp.buildpack_name}});
  }
  return dump(out);
}

Result<std::vector<std::string>> decodeList(const std::string& text, const char* column) {
  json j = parse(text);
  if (!j.is_array()) return corrupt(column, text);
  std::vector<std::string> out;
  for (const auto& item : j) {
    if (!item.is_string()) return corrupt(column, text);
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> decodeMap(const std::string& text, const char* column) {
  json j = parse(text);
  if (!j.is_object()) return corrupt(column, text);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) return corrupt(column, text);
    out[key] = value.get<std::string>();
  }
  return out;
}

Result<std::vector<model::DropletBuildpack>> decodeBuildpacks(const std::string& text,
                                                              const char* column) {
  json j = parse(text);
  if (!j.is_array()) return corrupt(column, text);
  std::vector<model::DropletBuildpack> out;
  for (const auto& item : j) {
    if (!item.is_object()) return corrupt(column, text);
    out.push_back({field(item, "name"), field(item, "detect_output"), field(item, "version"),
                   field(item, "buildpack_name")});
  }
  return out;
}

Result<model::AppState> decodeAppState(const std::string& name) {
  return decodeState(model::appStateFrom(name), "apps.state", name);
}

Result<model::PackageState> decodePackageState(const std::string& name) {
  return decodeState(model::packageStateFrom(name), "packages.state", name);
}

Result<model::BuildState> decodeBuildState(const std::string& name) {
  return decodeState(model::buildStateFrom(name), "builds.state", name);
}

Result<model::DropletState> decodeDropletState(const std::string& name) {
  return decodeState(model::dropletStateFrom(name), "droplets.state", name);
}

Result<model::TaskState> decodeTaskState(const std::string& name) {
  return decodeState(model::taskStateFrom(name), "tasks.state", name);
}

}  // namespace mcf::store
