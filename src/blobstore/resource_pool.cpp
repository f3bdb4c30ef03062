// ResourcePool: a ContentDir keyed by SHA-1 whose entries are links, verified when used.
#include "blobstore/resource_pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "blobstore/content_dir.h"

namespace mcf::blobstore {

using base::Errc;

namespace {

// Copies in to a new file out (O_EXCL), returning the SHA-1 of what was copied and its size.
base::Result<std::pair<std::string, int64_t>> copyHashing(int in, const std::string& in_path,
                                                          const std::string& out, int mode) {
  base::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return ioError("create", out, errno);
  Digest digest(DigestAlgo::kSha1);
  int64_t size = 0;
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ioError("read", in_path, errno);
    if (n == 0) break;
    digest.update(buf.data(), static_cast<size_t>(n));
    MCF_TRY(writeAll(fd.get(), buf.data(), static_cast<size_t>(n), out));
    size += n;
  }
  if (::fchmod(fd.get(), static_cast<mode_t>(mode & 07777)) != 0) return ioError("chmod", out, errno);
  return std::make_pair(digest.hex(), size);
}

void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

struct Entry {
  std::string path;
  int64_t size;
  struct timespec mtime;
};

// Every entry root/xx/<key> (the .tmp folder is not a two-hex-digit folder).
std::vector<Entry> listEntries(const std::string& root) {
  std::vector<Entry> out;
  DIR* top = ::opendir(root.c_str());
  if (!top) return out;
  while (struct dirent* d = ::readdir(top)) {
    std::string name = d->d_name;
    if (name.size() != 2 || name == "..") continue;
    std::string sub = root + "/" + name;
    DIR* inner = ::opendir(sub.c_str());
    if (!inner) continue;
    while (struct dirent* e = ::readdir(inner)) {
      if (e->d_name[0] == '.') continue;
      std::string p = sub + "/" + e->d_name;
      struct stat st;
      if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out.push_back({std::move(p), static_cast<int64_t>(st.st_size), st.st_mtim});
    }
    ::closedir(inner);
  }
  ::closedir(top);
  return out;
}

}  // namespace

base::Result<std::unique_ptr<ResourcePool>> ResourcePool::open(const std::string& root) {
  return open(root, Limits{});
}

base::Result<std::unique_ptr<ResourcePool>> ResourcePool::open(const std::string& root,
                                                               Limits limits) {
  auto dir = ContentDir::open(root, DigestAlgo::kSha1);
  if (!dir.ok()) return dir.takeError();
  return std::unique_ptr<ResourcePool>(new ResourcePool(std::move(dir.value()), limits));
}

