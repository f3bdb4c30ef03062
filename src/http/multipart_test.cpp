// Tests of multipart/form-data parsing and building.
#include "http/multipart.h"

#include <doctest/doctest.h>

using namespace mcf::http;

TEST_CASE("build then parse round-trips binary parts") {
  std::string zip("PK\x03\x04\0\0\r\n--not-the-boundary\r\n\xff", 30);
  std::vector<Part> parts = {
      {"resources", "", "", "[]"},
      {"bits", "app.zip", "application/zip", zip},
      {"empty", "", "", ""},
  };
  std::string body = buildMultipart(parts, "b0undary42");
  auto back = parseMultipart(body, "multipart/form-data; boundary=b0undary42");
  REQUIRE(back.ok());
  REQUIRE(back->size() == 3);
  CHECK((*back)[0].name == "resources");
  CHECK((*back)[0].data == "[]");
  CHECK((*back)[1].name == "bits");
  CHECK((*back)[1].filename == "app.zip");
  CHECK((*back)[1].content_type == "application/zip");
  CHECK((*back)[1].data == zip);
  CHECK((*back)[2].name == "empty");
  CHECK((*back)[2].data.empty());
}

TEST_CASE("parses what curl -F sends, with a quoted boundary and a preamble") {
  std::string body =
      "preamble to ignore\r\n"
      "------------------------abc\r\n"
      "Content-Disposition: form-data; name=\"bits\"; filename=\"my app.zip\"\r\n"
      "Content-Type: application/octet-stream\r\n"
      "\r\n"
      "DATA\r\n"
      "------------------------abc--\r\n";
  auto parts = parseMultipart(body, "multipart/form-data; boundary=\"----------------------abc\"");
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 1);
  CHECK((*parts)[0].name == "bits");
  CHECK((*parts)[0].filename == "my app.zip");
  CHECK((*parts)[0].data == "DATA");
}

TEST_CASE("malformed multipart bodies are kParse errors") {
  auto no_boundary = parseMultipart("x", "multipart/form-data");
  REQUIRE_FALSE(no_boundary.ok());
  CHECK(no_boundary.error().code == mcf::base::Errc::kParse);
  auto missing = parseMultipart("nothing here", "multipart/form-data; boundary=zz");
  CHECK_FALSE(missing.ok());
  auto cut =
      parseMultipart("--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\npartial data",
                     "multipart/form-data; boundary=zz");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().message.find("closing boundary") != std::string::npos);
}
