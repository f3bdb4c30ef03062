// `microcf events`, `set-health-check`, `set-readiness-health-check` and
// `restart-app-instance`: the parts that are pure formatting, for tests.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mcf::cli {

// The description column of `microcf events` for one v3 audit event, as cf prints it:
// "index: 0, reason: CRASHED, cell_id: ..., instance: ..., exit_description: ..." for
// crashes, the request's fields for other events.
std::string eventDescription(const nlohmann::json& event);

// "2024-05-01T12:00:00.00+0200" (local time) from "2024-05-01T10:00:00Z".
std::string eventTime(const std::string& created_at);

}  // namespace mcf::cli
