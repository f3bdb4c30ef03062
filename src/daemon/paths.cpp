// Where microcf keeps its state and finds what it ships.
#include "daemon/paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/fs.h"

#ifndef MICROCF_SOURCE_DIR
#define MICROCF_SOURCE_DIR ""
#endif
#ifndef MICROCF_DATA_DIR
#define MICROCF_DATA_DIR "/usr/local/share/microcf"
#endif

namespace mcf::daemon {

using base::Errc;
using base::makeError;

std::string defaultHome() {
  if (const char* env = ::getenv("MICROCF_HOME"); env && *env) return env;
  const char* home = ::getenv("HOME");
  return base::joinPath(home && *home ? home : "/root", ".microcf");
}

// The first of: the option, the environment variable, the source tree this binary was built
// from, the installed share folder.
static std::string locate(const std::string& option, const char* env_name, const char* sub) {
  if (!option.empty()) return std::filesystem::absolute(option).string();
  if (const char* env = ::getenv(env_name); env && *env) return env;
  std::string source = base::joinPath(MICROCF_SOURCE_DIR, sub);
  if (std::string(MICROCF_SOURCE_DIR).size() && base::isDirectory(source)) return source;
  return base::joinPath(MICROCF_DATA_DIR, sub);
}

base::Result<Paths> resolvePaths(const DaemonOptions& options) {
  Paths p;
  p.home = options.data_dir.empty() ? defaultHome() : options.data_dir;
  std::error_code ec;
  p.home = std::filesystem::absolute(p.home, ec).lexically_normal().string();
  if (!p.home.empty() && p.home.back() == '/') p.home.pop_back();
  p.database = base::joinPath(p.home, "microcf.db");
  p.blobs = base::joinPath(p.home, "blobs");
  p.resource_pool = base::joinPath(p.home, "resources");
  p.depot = base::joinPath(p.home, "depot");
  p.droplets = base::joinPath(p.home, "droplets");
  p.staging = base::joinPath(p.home, "staging");
  p.caches = base::joinPath(p.home, "caches");
  p.lifecycle = base::joinPath(p.home, "lifecycle");
  p.daemon_file = base::joinPath(p.home, "daemon.json");
  p.buildpacks = locate(options.buildpacks_dir, "MICROCF_BUILDPACKS_DIR", "buildpacks");
  p.stemcell = locate("", "MICROCF_STEMCELL_DIR", "stemcell");
  if (!base::isDirectory(p.stemcell))
    return makeError(Errc::kIo, "stemcell folder {} not found: set MICROCF_STEMCELL_DIR to the "
                     "stemcell/ folder of microcf", p.stemcell);
  return p;
}

base::Status prepareDataDir(const Paths& paths) {
  MCF_TRY(base::makeDirs(paths.home, 0700));
  for (const auto* dir : {&paths.blobs, &paths.resource_pool, &paths.depot, &paths.droplets,
                          &paths.staging, &paths.caches, &paths.lifecycle})
    MCF_TRY(base::makeDirs(*dir, 0755));
  // Builds that were running when microcf stopped are gone with their containers.
  MCF_TRY(base::removeTree(paths.staging));
  MCF_TRY(base::makeDirs(paths.staging, 0755));
  return {};
}

base::Status installLifecycle(const Paths& paths) {
  std::string self = base::selfExe();
  std::string target = base::joinPath(paths.lifecycle, "microcf");
  struct stat a, b;
  bool same = ::stat(self.c_str(), &a) == 0 && ::stat(target.c_str(), &b) == 0 &&
              a.st_size == b.st_size && a.st_mtime <= b.st_mtime;
  if (!same) {
    // A hard link where the data dir shares the build's file system (a rebuild writes a new
    // inode, so running containers keep theirs), else a copy.
    std::string tmp = target + ".new";
    ::unlink(tmp.c_str());
    std::error_code ec;
    if (::link(self.c_str(), tmp.c_str()) != 0)
      std::filesystem::copy_file(self, tmp, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return makeError(Errc::kIo, "cannot copy {} to {}: {}", self, tmp, ec.message());
    ::chmod(tmp.c_str(), 0755);
    if (::rename(tmp.c_str(), target.c_str()) != 0)
      return makeError(Errc::kIo, "cannot install {}: {}", target, strerror(errno));
  }
  for (const char* name : {"launcher", "builder", "static-server"}) {
    std::string link = base::joinPath(paths.lifecycle, name);
    ::unlink(link.c_str());
    if (::symlink("microcf", link.c_str()) != 0)
      return makeError(Errc::kIo, "cannot link {}: {}", link, strerror(errno));
  }
  return {};
}

}  // namespace mcf::daemon
