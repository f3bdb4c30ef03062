// Tests of BuildpackRegistry after replace(): detection order per stack, disabled buildpacks.
#include <doctest/doctest.h>

#include "stager/buildpacks.h"

using namespace mcf;
using namespace mcf::stager;

TEST_CASE("buildpack registry: enabled ones by position for the stack; disabled refused") {
  BuildpackRegistry r;
  r.replace({{"mine", "/bp/mine", 1, "", true},
             {"off", "/bp/off", 2, "", false},
             {"static", "/bp/static-bookworm", 3, "bookworm", true},
             {"static", "/bp/static", 4, "", true}});
  CHECK(r.names("host") == std::vector<std::string>{"mine", "static"});
  CHECK(r.names("bookworm") == std::vector<std::string>{"mine", "static"});
  CHECK(r.find("static", "bookworm")->dir == "/bp/static-bookworm");
  CHECK(r.find("static", "host")->dir == "/bp/static");
  CHECK(r.checkRequested("mine", "host").ok());
  auto off = r.checkRequested("off", "host");
  REQUIRE(!off.ok());
  CHECK(off.error().message ==
        "Buildpack 'off' is disabled. Enabled buildpacks: mine, static. An admin can enable it "
        "with 'microcf update-buildpack off --enable'; or use one of the enabled ones.");
  auto none = r.checkRequested("nope", "host");
  REQUIRE(!none.ok());
  CHECK(none.error().message.starts_with("Buildpack 'nope' not found. Available buildpacks: "
                                         "mine, static."));
}