bool ResourcePool::has(const std::string& sha1, int64_t size) const {
  if (size == 0) return sha1 == kEmptySha1;
  if (size < 0 || size > kMaxSize || !dir_.isKey(sha1)) return false;
  struct stat st;
  return ::stat(dir_.path(sha1).c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
}

base::Status ResourcePool::add(const std::string& file_path) {
  struct stat st;
  // lstat: a symlink in an app is never followed into the pool.
  if (::lstat(file_path.c_str(), &st) != 0) return ioError("pool", file_path, errno);
  if (!S_ISREG(st.st_mode) || st.st_size < 1 || st.st_size > kMaxSize) return {};
  // Most files of a repeated push are pooled already: hashing is cheaper than copying.
  auto sha1 = hashFile(file_path, DigestAlgo::kSha1);
  if (!sha1.ok()) return sha1.takeError();
  std::string dest = dir_.path(*sha1);
  struct stat pooled;
  if (::stat(dest.c_str(), &pooled) == 0 && pooled.st_size == st.st_size) {
    touch(dest);
    return {};
  }
  // A pooled file of another size is torn: replace it.
  if (::unlink(dest.c_str()) == 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (counted_) {
      usage_.bytes -= pooled.st_size;
      usage_.entries -= 1;
    }
  }
  MCF_TRY(base::makeDirs(dir_.root() + "/" + sha1->substr(0, 2)));
  if (::link(file_path.c_str(), dest.c_str()) != 0) {
    if (errno == EEXIST) return {};  // another upload pooled it meanwhile
    // Another file system, or links not allowed: a copy (in .tmp, then renamed into place).
    std::string tmp = dir_.root() + "/.tmp/" + base::randomHex(12);
    base::UniqueFd in(::open(file_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in.valid()) return ioError("read", file_path, errno);
    auto copied = copyHashing(in.get(), file_path, tmp, 0444);
    if (!copied.ok() || copied->first != *sha1 || ::rename(tmp.c_str(), dest.c_str()) != 0) {
      ::unlink(tmp.c_str());
      if (!copied.ok()) return copied.takeError();
      return base::makeError(Errc::kIo, "Cannot pool {}: it changed while it was copied.",
                             file_path);
    }
  }
  touch(dest);  // a link keeps the file's own (maybe old) mtime: it is used now
  std::lock_guard<std::mutex> lock(mu_);
  if (!counted_) {
    countLocked();  // counts the new entry too
  } else {
    usage_.bytes += st.st_size;
    usage_.entries += 1;
  }
  if (usage_.bytes > limits_.max_bytes || usage_.entries > limits_.max_entries) evictLocked();
  return {};
}

base::Status ResourcePool::copyOut(const std::string& sha1, int64_t size, const std::string& dest,
                                   int mode) {
  if (size == 0 && sha1 == kEmptySha1) {
    base::UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return ioError("create", dest, errno);
    if (::fchmod(fd.get(), static_cast<mode_t>(mode & 07777)) != 0)
      return ioError("chmod", dest, errno);
    return {};
  }
  std::string src = dir_.path(sha1);
  if (src.empty())
    return base::makeError(Errc::kInvalid, "'{}' is not a SHA-1 (40 lowercase hex digits).", sha1);
  base::UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return ioError("read", src, errno);
  auto copied = copyHashing(in.get(), src, dest, mode);
  if (!copied.ok()) {
    ::unlink(dest.c_str());
    return copied.takeError();
  }
  if (copied->first == sha1 && (size < 0 || copied->second == size)) {
    ::futimens(in.get(), nullptr);  // used now: evicted last
    return {};
  }
  ::unlink(dest.c_str());
  if (copied->first != sha1) {
    // Torn by a crash, or changed on disk: never serve it again.
    MCF_WARN("blobstore", "resource pool entry {} does not match its SHA-1; removed", sha1);
    if (::unlink(src.c_str()) == 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (counted_) {
        usage_.bytes -= copied->second;
        usage_.entries -= 1;
      }
    }
  }
  return base::makeError(Errc::kNotFound, "The cached file {} ({} bytes) is gone.", sha1, size);
}

std::string ResourcePool::path(const std::string& sha1) const { return dir_.path(sha1); }

ResourcePool::Usage ResourcePool::usage() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!counted_) countLocked();
  return usage_;
}

void ResourcePool::countLocked() {
  usage_ = {};
  for (const auto& e : listEntries(dir_.root())) {
    usage_.bytes += e.size;
    usage_.entries += 1;
  }
  counted_ = true;
}

// Removes the entries used least recently until both counts are at 90% of their limits or
// lower. Runs once per tenth of the limits: the scan is the cost.
void ResourcePool::evictLocked() {
  std::vector<Entry> entries = listEntries(dir_.root());
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.mtime.tv_sec != b.mtime.tv_sec) return a.mtime.tv_sec < b.mtime.tv_sec;
    return a.mtime.tv_nsec < b.mtime.tv_nsec;
  });
  Usage u;
  for (const auto& e : entries) {
    u.bytes += e.size;
    u.entries += 1;
  }
  int64_t bytes_goal = limits_.max_bytes / 10 * 9, entries_goal = limits_.max_entries / 10 * 9;
  int64_t removed = 0;
  for (const auto& e : entries) {
    if (u.bytes <= bytes_goal && u.entries <= entries_goal) break;
    if (::unlink(e.path.c_str()) != 0) continue;
    u.bytes -= e.size;
    u.entries -= 1;
    ++removed;
  }
  usage_ = u;
  MCF_INFO("blobstore", "resource pool past its limit: evicted {} entries, {} left ({} bytes)",
           removed, u.entries, u.bytes);
}

}  // namespace mcf::blobstore
