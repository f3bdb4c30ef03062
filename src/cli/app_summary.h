// The app summary `microcf app` and the end of `microcf push` print: app fields, routes as
// URLs, droplet, and one instance table per process, in the cf CLI's layout.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::cli {

class Session;

// Prints the summary of app (a v3 app resource). Fails only when the API does.
base::Status printAppSummary(Session& session, const nlohmann::json& app);

// Sizes as cf prints them: "256M", "1G", "8.1M", "340K", "12B".
std::string shortBytes(int64_t bytes);

// The instance table for one process's stats resources ("#0   running   since ...").
std::string formatInstanceTable(const nlohmann::json& stats_resources, int64_t now_seconds);

// "Mon 01 Jan 10:00:00 UTC 2024" in local time, from "2024-01-01T10:00:00Z"; "" if unparsable.
std::string formatUploaded(const std::string& created_at);

}  // namespace mcf::cli
