#include "base/buildpack_url.h"

#include <doctest/doctest.h>

namespace mcf::base {

TEST_CASE("isBuildpackUrl tells URLs from admin buildpack names") {
  CHECK(isBuildpackUrl("https://github.com/cloudfoundry/python-buildpack"));
  CHECK(isBuildpackUrl("http://example.com/bp.zip"));
  CHECK(isBuildpackUrl("git://example.com/bp.git#v1.2"));
  CHECK(isBuildpackUrl("ssh://git@example.com/bp.git"));
  CHECK(isBuildpackUrl("git+ssh://example.com/bp.git"));
  CHECK(isBuildpackUrl("file:///tmp/bp"));
  CHECK(isBuildpackUrl("git@github.com:org/bp.git"));
  CHECK_FALSE(isBuildpackUrl("python_buildpack"));
  CHECK_FALSE(isBuildpackUrl("staticfile_buildpack"));
  CHECK_FALSE(isBuildpackUrl("./bp"));
  CHECK_FALSE(isBuildpackUrl("/tmp/bp"));
  CHECK_FALSE(isBuildpackUrl("://x"));
  CHECK_FALSE(isBuildpackUrl("1http://x"));
  CHECK_FALSE(isBuildpackUrl("a/b@c:d"));
}

TEST_CASE("buildpackUrlKey is stable, short and a plain folder name") {
  std::string a = buildpackUrlKey("file:///tmp/bp");
  CHECK(a.size() == 16);
  CHECK(a == buildpackUrlKey("file:///tmp/bp"));
  CHECK(a != buildpackUrlKey("file:///tmp/bp#v1"));
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("splitBuildpackUrl and fileUrlPath") {
  auto u = splitBuildpackUrl("file:///tmp/repo#v1.0");
  CHECK(u.address == "file:///tmp/repo");
  CHECK(u.ref == "v1.0");
  CHECK(splitBuildpackUrl("https://x/bp.zip").ref.empty());
  CHECK(fileUrlPath("file:///tmp/repo") == "/tmp/repo");
  CHECK(fileUrlPath("file://localhost/tmp/repo") == "/tmp/repo");
  CHECK(fileUrlPath("https://x/y").empty());
}

}  // namespace mcf::base
