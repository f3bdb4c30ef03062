// Buildpacks named by URL rather than by an admin buildpack's name (`push -b <url>`):
// which strings are URLs, and the folder key a fetched buildpack is kept under. The CLI, the
// controller, the stager and the builder all use these, so they agree on both.
#pragma once

#include <string>
#include <string_view>

namespace mcf::base {

// "scheme://..." (http, https, git, ssh, file, ...) or scp-like "user@host:path". Admin
// buildpack names are never URLs.
bool isBuildpackUrl(std::string_view s);

// The folder name a URL buildpack is fetched into and the builder finds it under: hex of a
// 64-bit FNV-1a hash of the whole URL (with its #ref). Never contains '/' or dots.
std::string buildpackUrlKey(std::string_view url);

// A URL split at its last '#': the address and the git ref ("" when none).
struct BuildpackUrl {
  std::string address;
  std::string ref;
};
BuildpackUrl splitBuildpackUrl(std::string_view url);

// The local path of a file:// URL's address ("" if the URL is not file://).
std::string fileUrlPath(std::string_view address);

// True when dir has one of a buildpack's scripts (bin/detect, bin/supply, bin/compile or
// bin/finalize): what every way of adding a buildpack checks.
bool isBuildpackDir(const std::string& dir);

// Where the buildpack in dir is: dir itself, else its one top-level folder (as GitHub's zips
// and repositories of a folder have it; a .git beside it is ignored); "" when neither.
std::string buildpackTop(const std::string& dir);

}  // namespace mcf::base
