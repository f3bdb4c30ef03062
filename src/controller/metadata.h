// Metadata of resources (CC v3 labels and annotations): validation of PATCH bodies, merging
// (a null value deletes a key), presentation, and label selectors of lists.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "model/model.h"

namespace mcf::controller {

struct Api;
using nlohmann::json;

// Resource type names of the metadata table.
namespace meta {
inline constexpr const char* kApp = "app";
inline constexpr const char* kProcess = "process";
inline constexpr const char* kPackage = "package";
inline constexpr const char* kBuild = "build";
inline constexpr const char* kDroplet = "droplet";
inline constexpr const char* kRoute = "route";
inline constexpr const char* kDomain = "domain";
inline constexpr const char* kTask = "task";
inline constexpr const char* kDeployment = "deployment";
inline constexpr const char* kServiceInstance = "service_instance";
inline constexpr const char* kServiceBinding = "service_credential_binding";
inline constexpr const char* kBuildpack = "buildpack";
inline constexpr const char* kStack = "stack";
inline constexpr const char* kOrg = "organization";
inline constexpr const char* kSpace = "space";
}  // namespace meta

// Merges patch ({"labels":{k:v|null}, "annotations":{k:v|null}}) into current. kInvalid with
// Cloud Controller's words ("Metadata label key error: ...") for a bad key or value.
base::Result<model::Metadata> mergeMetadata(model::Metadata current, const json& patch);

// body["metadata"] merged into the stored metadata of (type, guid), or nullopt when the body
// has no metadata. Nothing is written: pass the result to saveMetadata once the rest of the
// update has succeeded.
base::Result<std::optional<model::Metadata>> metadataUpdate(Api& api, const char* type,
                                                            const std::string& guid,
                                                            const json& body);
base::Status saveMetadata(Api& api, const char* type, const std::string& guid,
                          const std::optional<model::Metadata>& metadata);
// Both at once, for PATCH endpoints where metadata is all that changes.
base::Status updateMetadata(Api& api, const char* type, const std::string& guid,
                            const json& body);

// {"labels":{...},"annotations":{...}} as stored (empty objects when there is none).
json presentMetadata(const Api& api, const char* type, const std::string& guid);
json toJson(const model::Metadata& metadata);

// Label selectors (label_selector=...): requirements separated by commas, all must hold.
struct LabelRequirement {
  enum class Op { kExists, kNotExists, kEquals, kNotEquals, kIn, kNotIn };
  Op op = Op::kExists;
  std::string key;
  std::vector<std::string> values;
};
using LabelSelector = std::vector<LabelRequirement>;

// kBadQuery ("The query parameter is invalid: Invalid label_selector value: ...") when text
// does not follow the grammar `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`.
base::Result<LabelSelector> parseSelector(std::string_view text);
bool matches(const LabelSelector& selector, const std::map<std::string, std::string>& labels);
// The same on a presented resource's metadata.labels.
bool matches(const LabelSelector& selector, const json& resource);

}  // namespace mcf::controller
