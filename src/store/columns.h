// Columns that hold lists and maps as JSON text, and enum columns as Cloud Foundry's names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "model/model.h"
#include "model/task.h"

namespace mcf::store {

using base::Result;

std::string encodeList(const std::vector<std::string>& list);                 // ["a","b"]
std::string encodeMap(const std::map<std::string, std::string>& map);         // {"k":"v"}
std::string encodeBuildpacks(const std::vector<model::DropletBuildpack>& bps);
// A list filter as a bound parameter: null when empty ("any"), else its JSON list, for
// "(?N IS NULL OR col IN (SELECT value FROM json_each(?N)))".
std::optional<std::string> anyOf(const std::vector<std::string>& values);

// Decoders name the column in their error (kIo: the file was edited or damaged).
Result<std::vector<std::string>> decodeList(const std::string& json, const char* column);
Result<std::map<std::string, std::string>> decodeMap(const std::string& json, const char* column);
Result<std::vector<model::DropletBuildpack>> decodeBuildpacks(const std::string& json,
                                                              const char* column);

// State columns: kIo when the stored name is not one microcf knows.
Result<model::AppState> decodeAppState(const std::string& name);
Result<model::PackageState> decodePackageState(const std::string& name);
Result<model::BuildState> decodeBuildState(const std::string& name);
Result<model::DropletState> decodeDropletState(const std::string& name);
Result<model::TaskState> decodeTaskState(const std::string& name);

}  // namespace mcf::store
