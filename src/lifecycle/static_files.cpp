// Path safety and content types for the static server.
#include "lifecycle/static_files.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/strutil.h"

namespace mcf::lifecycle {

namespace {

bool within(const std::string& root, const std::string& path) {
  if (path == root) return true;
  std::string prefix = root == "/" ? root : root + "/";
  return path.compare(0, prefix.size(), prefix) == 0;
}

// realpath, or the StaticKind that its failure means.
StaticKind realPath(const std::string& path, std::string& out) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr)
    return errno == EACCES ? StaticKind::kForbidden : StaticKind::kNotFound;
  out = buf;
  return StaticKind::kFile;
}

}  // namespace

base::Result<std::vector<std::string>> pathSegments(std::string_view decoded_path) {
  if (decoded_path.empty() || decoded_path[0] != '/')
    return base::makeError(base::Errc::kInvalid, "the path must start with '/'");
  if (decoded_path.find('\0') != std::string_view::npos)
    return base::makeError(base::Errc::kInvalid, "the path contains a NUL byte");
  std::vector<std::string> out;
  for (std::string& segment : base::split(decoded_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return base::makeError(base::Errc::kInvalid, "the path contains '..'");
    out.push_back(std::move(segment));
  }
  return out;
}

StaticTarget resolveStaticPath(const std::string& root_real, std::string_view decoded_path,
                               const StaticOptions& options) {
  auto segments = pathSegments(decoded_path);
  if (!segments) return {StaticKind::kBadRequest, ""};
  std::string joined = root_real;
  for (const std::string& segment : *segments) {
    if (segment[0] == '.' && !options.host_dot_files) return {StaticKind::kNotFound, ""};
    joined += "/" + segment;
  }
  std::string real;
  if (StaticKind k = realPath(joined, real); k != StaticKind::kFile) return {k, ""};
  if (!within(root_real, real)) return {StaticKind::kNotFound, ""};
  struct stat st;
  if (::stat(real.c_str(), &st) != 0) return {StaticKind::kNotFound, ""};
  if (S_ISDIR(st.st_mode)) {
    if (decoded_path.back() != '/') return {StaticKind::kRedirect, ""};
    std::string index;
    if (realPath(real + "/index.html", index) != StaticKind::kFile || !within(root_real, index) ||
        ::stat(index.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return {StaticKind::kForbidden, ""};
    return {StaticKind::kFile, index};
  }
  if (!S_ISREG(st.st_mode)) return {StaticKind::kNotFound, ""};
  return {StaticKind::kFile, real};
}

std::string contentTypeFor(std::string_view path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"svg", "image/svg+xml"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"txt", "text/plain; charset=utf-8"},
      {"xml", "application/xml"},
      {"pdf", "application/pdf"},
      {"wasm", "application/wasm"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
  };
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    std::string ext = base::toLower(name.substr(dot + 1));
    for (const auto& [e, type] : kTypes)
      if (ext == e) return type;
  }
  return "application/octet-stream";
}

}  // namespace mcf::lifecycle
