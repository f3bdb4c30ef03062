// Static file lookup for the static server: request path → file under ROOT, never outside it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace mcf::lifecycle {

struct StaticOptions {
  bool host_dot_files = false;  // Staticfile's host_dot_files: serve names starting with '.'
  bool gzip = true;             // serve FILE.gz for FILE to clients that accept gzip
};

enum class StaticKind {
  kFile,        // path is a regular file inside the root
  kRedirect,    // a directory asked for without its trailing '/'
  kNotFound,    // missing, hidden, not a regular file, or a symlink that leaves the root
  kForbidden,   // a directory without index.html, or unreadable
  kBadRequest,  // ".." segments, NUL bytes, or a path that does not start with '/'
};

struct StaticTarget {
  StaticKind kind = StaticKind::kNotFound;
  std::string path;  // kFile: the real path of the file
};

// The segments of a percent-decoded request path with "" and "." dropped; kInvalid for ".."
// (never resolved, even when it would stay inside the root), NUL, or no leading '/'.
base::Result<std::vector<std::string>> pathSegments(std::string_view decoded_path);

// Resolves a percent-decoded request path against root_real (a realpath). Symlinks are
// followed, and the result must still be root_real or below it. Blocking (stat, realpath).
StaticTarget resolveStaticPath(const std::string& root_real, std::string_view decoded_path,
                               const StaticOptions& options);

// Content-Type by extension (case-insensitive); application/octet-stream otherwise.
std::string contentTypeFor(std::string_view path);

}  // namespace mcf::lifecycle
