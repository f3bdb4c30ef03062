// File-system helpers.
#include "base/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/unique_fd.h"

namespace mcf::base {

namespace stdfs = std::filesystem;

Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return makeError(Errc::kIo, "cannot read {}: {}", path, strerror(errno));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(Errc::kIo, "cannot read {}: {}", path, strerror(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status writeAllFd(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError(Errc::kIo, "{}", n < 0 ? strerror(errno) : "short write");
    off += static_cast<size_t>(n);
  }
  return {};
}

Status writeKernelFile(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid()) {
    return makeError(Errc::kIo, "cannot open {} to write '{}': {}", path, value, strerror(errno));
  }
  ssize_t n = -1;
  for (int tries = 0; tries < 100; ++tries) {
    n = ::write(fd.get(), value.data(), value.size());
    if (n >= 0 || errno != EINTR) break;
  }
  if (n != static_cast<ssize_t>(value.size())) {
    return makeError(Errc::kIo, "cannot set {} to '{}': {}", path, value,
                     n < 0 ? strerror(errno) : "short write");
  }
  return {};
}

Status writeFileAtomic(const std::string& path, const std::string& data, int mode) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return makeError(Errc::kIo, "cannot write {}: {}", tmp, strerror(errno));
  ::fchmod(fd.get(), static_cast<mode_t>(mode));
  if (auto st = writeAllFd(fd.get(), data); !st.ok()) {
    return makeError(Errc::kIo, "cannot write {}: {}", tmp, st.error().message);
  }
  if (::fsync(fd.get()) != 0) return makeError(Errc::kIo, "fsync {}: {}", tmp, strerror(errno));
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return makeError(Errc::kIo, "cannot rename {} to {}: {}", tmp, path, strerror(errno));
  return {};
}

Status makeDirs(const std::string& path, int mode) {
  std::error_code ec;
  stdfs::create_directories(path, ec);
  if (ec) return makeError(Errc::kIo, "cannot create directory {}: {}", path, ec.message());
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return {};
}

namespace {

// Gives this process's user read, write and search on each directory of a tree it owns, never
// through a symlink. overlayfs leaves its work dir at mode 0, which only root could remove.
void openUpDirs(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  bool open_to_us = (st.st_mode & S_IRWXU) == S_IRWXU;
  if (!open_to_us && ::chmod(dir.c_str(), (st.st_mode & 07777) | S_IRWXU) != 0) return;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) openUpDirs(dir + "/" + name);
  }
  ::closedir(d);
}

}  // namespace

Status removeTree(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
  if (ec == std::errc::permission_denied) {
    ec.clear();
    openUpDirs(path);
    stdfs::remove_all(path, ec);
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    return makeError(Errc::kIo, "cannot remove {}: {}", path, ec.message());
  return {};
}

bool pathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status copyTree(const std::string& from, const std::string& to) {
  std::error_code ec;
  stdfs::copy(from, to,
              stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks |
                  stdfs::copy_options::overwrite_existing,
              ec);
  if (ec) return makeError(Errc::kIo, "cannot copy {} to {}: {}", from, to, ec.message());
  return {};
}

Status chownTree(const std::string& root, int uid, int gid) {
  if (::lchown(root.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0)
    return makeError(Errc::kIo, "cannot change the owner of {}: {}", root, strerror(errno));
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(root, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    ::lchown(it->path().c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid));
  }
  if (ec) return makeError(Errc::kIo, "cannot walk {}: {}", root, ec.message());
  return {};
}

int64_t treeSize(const std::string& path) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(path, ec);
       !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

std::string joinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return b.front() == '/' ? a + b.substr(1) : a + b;
  return b.front() == '/' ? a + b : a + "/" + b;
}

std::string selfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "microcf";
  buf[n] = '\0';
  return buf;
}

std::string humanBytes(int64_t bytes) {
  if (bytes >= 1024LL * 1024 * 1024) return fmt::format("{:.1f}G", bytes / (1024.0 * 1024 * 1024));
  if (bytes >= 1024 * 1024) return fmt::format("{:.1f}M", bytes / (1024.0 * 1024));
  if (bytes >= 1024) return fmt::format("{}K", bytes / 1024);
  return fmt::format("{}B", bytes);
}

}  // namespace mcf::base
