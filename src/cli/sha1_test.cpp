// SHA-1 against the FIPS 180 test vectors (resource matching depends on exact digests).
#include "cli/sha1.h"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("sha1 test vectors") {
  CHECK(mcf::cli::sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(mcf::cli::sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(mcf::cli::sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(mcf::cli::sha1Hex(std::string(1000000, 'a')) ==
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("sha1 is the same whatever the update sizes") {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += std::to_string(i * 7919);
  mcf::cli::Sha1 sha;
  for (size_t i = 0; i < data.size(); i += 37) sha.update(std::string_view(data).substr(i, 37));
  CHECK(sha.hexDigest() == mcf::cli::sha1Hex(data));
}
