// The build artifacts cache between stagings: one folder per (app, stack), copied for each
// staging and put back only by a successful one.
//
// Owns: <caches>/<app guid>/<stack>.cache and its replacement. Does not own: the staging
// folder (stager.cpp) or removal on clear_buildpack_cache (Stager::clearCache).
// Thread: blocking file operations for the thread pool.
#pragma once

#include <string>

#include "base/result.h"

namespace mcf::stager {

// Where the cache of (app, stack) is kept: <caches_dir>/<app_guid>/<stack>.cache.
std::string savedCacheDir(const std::string& caches_dir, const std::string& app_guid,
                          const std::string& stack);

// Makes cache (a folder of the staging) a copy of saved, or an empty folder when there is no
// saved cache or it cannot be copied (the staging then runs without one).
base::Status restoreCache(const std::string& saved, const std::string& cache);

// Puts the staging's cache (from) in place of the saved one (to): a rename, or a copy when
// from is on another file system, then an exchange, so that a reader sees the old cache or the
// new one, never a mix. Removes what else is in the app's folder: the previous cache and
// folders of the layout before caches were per stack. tag names the temporary folder.
base::Status saveCache(const std::string& from, const std::string& to, const std::string& tag);

}  // namespace mcf::stager
