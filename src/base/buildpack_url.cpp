#include "base/buildpack_url.h"

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "base/fs.h"

namespace mcf::base {

bool isBuildpackUrl(std::string_view s) {
  size_t colon = s.find("://");
  if (colon != std::string_view::npos && colon > 0) {
    bool scheme = std::isalpha(static_cast<unsigned char>(s[0])) != 0;
    for (size_t i = 1; i < colon && scheme; ++i) {
      char c = s[i];
      scheme = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    }
    if (scheme) return true;
  }
  // git@github.com:org/repo.git
  size_t at = s.find('@');
  size_t col = s.find(':');
  return at != std::string_view::npos && col != std::string_view::npos && at > 0 && col > at + 1 &&
         s.find('/') > col;
}

std::string buildpackUrlKey(std::string_view url) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : url) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

BuildpackUrl splitBuildpackUrl(std::string_view url) {
  size_t hash = url.rfind('#');
  if (hash == std::string_view::npos) return {std::string(url), ""};
  return {std::string(url.substr(0, hash)), std::string(url.substr(hash + 1))};
}

std::string fileUrlPath(std::string_view address) {
  if (!address.starts_with("file://")) return "";
  std::string_view rest = address.substr(7);
  // file://localhost/path is file:///path
  if (rest.starts_with("localhost/")) rest.remove_prefix(9);
  return std::string(rest);
}

bool isBuildpackDir(const std::string& dir) {
  for (const char* script : {"detect", "supply", "compile", "finalize"})
    if (pathExists(joinPath(dir, std::string("bin/") + script))) return true;
  return false;
}

std::string buildpackTop(const std::string& dir) {
  if (isBuildpackDir(dir)) return dir;
  std::error_code ec;
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename() != ".git") entries.push_back(e.path());
  if (ec || entries.size() != 1) return "";
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(entries[0]))) return "";
  return isBuildpackDir(entries[0].string()) ? entries[0].string() : "";
}

}  // namespace mcf::base
