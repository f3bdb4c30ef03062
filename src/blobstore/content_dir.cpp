// ContentDir: temp file, fsync, rename; a name is the digest of what it holds.
#include "blobstore/content_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "base/fs.h"
#include "base/ids.h"
#include "base/unique_fd.h"

namespace mcf::blobstore {

using base::Errc;

base::Error ioError(const char* what, const std::string& path, int err) {
  return base::makeError(err == ENOENT ? Errc::kNotFound : Errc::kIo, "Cannot {} {}: {}.", what,
                         path, strerror(err));
}

base::Status writeAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ioError("write", path, errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

namespace {

}  // namespace

ContentDir::ContentDir(std::string root, DigestAlgo algo)
    : root_(std::move(root)), tmp_dir_(base::joinPath(root_, ".tmp")), algo_(algo) {}

base::Result<ContentDir> ContentDir::open(const std::string& root, DigestAlgo algo) {
  ContentDir dir(root, algo);
  MCF_TRY(base::makeDirs(root));
  MCF_TRY(base::removeTree(dir.tmp_dir_));
  MCF_TRY(base::makeDirs(dir.tmp_dir_));
  return dir;
}

bool ContentDir::isKey(const std::string& key) const {
  if (key.size() != hexLength(algo_)) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string ContentDir::path(const std::string& key) const {
  if (!isKey(key)) return "";
  return root_ + "/" + key.substr(0, 2) + "/" + key;
}

bool ContentDir::has(const std::string& key) const {
  return isKey(key) && base::pathExists(path(key));
}

base::Status ContentDir::publish(const std::string& tmp, const std::string& key) {
  std::string final_path = path(key);
  if (base::pathExists(final_path)) {
    ::unlink(tmp.c_str());
    return {};
  }
  auto made = base::makeDirs(root_ + "/" + key.substr(0, 2));
  if (!made.ok()) {
    ::unlink(tmp.c_str());
    return made;
  }
  // A concurrent put of the same content may rename first; the bytes are the same.
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ioError("store", final_path, err);
  }
  return {};
}

base::Result<std::string> ContentDir::copyIn(const std::string& from) {
  base::UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return ioError("read", from, errno);
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ioError("read", from, errno);
  if (!S_ISREG(st.st_mode))
    return base::makeError(Errc::kInvalid, "Cannot store {}: it is not a regular file.", from);

  std::string tmp = tmp_dir_ + "/" + base::randomHex(12);
  base::UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!out.valid()) return ioError("create", tmp, errno);
  auto fail = [&](base::Error error) -> base::Result<std::string> {
    ::unlink(tmp.c_str());
    return error;
  };
  Digest digest(algo_);
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ioError("read", from, errno));
    if (n == 0) break;
    digest.update(buf.data(), static_cast<size_t>(n));
    auto written = writeAll(out.get(), buf.data(), static_cast<size_t>(n), tmp);
    if (!written.ok()) return fail(written.takeError());
  }
  // Keys end up in the database; the bytes must be on disk before the name is.
  if (::fsync(out.get()) != 0) return fail(ioError("sync", tmp, errno));
  out.reset();
  std::string key = digest.hex();
  MCF_TRY(publish(tmp, key));
  return key;
}

base::Result<std::string> ContentDir::moveIn(const std::string& from) {
  auto hashed = hashFile(from, algo_);
  if (!hashed.ok()) return hashed.takeError();
  std::string key = std::move(hashed.value());
  if (has(key)) {
    ::unlink(from.c_str());
    return key;
  }
  {
    base::UniqueFd fd(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ioError("read", from, errno);
    if (::fsync(fd.get()) != 0) return ioError("sync", from, errno);
    ::fchmod(fd.get(), 0444);
  }
  MCF_TRY(base::makeDirs(root_ + "/" + key.substr(0, 2)));
  if (::rename(from.c_str(), path(key).c_str()) == 0) return key;
  if (errno != EXDEV) return ioError("store", from, errno);
  auto copied = copyIn(from);
  if (copied.ok()) ::unlink(from.c_str());
  return copied;
}

base::Status ContentDir::remove(const std::string& key) {
  if (!isKey(key))
    return base::makeError(Errc::kInvalid, "'{}' is not a blob key ({} lowercase hex digits).",
                           key, hexLength(algo_));
  if (::unlink(path(key).c_str()) != 0 && errno != ENOENT) return ioError("remove", path(key), errno);
  return {};
}

}  // namespace mcf::blobstore
