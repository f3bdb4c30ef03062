// Mount points without symlink escapes, device nodes, and one mount syscall (or two) per
// mounting plan step.
#include "runner/mount_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;
using base::UniqueFd;

namespace {

base::Error sysError(const std::string& what) {
  return makeError(Errc::kIo, "{}: {}", what, strerror(errno));
}

unsigned long mountFlags(const MountStep& s) {
  unsigned long f = 0;
  if (s.read_only) f |= MS_RDONLY;
  if (s.nosuid) f |= MS_NOSUID;
  if (s.nodev) f |= MS_NODEV;
  if (s.noexec) f |= MS_NOEXEC;
  return f;
}

// A bind mount keeps its source's flags; these are set afterwards, on every submount too.
base::Status setBindAttrs(const std::string& path, const MountStep& s) {
  mount_attr attr{};
  if (s.read_only) attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (s.nosuid) attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (s.nodev) attr.attr_set |= MOUNT_ATTR_NODEV;
  if (s.noexec) attr.attr_set |= MOUNT_ATTR_NOEXEC;
  if (attr.attr_set == 0) return {};
  if (::mount_setattr(AT_FDCWD, path.c_str(), AT_RECURSIVE, &attr, sizeof attr) != 0) {
    return sysError("cannot restrict bind mount " + path);
  }
  return {};
}

// "dev/null" -> {"dev", "null"}; "etc" -> {"", "etc"}.
std::pair<std::string, std::string> splitTarget(const std::string& target) {
  size_t slash = target.rfind('/');
  if (slash == std::string::npos) return {"", target};
  return {target.substr(0, slash), target.substr(slash + 1)};
}

// s.source bound at s.target (made first, a directory or a file as the source is), then
// restricted by s's flags.
base::Status bindMount(const std::string& rootfs, const MountStep& s) {
  std::string path = s.target.empty() ? rootfs : rootfs + "/" + s.target;
  struct stat st;
  if (::stat(s.source.c_str(), &st) != 0) return sysError("bind mount source " + s.source);
  auto fd = makeMountPoint(rootfs, s.target, S_ISDIR(st.st_mode));
  if (!fd.ok()) return fd.takeError();
  if (::mount(s.source.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return sysError("cannot bind " + s.source + " at /" + s.target);
  }
  return setBindAttrs(path, s);
}

}  // namespace

base::Result<UniqueFd> makeMountPoint(const std::string& root, const std::string& rel, bool dir) {
  UniqueFd cur(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid()) return sysError("cannot open " + root);
  if (rel.empty()) return cur;
  auto parts = base::split(rel, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty() || part == "." || part == "..") {
      return makeError(Errc::kInvalid, "mount point '{}' is not a clean relative path", rel);
    }
    std::string shown = "/" + base::join({parts.begin(), parts.begin() + static_cast<long>(i) + 1}, "/");
    bool last = i + 1 == parts.size();
    if (!last || dir) {
      UniqueFd next(::openat(cur.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!next.valid() && errno == ENOENT) {
        if (::mkdirat(cur.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
          return sysError("cannot create mount point " + shown);
        }
        next.reset(::openat(cur.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      }
      if (!next.valid()) {
        return makeError(Errc::kInvalid, "mount point {} is not a directory (or is a symlink): {}",
                         shown, strerror(errno));
      }
      cur = std::move(next);
      continue;
    }
    UniqueFd file(::openat(cur.get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (file.valid()) {
      struct stat st;
      if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return makeError(Errc::kInvalid, "mount point {} exists and is not a regular file", shown);
      }
      return file;
    }
    if (errno != ENOENT) return sysError("cannot open mount point " + shown);
    UniqueFd created(::openat(cur.get(), part.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!created.valid()) return sysError("cannot create mount point " + shown);
    return created;
  }
  return cur;
}

base::Status applyMountStep(const std::string& rootfs, const MountStep& s) {
  std::string path = s.target.empty() ? rootfs : rootfs + "/" + s.target;
  std::string shown = "/" + s.target;
  unsigned long flags = mountFlags(s);
  switch (s.kind) {
    case MountStep::Kind::kDir: {
      auto fd = makeMountPoint(rootfs, s.target, true);
      if (!fd.ok()) return fd.takeError();
      if (::chmod(path.c_str(), static_cast<mode_t>(s.mode)) != 0 ||
          ::chown(path.c_str(), static_cast<uid_t>(s.uid), static_cast<gid_t>(s.gid)) != 0) {
        return sysError("cannot set up " + shown);
      }
      return {};
    }
    case MountStep::Kind::kFile: {
      auto [parent, name] = splitTarget(s.target);
      auto dir = makeMountPoint(rootfs, parent, true);
      if (!dir.ok()) return dir.takeError();
      UniqueFd fd(::openat(dir->get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                           static_cast<mode_t>(s.mode)));
      if (!fd.valid() || ::write(fd.get(), s.data.data(), s.data.size()) != static_cast<ssize_t>(s.data.size())) {
        return sysError("cannot write " + shown);
      }
      return {};
    }
    case MountStep::Kind::kMountPoint: {
      struct stat st;
      if (::stat(s.source.c_str(), &st) != 0) return sysError("bind mount source " + s.source);
      auto fd = makeMountPoint(rootfs, s.target, S_ISDIR(st.st_mode));
      if (!fd.ok()) return fd.takeError();
      return {};
    }
    case MountStep::Kind::kSymlink: {
      auto [parent, name] = splitTarget(s.target);
      auto dir = makeMountPoint(rootfs, parent, true);
      if (!dir.ok()) return dir.takeError();
      if (::symlinkat(s.source.c_str(), dir->get(), name.c_str()) != 0) {
        return sysError("cannot create symlink " + shown);
      }
      return {};
    }
    case MountStep::Kind::kBind: return bindMount(rootfs, s);
    case MountStep::Kind::kDevice: {
      auto [parent, name] = splitTarget(s.target);
      auto dir = makeMountPoint(rootfs, parent, true);
      if (!dir.ok()) return dir.takeError();
      // The mode is exact: the container's pid 1 builds the rootfs under umask 0.
      dev_t dev = makedev(static_cast<unsigned>(s.major), static_cast<unsigned>(s.minor));
      if (::mknodat(dir->get(), name.c_str(), S_IFCHR | static_cast<mode_t>(s.mode), dev) == 0) {
        return {};
      }
      // Without CAP_MKNOD (a user namespace has none that counts) the host's node is shown.
      if (errno == EPERM) return bindMount(rootfs, s);
      return sysError("cannot create device " + shown);
    }
    case MountStep::Kind::kTmpfs:
    case MountStep::Kind::kOverlay:
    case MountStep::Kind::kProc:
    case MountStep::Kind::kDevpts: {
      if (!s.target.empty()) {
        auto fd = makeMountPoint(rootfs, s.target, true);
        if (!fd.ok()) return fd.takeError();
      }
      const char* type = s.kind == MountStep::Kind::kTmpfs     ? "tmpfs"
                         : s.kind == MountStep::Kind::kOverlay ? "overlay"
                         : s.kind == MountStep::Kind::kProc    ? "proc"
                                                               : "devpts";
      if (::mount(type, path.c_str(), type, flags, s.data.empty() ? nullptr : s.data.c_str()) != 0) {
        return sysError(fmt::format("cannot mount {} at {}", type, shown));
      }
      return {};
    }
  }
  return {};
}

std::vector<std::string> mountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  auto text = base::readFile("/proc/self/mountinfo");
  if (!text.ok()) return out;
  for (const auto& line : base::split(*text, '\n')) {
    auto f = base::split(line, ' ');
    if (f.size() < 5) continue;
    std::string mp;  // mountinfo escapes space, tab, newline and backslash as \ooo
    for (size_t i = 0; i < f[4].size(); ++i) {
      if (f[4][i] == '\\' && i + 3 < f[4].size()) {
        mp.push_back(static_cast<char>(std::strtol(f[4].substr(i + 1, 3).c_str(), nullptr, 8)));
        i += 3;
      } else {
        mp.push_back(f[4][i]);
      }
    }
    if (mp == dir || (mp.size() > dir.size() && mp.compare(0, dir.size(), dir) == 0 &&
                      mp[dir.size()] == '/')) {
      out.push_back(mp);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

base::Status unmountAllUnder(const std::string& dir) {
  for (const auto& mp : mountsUnder(dir)) {
    if (::umount2(mp.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return base::makeError(base::Errc::kIo, "cannot unmount {} left by a previous microcf: {}",
                             mp, strerror(errno));
    }
  }
  return {};
}

}  // namespace mcf::runner
