// --vars-file and --var: the variables substituted into manifest.yml by `microcf push`.
#include "cli/manifest_vars.h"

#include "base/fs.h"
#include "model/variables.h"

namespace mcf::cli {

base::Result<std::pair<std::string, nlohmann::json>> parseVarFlag(const std::string& flag) {
  size_t eq = flag.find('=');
  if (eq == std::string::npos)
    return base::makeError(base::Errc::kInvalid,
                           "Incorrect Usage: --var '{}' must be NAME=VALUE, e.g. --var "
                           "instances=2", flag);
  std::string name = flag.substr(0, eq);
  std::string text = flag.substr(eq + 1);
  if (name.empty())
    return base::makeError(base::Errc::kInvalid,
                           "Incorrect Usage: --var '{}' has no name before '=': write "
                           "--var NAME=VALUE", flag);
  if (text.empty())
    return base::makeError(base::Errc::kInvalid,
                           "Incorrect Usage: --var '{}' has no value after '=': write "
                           "--var NAME=VALUE", flag);
  auto value = model::parseYamlValue(text);
  if (!value)
    return base::makeError(base::Errc::kInvalid,
                           "Incorrect Usage: the value of --var '{}' is not valid YAML ({}); "
                           "quote it for plain text", flag, value.error().message);
  // Text stays as written: YAML would fold newlines and trim spaces.
  if (value->is_string()) return std::pair{name, nlohmann::json(text)};
  return std::pair{name, std::move(*value)};
}

base::Result<nlohmann::json> collectVariables(const std::vector<std::string>& vars_files,
                                              const std::vector<std::string>& var_flags) {
  nlohmann::json vars = nlohmann::json::object();
  for (const auto& path : vars_files) {
    auto text = base::readFile(path);
    if (!text)
      return base::makeError(base::Errc::kInvalid,
                             "The vars file '{}' cannot be read ({}): pass an existing YAML file "
                             "with --vars-file", path, text.error().message);
    auto value = model::parseYamlValue(*text);
    if (!value)
      return base::makeError(base::Errc::kInvalid, "The vars file '{}' is not valid YAML: {}",
                             path, value.error().message);
    if (value->is_null()) continue;  // an empty file sets nothing
    if (!value->is_object())
      return base::makeError(base::Errc::kInvalid,
                             "The vars file '{}' must be a YAML map of names to values, e.g. "
                             "instances: 2", path);
    for (auto& [name, v] : value->items()) vars[name] = v;
  }
  for (const auto& flag : var_flags) {
    auto kv = parseVarFlag(flag);
    if (!kv) return kv.takeError();
    vars[kv->first] = std::move(kv->second);
  }
  return vars;
}

}  // namespace mcf::cli
