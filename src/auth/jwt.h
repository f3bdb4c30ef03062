// JWS compact serialization with HS256 only: signing and checking the three segments.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace mcf::auth {

// "<b64url header>.<b64url payload>.<b64url HMAC-SHA256>"; both arguments are JSON text.
std::string signHs256(std::string_view header_json, std::string_view payload_json,
                      std::string_view key);

// The payload's JSON text when jwt is three base64url segments, its header says HS256, and
// the signature matches key. Anything else is kInvalidToken saying which check failed.
// Claims (exp, ...) are the caller's business.
base::Result<std::string> verifyHs256(const std::string& jwt, std::string_view key);

}  // namespace mcf::auth
