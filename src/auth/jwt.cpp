// HS256 with OpenSSL's HMAC; "alg" is checked against a fixed value, never used to choose.
#include "auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "base/strutil.h"

namespace mcf::auth {

using base::Errc;

namespace {

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// base::base64Decode skips what it does not know; a token must not carry such bytes.
bool isBase64Url(std::string_view s) {
  if (s.empty() || s.size() % 4 == 1) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

base::Error invalid(std::string_view why) {
  return base::makeError(Errc::kInvalidToken, "Invalid auth token: {}", why);
}

}  // namespace

std::string signHs256(std::string_view header_json, std::string_view payload_json,
                      std::string_view key) {
  std::string signing_input =
      base::base64UrlEncode(header_json) + "." + base::base64UrlEncode(payload_json);
  return signing_input + "." + base::base64UrlEncode(hmacSha256(key, signing_input));
}

base::Result<std::string> verifyHs256(const std::string& jwt, std::string_view key) {
  std::vector<std::string> parts = base::split(jwt, '.');
  if (parts.size() != 3) return invalid("not a JWT (expected 3 dot-separated segments)");
  for (const auto& part : parts) {
    if (!isBase64Url(part)) return invalid("a segment is not base64url");
  }

  auto header = nlohmann::json::parse(base::base64Decode(parts[0]), nullptr, false);
  if (!header.is_object()) return invalid("the header is not a JSON object");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return invalid("the header names no algorithm");
  if (alg->get<std::string>() != "HS256") {
    return base::makeError(Errc::kInvalidToken,
                           "Invalid auth token: algorithm '{:.20}' is not accepted (HS256 only)",
                           alg->get<std::string>());
  }

  std::string_view signing_input = std::string_view(jwt).substr(0, parts[0].size() + 1 + parts[1].size());
  std::string expected = hmacSha256(key, signing_input);
  std::string actual = base::base64Decode(parts[2]);
  if (actual.size() != expected.size() ||
      CRYPTO_memcmp(actual.data(), expected.data(), expected.size()) != 0) {
    return invalid("signature does not match");
  }
  return base::base64Decode(parts[1]);
}

}  // namespace mcf::auth
