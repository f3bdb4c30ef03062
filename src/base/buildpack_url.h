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

}  // namespace mcf::base
