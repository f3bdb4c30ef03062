// PBKDF2 via OpenSSL; the encoding carries its own iteration count so it can be raised later.
#include "auth/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>
#include <optional>

#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"

namespace mcf::auth {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr int kIterations = 100000;  // OWASP's floor for PBKDF2-SHA256 is higher, but this
                                     // runs on a laptop per login; the count is in the hash.
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr int kMaxIterations = 10000000;  // refuse encodings that would stall the platform

std::optional<std::string> derive(const std::string& password, const std::string& salt,
                                  int iterations, size_t length) {
  std::string out(length, '\0');
  int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()),
                             static_cast<int>(salt.size()), iterations, EVP_sha256(),
                             static_cast<int>(length), reinterpret_cast<unsigned char*>(out.data()));
  if (ok != 1) return std::nullopt;
  return out;
}

}  // namespace

std::string hashPassword(const std::string& password) {
  std::string salt(kSaltBytes, '\0');
  base::randomBytes(salt.data(), salt.size());
  auto hash = derive(password, salt, kIterations, kHashBytes);
  if (!hash) {
    // Only a broken libcrypto gets here; storing an unusable hash would lock the user out
    // silently, so stop loudly instead.
    MCF_ERROR("auth", "PKCS5_PBKDF2_HMAC failed: libcrypto is broken");
    std::abort();
  }
  return std::string(kScheme) + "$" + std::to_string(kIterations) + "$" +
         base::base64Encode(salt) + "$" + base::base64Encode(*hash);
}

bool verifyPassword(const std::string& password, const std::string& encoded) {
  std::vector<std::string> parts = base::split(encoded, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  int iterations = 0;
  const std::string& iter = parts[1];
  auto [end, ec] = std::from_chars(iter.data(), iter.data() + iter.size(), iterations);
  if (ec != std::errc() || end != iter.data() + iter.size()) return false;
  if (iterations < 1 || iterations > kMaxIterations) return false;
  std::string salt = base::base64Decode(parts[2]);
  std::string expected = base::base64Decode(parts[3]);
  if (salt.empty() || expected.size() < 16 || expected.size() > 64) return false;
  auto actual = derive(password, salt, iterations, expected.size());
  if (!actual) return false;
  return CRYPTO_memcmp(actual->data(), expected.data(), expected.size()) == 0;
}

}  // namespace mcf::auth
