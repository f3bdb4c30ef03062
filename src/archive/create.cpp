// create(): a zip (the CLI's package) or tar.gz (droplets, caches) of a directory tree.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "archive/archive.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/unique_fd.h"

namespace mcf::archive {

using base::Errc;

namespace {

struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};
struct DirClose {
  void operator()(DIR* d) const { closedir(d); }
};
using Writer = std::unique_ptr<struct archive, WriteFree>;
using Entry = std::unique_ptr<struct archive_entry, EntryFree>;

std::string errorText(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown error";
}

// Walks the tree through directory fds (no path re-resolution, no following of symlinks) and
// appends each kept entry to the archive.
class TreeWriter {
 public:
  // skip: the files being written or replaced, never archived into themselves.
  TreeWriter(struct archive* w, Format format, const Filter& filter, const std::string& src,
             std::vector<struct stat> skip)
      : w_(w), format_(format), filter_(filter), src_(src), skip_(std::move(skip)) {}

  base::Status walk(int dir_fd, const std::string& prefix) {
    std::unique_ptr<DIR, DirClose> dir(fdopendir(dir_fd));
    if (!dir) {
      ::close(dir_fd);
      return ioError(prefix, errno);
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* d = readdir(dir.get())) {
      if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) names.emplace_back(d->d_name);
    }
    if (errno != 0) return ioError(prefix, errno);
    std::sort(names.begin(), names.end());
    int fd = dirfd(dir.get());
    for (const auto& name : names) {
      std::string rel = prefix.empty() ? name : prefix + "/" + name;
      struct stat st;
      if (fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ioError(rel, errno);
      if (isSkipped(st)) continue;
      bool is_dir = S_ISDIR(st.st_mode);
      if (filter_ && !filter_(rel, is_dir)) continue;
      if (is_dir) {
        MCF_TRY(addDir(rel, st));
        int sub = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) return ioError(rel, errno);
        MCF_TRY(walk(sub, rel));
      } else if (S_ISREG(st.st_mode)) {
        MCF_TRY(addFile(fd, name, rel, st));
      } else if (S_ISLNK(st.st_mode)) {
        MCF_TRY(addSymlink(fd, name, rel, st));
      } else {
        MCF_DEBUG("archive", "leaving out {}/{}: not a file, directory or symlink", src_, rel);
      }
    }
    return {};
  }

 private:
  bool isSkipped(const struct stat& st) const {
    for (const auto& s : skip_)
      if (s.st_dev == st.st_dev && s.st_ino == st.st_ino) return true;
    return false;
  }

  Entry newEntry(const std::string& rel, const struct stat& st) {
    Entry e(archive_entry_new());
    archive_entry_copy_pathname(e.get(), rel.c_str());
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    archive_entry_set_uid(e.get(), st.st_uid);
    archive_entry_set_gid(e.get(), st.st_gid);
    return e;
  }

  base::Status writeHeader(struct archive_entry* e, const std::string& rel) {
    if (archive_write_header(w_, e) < ARCHIVE_WARN) return archiveError(rel);
    return {};
  }

  base::Status addDir(const std::string& rel, const struct stat& st) {
    Entry e = newEntry(rel + "/", st);
    archive_entry_set_filetype(e.get(), AE_IFDIR);
    archive_entry_set_perm(e.get(), format_ == Format::kZip ? 0755 : (st.st_mode & 07777));
    return writeHeader(e.get(), rel);
  }

