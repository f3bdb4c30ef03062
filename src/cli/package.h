// Uploading an app's files as a package: .cfignore, resource matching, zip, multipart upload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "base/result.h"
#include "cli/cfignore.h"

namespace mcf::cli {

class Session;

struct AppFile {
  std::string path;   // relative, '/'-separated
  int64_t size = 0;
  std::string mode;   // octal permission bits, "644"
  std::string sha1;   // of regular files (empty for symlinks)
  bool regular = true;  // false for symlinks (they go in the zip as links)
};

// The files of dir that a push uploads (ignore applied), sorted by path; SHA-1 computed for
// every regular file, as every one may be resource-matched.
base::Result<std::vector<AppFile>> scanAppDir(const std::string& dir, const CfIgnore& ignore);

struct UploadSummary {
  size_t files = 0;          // files in the app
  size_t matched_files = 0;  // of which the platform already had
  int64_t bytes = 0;         // size of the files
  int64_t matched_bytes = 0;
  int64_t sent_bytes = 0;    // the zip (or file) actually sent
  int64_t package_ms = 0;    // scanning, matching and zipping, before the upload began
};

// Uploads app_path (a directory, or a .zip/.jar file sent as is) as the bits of package_guid,
// then waits until the package is READY. Prints nothing. With match_resources, files the
// platform has are listed instead of sent; when one of them is gone by the time of the upload
// (evicted, or a damaged cache entry) the package fails and the error is kNotFound: upload
// to a new package without matching.
// A zip of dir (without what filter refuses; an empty filter takes everything), read into
// memory through a temporary file.
base::Result<std::string> zipApp(const std::string& dir, const archive::Filter& filter);

base::Result<UploadSummary> uploadPackage(Session& session, const std::string& package_guid,
                                          const std::string& app_path,
                                          bool match_resources = true);

}  // namespace mcf::cli
