// JWT claim decoding for the CLI (no signature check: the API verifies tokens).
#include "cli/token.h"

#include "base/strutil.h"

namespace mcf::cli {

std::optional<nlohmann::json> jwtClaims(const std::string& jwt) {
  auto parts = base::split(jwt, '.');
  if (parts.size() != 3 || parts[1].empty()) return std::nullopt;
  auto claims = nlohmann::json::parse(base::base64Decode(parts[1]), nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return std::nullopt;
  return claims;
}

std::optional<int64_t> jwtExpiry(const std::string& jwt) {
  auto claims = jwtClaims(jwt);
  if (!claims) return std::nullopt;
  auto it = claims->find("exp");
  if (it == claims->end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

std::string jwtUserName(const std::string& jwt) {
  auto claims = jwtClaims(jwt);
  if (!claims) return "";
  for (const char* key : {"user_name", "client_id"}) {
    auto it = claims->find(key);
    if (it != claims->end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

bool tokenNeedsRefresh(const std::string& jwt, int64_t now_seconds) {
  auto exp = jwtExpiry(jwt);
  return !exp || *exp - now_seconds < kRefreshMarginSeconds;
}

}  // namespace mcf::cli