  base::Status addSymlink(int dir_fd, const std::string& name, const std::string& rel,
                          const struct stat& st) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(dir_fd, name.c_str(), target, sizeof target - 1);
    if (n < 0) return ioError(rel, errno);
    target[n] = '\0';
    Entry e = newEntry(rel, st);
    archive_entry_set_filetype(e.get(), AE_IFLNK);
    archive_entry_set_perm(e.get(), 0777);
    archive_entry_copy_symlink(e.get(), target);
    return writeHeader(e.get(), rel);
  }

  base::Status addFile(int dir_fd, const std::string& name, const std::string& rel,
                       const struct stat& st) {
    base::UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return ioError(rel, errno);
    Entry e = newEntry(rel, st);
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    archive_entry_set_size(e.get(), st.st_size);
    MCF_TRY(writeHeader(e.get(), rel));
    // Exactly the announced size: a file that grows meanwhile is cut, one that shrinks is
    // padded by libarchive.
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf_.data(),
                         static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf_.size()))));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ioError(rel, errno);
      if (n == 0) break;
      if (archive_write_data(w_, buf_.data(), static_cast<size_t>(n)) < 0) return archiveError(rel);
      left -= n;
    }
    return {};
  }

  base::Status ioError(const std::string& rel, int err) const {
    return base::makeError(Errc::kIo, "Cannot archive {}/{}: {}.", src_, rel, strerror(err));
  }
  base::Status archiveError(const std::string& rel) const {
    return base::makeError(Errc::kIo, "Cannot archive {}/{}: {}.", src_, rel, errorText(w_));
  }

  struct archive* w_;
  Format format_;
  const Filter& filter_;
  std::string src_;
  std::vector<struct stat> skip_;
  std::vector<char> buf_ = std::vector<char>(256 * 1024);
};

base::Status configure(struct archive* w, Format format) {
  int rc = ARCHIVE_OK;
  if (format == Format::kZip) {
    rc = archive_write_set_format_zip(w);
  } else {
    rc = archive_write_set_format_pax_restricted(w);
    if (rc == ARCHIVE_OK) rc = archive_write_add_filter_gzip(w);
    if (rc == ARCHIVE_OK) rc = archive_write_set_filter_option(w, "gzip", "compression-level", "1");
    // No creation time in the gzip header: the same tree gives the same bytes.
    if (rc == ARCHIVE_OK) (void)archive_write_set_filter_option(w, "gzip", "timestamp", nullptr);
  }
  if (rc != ARCHIVE_OK)
    return base::makeError(Errc::kInternal, "libarchive cannot write this format: {}",
                           errorText(w));
  return {};
}

}  // namespace

base::Status create(const std::string& src_dir, const std::string& out_path, Format format,
                    const Filter& filter) {
  int src_fd = ::open(src_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src_fd < 0)
    return base::makeError(errno == ENOENT ? Errc::kNotFound : Errc::kIo,
                           "Cannot archive {}: {}.", src_dir, strerror(errno));
  base::UniqueFd src_guard(src_fd);

  // Written beside out_path and renamed, so a reader never sees half an archive.
  std::string tmp = out_path + ".tmp-" + base::randomHex(6);
  base::UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.valid())
    return base::makeError(Errc::kIo, "Cannot create {}: {}.", tmp, strerror(errno));
  std::vector<struct stat> skip(1);
  ::fstat(out.get(), &skip[0]);
  struct stat old;
  if (::stat(out_path.c_str(), &old) == 0) skip.push_back(old);

  auto fail = [&](base::Error error) -> base::Status {
    ::unlink(tmp.c_str());
    return error;
  };
  Writer w(archive_write_new());
  if (!w) return fail(base::makeError(Errc::kInternal, "libarchive: out of memory"));
  auto status = configure(w.get(), format);
  if (!status.ok()) return fail(status.takeError());
  if (archive_write_open_fd(w.get(), out.get()) != ARCHIVE_OK)
    return fail(base::makeError(Errc::kIo, "Cannot write {}: {}.", tmp,
                                errorText(w.get())));
  TreeWriter tree(w.get(), format, filter, src_dir, std::move(skip));
  status = tree.walk(src_guard.release(), "");
  if (!status.ok()) return fail(status.takeError());
  if (archive_write_close(w.get()) != ARCHIVE_OK)
    return fail(base::makeError(Errc::kIo, "Cannot write {}: {}.", tmp,
                                errorText(w.get())));
  w.reset();
  out.reset();
  if (::rename(tmp.c_str(), out_path.c_str()) != 0)
    return fail(base::makeError(Errc::kIo, "Cannot rename {} to {}: {}.", tmp, out_path,
                                strerror(errno)));
  return {};
}

}  // namespace mcf::archive
