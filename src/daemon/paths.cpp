// Where microcf keeps its state and finds what it ships.
#include "daemon/paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/fs.h"
#include "base/install.h"
#include "base/strutil.h"
#include "runner/mount_ops.h"

namespace mcf::daemon {

using base::Errc;
using base::makeError;

// The option if given, else the folder microcf ships (base::shippedDir).
static std::string locate(const std::string& option, const char* env_name, const char* sub) {
  if (!option.empty()) return std::filesystem::absolute(option).string();
  return base::shippedDir(env_name, sub);
}

base::Result<Paths> resolvePaths(const DaemonOptions& options) {
  Paths p;
  p.home = options.data_dir.empty() ? base::defaultHome() : options.data_dir;
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
  p.lifecycle_rootfs = base::joinPath(p.home, "lifecycle-rootfs");
  p.stemcells = base::joinPath(p.home, "stemcells");
  p.stacks = base::joinPath(p.home, "stacks");
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
                          &paths.staging, &paths.caches, &paths.lifecycle,
                          &paths.lifecycle_rootfs, &paths.stemcells, &paths.stacks})
    MCF_TRY(base::makeDirs(*dir, 0755));
  // Builds that were running when microcf stopped are gone with their containers. A staging
  // folder with a disk limit is its own file system: unmounted first.
  MCF_TRY(runner::unmountAllUnder(paths.staging));
  MCF_TRY(base::removeTree(paths.staging));
  // Bits of admin buildpacks replaced or deleted while stagings used them (controller/
  // buildpacks.cpp): no staging runs now.
  MCF_TRY(base::removeTree(base::joinPath(paths.home, "buildpacks/.retired")));
  MCF_TRY(base::makeDirs(paths.staging, 0755));
  return {};
}

namespace {

// Puts from at to (a hard link where they share a file system, else a copy) unless to is
// already the same size and at least as new. Replaced by rename: running containers keep theirs.
// mode 0 keeps from's mode (a hard link shares it: never chmod another owner's file).
base::Status installFile(const std::string& from, const std::string& to, int mode) {
  struct stat a, b;
  if (::stat(from.c_str(), &a) != 0)
    return makeError(Errc::kIo, "cannot read {}: {}", from, strerror(errno));
  if (::stat(to.c_str(), &b) == 0 && a.st_size == b.st_size && a.st_mtime <= b.st_mtime) return {};
  std::string tmp = to + ".new";
  ::unlink(tmp.c_str());
  std::error_code ec;
  if (::link(from.c_str(), tmp.c_str()) != 0)
    std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return makeError(Errc::kIo, "cannot copy {} to {}: {}", from, tmp, ec.message());
  if (mode != 0) ::chmod(tmp.c_str(), mode);
  if (::rename(tmp.c_str(), to.c_str()) != 0)
    return makeError(Errc::kIo, "cannot install {}: {}", to, strerror(errno));
  return {};
}

base::Status installRootfsLifecycle(const Paths& paths, const std::string& binary) {
  const std::string& dir = paths.lifecycle_rootfs;
  std::string lib = base::joinPath(dir, "lib");
  MCF_TRY(base::makeDirs(lib, 0755));
  MCF_TRY(installFile(binary, base::joinPath(dir, "microcf"), 0755));
  std::string loader;
  std::map<std::string, std::vector<std::filesystem::path>> links_by_dir;
  for (const auto& so : loadedLibraries()) {
    std::filesystem::path path(so);
    std::string name = path.filename().string();
    MCF_TRY(installFile(so, base::joinPath(lib, name), 0));
    // Maps name the real file (libfmt.so.9.1.0); programs ask for the soname (libfmt.so.9),
    // a link beside it: the same links go beside the copy.
    std::string dir = path.parent_path().string();
    if (!links_by_dir.count(dir)) {
      auto& links = links_by_dir[dir];
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_symlink(ec)) links.push_back(e.path());
    }
    std::error_code ec;
    auto real = std::filesystem::canonical(path, ec);
    // Only links named like the library (libfmt.so*) can be its soname: resolving every
    // link of /usr/lib/<triplet> costs tens of thousands of readlinks at each start.
    std::string stem = name.substr(0, name.find(".so") + 3);
    for (const auto& link : links_by_dir[dir]) {
      if (link.filename().string().rfind(stem, 0) != 0) continue;
      std::error_code lec;
      if (std::filesystem::canonical(link, lec) != real || lec) continue;
      std::string alias = base::joinPath(lib, link.filename().string());
      std::error_code rec;
      if (std::filesystem::read_symlink(alias, rec).string() == name) continue;
      ::unlink(alias.c_str());
      if (::symlink(name.c_str(), alias.c_str()) != 0)
        return makeError(Errc::kIo, "cannot link {}: {}", alias, strerror(errno));
    }
    if (name.rfind("ld-linux", 0) == 0 || name.rfind("ld64.so", 0) == 0) loader = name;
  }
  // The loader by the name the binary's PT_INTERP uses (ld-linux-x86-64.so.2), if linked.
  for (const auto& e : std::filesystem::directory_iterator(lib)) {
    std::string n = e.path().filename().string();
    if (n.rfind("ld-linux", 0) == 0 && n.find(".so.") != std::string::npos) loader = n;
  }
  if (loader.empty())
    return makeError(Errc::kIo, "cannot find the dynamic loader among microcf's libraries "
                     "(/proc/self/maps): rootfs stacks cannot run the lifecycle");
  // $0 (/tmp/lifecycle/launcher) becomes argv[0]: microcf picks the program by its name.
  std::string script = fmt::format(
      "#!/bin/sh\n"
      "# microcf's lifecycle on a rootfs stack: the host's binary, loader and libraries.\n"
      "exec /tmp/lifecycle/lib/{} --library-path /tmp/lifecycle/lib --argv0 \"$0\" "
      "/tmp/lifecycle/microcf \"$@\"\n",
      loader);
  for (const char* name : {"launcher", "builder", "static-server"}) {
    std::string path = base::joinPath(dir, name);
    auto old = base::readFile(path);
    if (!old.ok() || *old != script) MCF_TRY(base::writeFileAtomic(path, script, 0755));
  }
  return {};
}

}  // namespace

std::vector<std::string> loadedLibraries() {
  std::vector<std::string> out;
  auto maps = base::readFile("/proc/self/maps");
  if (!maps.ok()) return out;
  for (const auto& line : base::split(*maps, '\n')) {
    size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string name = std::filesystem::path(path).filename().string();
    if (name.find(".so") == std::string::npos || path.find(" (deleted)") != std::string::npos)
      continue;
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

base::Status installLifecycle(const Paths& paths) {
  std::string self = base::selfExe();
  std::string target = base::joinPath(paths.lifecycle, "microcf");
  MCF_TRY(installFile(self, target, 0755));
  for (const char* name : {"launcher", "builder", "static-server"}) {
    std::string link = base::joinPath(paths.lifecycle, name);
    ::unlink(link.c_str());
    if (::symlink("microcf", link.c_str()) != 0)
      return makeError(Errc::kIo, "cannot link {}: {}", link, strerror(errno));
  }
  return installRootfsLifecycle(paths, target);
}

}  // namespace mcf::daemon
