// Reading the access token's claims without verifying it, as the cf CLI does: the user name
// to print "as admin..." and `exp` to refresh before a token runs out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mcf::cli {

// The JWT payload (second segment) as JSON, or nullopt when the token is not a JWT.
std::optional<nlohmann::json> jwtClaims(const std::string& jwt);
// The `exp` claim (seconds since the epoch), or nullopt.
std::optional<int64_t> jwtExpiry(const std::string& jwt);
// user_name, else client_id, else "".
std::string jwtUserName(const std::string& jwt);

// cf refreshes a token that does not parse or expires within a minute.
constexpr int64_t kRefreshMarginSeconds = 60;
bool tokenNeedsRefresh(const std::string& jwt, int64_t now_seconds);

}  // namespace mcf::cli
