// Tests of the string helpers.
#include "base/strutil.h"

#include <doctest/doctest.h>

#include "base/ids.h"

using namespace mcf::base;

TEST_CASE("base64 round trips in both alphabets") {
  CHECK(base64Encode("hello") == "aGVsbG8=");
  CHECK(base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(base64Decode("aGVsbG8=") == "hello");
  CHECK(base64Decode("-_8") == "\xfb\xff");
}

TEST_CASE("url decoding handles plus and percent escapes") {
  CHECK(urlDecode("a+b%2Cc") == "a b,c");
  CHECK(urlDecode("100%") == "100%");
  CHECK(urlDecode("/a+b%20c", false) == "/a+b c");
  CHECK(urlEncode("a b/c") == "a%20b%2Fc");
}

TEST_CASE("split, trim and join") {
  CHECK(split("a,b,,c", ',').size() == 4);
  CHECK(trim("  x y \n") == "x y");
  CHECK(join({"a", "b"}, ", ") == "a, b");
  CHECK(shellQuote("it's") == "'it'\\''s'");
}

TEST_CASE("guids are lowercase v4 uuids") {
  std::string g = newGuid();
  CHECK(isGuid(g));
  CHECK(g[14] == '4');
  CHECK_FALSE(isGuid("not-a-guid"));
  CHECK(newGuid() != g);
}
