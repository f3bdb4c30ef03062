// The broker's catalog (GET /v2/catalog, CF-CONTRACT §7) read into offerings and plans.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/service.h"

namespace mcf::services {

// Parses and checks a catalog body. kInvalid lists every problem found ("Service 'x': plan 2
// has no id", "Service ids must be unique: 'a'"), so that the broker's author fixes them in
// one go; a body that is not JSON says so.
base::Result<std::vector<model::CatalogService>> parseCatalog(std::string_view body);

}  // namespace mcf::services
