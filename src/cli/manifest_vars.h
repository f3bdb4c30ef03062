// The variables of `microcf push --vars-file FILE --var NAME=VALUE` for ((name)) placeholders
// in the manifest: where they come from and which wins.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::cli {

// One --var NAME=VALUE. The value is read as YAML ("2" is a number, "[a, b]" a list); a value
// that reads as text is kept as written. kInvalid naming the flag when it is not NAME=VALUE.
base::Result<std::pair<std::string, nlohmann::json>> parseVarFlag(const std::string& flag);

// The vars files in the order given (each a YAML map; a later file's names win), then the
// --var flags over them, as the cf CLI does. kInvalid naming the file or flag that is wrong.
base::Result<nlohmann::json> collectVariables(const std::vector<std::string>& vars_files,
                                              const std::vector<std::string>& var_flags);

}  // namespace mcf::cli
