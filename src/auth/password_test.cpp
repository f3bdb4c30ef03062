// Tests of password hashing: what is stored, and what verifies.
#include "auth/password.h"

#include <doctest/doctest.h>

#include "base/strutil.h"

using namespace mcf::auth;

TEST_CASE("a hashed password verifies, a wrong one does not") {
  std::string encoded = hashPassword("s3cret pass");
  CHECK(verifyPassword("s3cret pass", encoded));
  CHECK_FALSE(verifyPassword("s3cret pas", encoded));
  CHECK_FALSE(verifyPassword("S3cret pass", encoded));
  CHECK_FALSE(verifyPassword("", encoded));
}

TEST_CASE("the encoding names the scheme and iterations, and never contains the password") {
  std::string encoded = hashPassword("hunter2");
  auto parts = mcf::base::split(encoded, '$');
  REQUIRE(parts.size() == 4);
  CHECK(parts[0] == "pbkdf2-sha256");
  CHECK(std::stoi(parts[1]) >= 100000);
  CHECK(mcf::base::base64Decode(parts[2]).size() == 16);
  CHECK(mcf::base::base64Decode(parts[3]).size() == 32);
  CHECK(encoded.find("hunter2") == std::string::npos);
}

TEST_CASE("two hashes of the same password differ (random salt), and both verify") {
  std::string a = hashPassword("same");
  std::string b = hashPassword("same");
  CHECK(a != b);
  CHECK(verifyPassword("same", a));
  CHECK(verifyPassword("same", b));
}

TEST_CASE("an empty password hashes and verifies like any other") {
  std::string encoded = hashPassword("");
  CHECK(verifyPassword("", encoded));
  CHECK_FALSE(verifyPassword("x", encoded));
}

TEST_CASE("malformed or altered encodings never verify") {
  std::string good = hashPassword("pw");
  auto parts = mcf::base::split(good, '$');
  CHECK_FALSE(verifyPassword("pw", ""));
  CHECK_FALSE(verifyPassword("pw", "pw"));
  CHECK_FALSE(verifyPassword("pw", "md5$" + parts[1] + "$" + parts[2] + "$" + parts[3]));
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$" + parts[1] + "$" + parts[2]));
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$abc$" + parts[2] + "$" + parts[3]));
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$0$" + parts[2] + "$" + parts[3]));
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$99999999999$" + parts[2] + "$" + parts[3]));
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$" + parts[1] + "$$" + parts[3]));
  // Same salt, another iteration count: a different hash.
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$100001$" + parts[2] + "$" + parts[3]));
  // A hash from another salt.
  auto other = mcf::base::split(hashPassword("pw"), '$');
  CHECK_FALSE(verifyPassword("pw", parts[0] + "$" + parts[1] + "$" + parts[2] + "$" + other[3]));
}
