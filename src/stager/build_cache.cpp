// The build artifacts cache: copied into each staging, saved by successful ones.
#include "stager/build_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <filesystem>

#include "base/fs.h"
#include "base/log.h"

namespace mcf::stager {

using base::Errc;
using base::makeError;

namespace {

constexpr std::string_view kCacheSuffix = ".cache";

bool isCacheName(const std::string& name) {
  return name.size() > kCacheSuffix.size() &&
         name.compare(name.size() - kCacheSuffix.size(), std::string::npos, kCacheSuffix) == 0;
}

}  // namespace

std::string savedCacheDir(const std::string& caches_dir, const std::string& app_guid,
                          const std::string& stack) {
  return base::joinPath(base::joinPath(caches_dir, app_guid), stack + std::string(kCacheSuffix));
}

base::Status restoreCache(const std::string& saved, const std::string& cache) {
  // The build works on a copy: a failed or killed staging leaves the saved one as it was.
  if (base::isDirectory(saved)) {
    if (auto copied = base::copyTree(saved, cache); !copied.ok()) {
      MCF_WARN("stager", "staging without the build cache: {}", copied.error().message);
      MCF_TRY(base::removeTree(cache));
    }
  }
  return base::makeDirs(cache);
}

base::Status saveCache(const std::string& from, const std::string& to, const std::string& tag) {
  std::string parent = std::filesystem::path(to).parent_path().string();
  MCF_TRY(base::makeDirs(parent));
  std::string fresh = to + ".saving-" + tag;
  MCF_TRY(base::removeTree(fresh));
  if (::rename(from.c_str(), fresh.c_str()) != 0) {
    if (errno != EXDEV)
      return makeError(Errc::kIo, "cannot move the build cache to {}: {}", fresh, strerror(errno));
    MCF_TRY(base::copyTree(from, fresh));
  }
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != ENOENT || ::rename(fresh.c_str(), to.c_str()) != 0)
      return makeError(Errc::kIo, "cannot put the build cache in place at {}: {}", to,
                       strerror(errno));
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
    std::string name = e.path().filename().string();
    if (!isCacheName(name)) (void)base::removeTree(e.path().string());
  }
  return {};
}

}  // namespace mcf::stager
