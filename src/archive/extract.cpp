// validate() and extract(): reading zip/tar(.gz) with libarchive behind EntryChecker.
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <memory>
#include <set>

#include "archive/archive.h"
#include "archive/entry_rules.h"
#include "base/fs.h"

namespace mcf::archive {

using base::Errc;

namespace {

struct ReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<struct archive, ReadFree>;
using Writer = std::unique_ptr<struct archive, WriteFree>;

std::string lastError(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown error";
}

base::Error notAnArchive(struct archive* a) {
  return base::makeError(Errc::kInvalid,
                         "The app archive is invalid: it is not a readable zip or tar archive "
                         "({}). Upload a zip or tar.gz file and push again.",
                         lastError(a));
}

// Only zip and tar: archive_read_support_format_all() would also accept mtree, whose entries
// name files on the host that libarchive then reads (a file-disclosure hole), and a dozen
// formats nobody uploads. Filters are the ones libarchive implements in-process.
base::Result<Reader> openReader(const std::string& path) {
  Reader a(archive_read_new());
  if (!a) return base::makeError(Errc::kInternal, "libarchive: out of memory");
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    if (!base::pathExists(path))
      return base::makeError(Errc::kNotFound, "The archive {} does not exist.", path);
    return notAnArchive(a.get());
  }
  return a;
}

// Returns ARCHIVE_OK, ARCHIVE_EOF, or an error. A warning (a name that does not convert to
// the current locale, say) still gives a usable entry.
int nextHeader(struct archive* a, struct archive_entry** entry) {
  int r = archive_read_next_header(a, entry);
  return r == ARCHIVE_WARN ? ARCHIVE_OK : r;
}

std::string entryName(struct archive_entry* entry) {
  if (const char* name = archive_entry_pathname(entry)) return name;
  if (const char* name = archive_entry_pathname_utf8(entry)) return name;
  return "";
}

EntryInfo describe(struct archive_entry* entry) {
  EntryInfo info;
  info.path = entryName(entry);
  info.size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
  if (const char* hardlink = archive_entry_hardlink(entry)) {
    info.type = EntryType::kHardlink;
    info.link_target = hardlink;
    return info;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR: info.type = EntryType::kDir; break;
    case AE_IFLNK:
      info.type = EntryType::kSymlink;
      if (const char* target = archive_entry_symlink(entry)) info.link_target = target;
      break;
    case AE_IFCHR: info.type = EntryType::kCharDevice; break;
    case AE_IFBLK: info.type = EntryType::kBlockDevice; break;
    case AE_IFIFO: info.type = EntryType::kFifo; break;
    case AE_IFSOCK: info.type = EntryType::kSocket; break;
    case AE_IFREG: info.type = EntryType::kFile; break;
    default:  // zips from some tools carry no type: a trailing '/' marks directories
      info.type = !info.path.empty() && info.path.back() == '/' ? EntryType::kDir : EntryType::kFile;
      break;
  }
  return info;
}

// Modes as the platform wants them on disk: no set-id or sticky bits (files are extracted by
// root), directories always traversable and deletable by their owner, defaults for zips
// without modes.
void fixMode(struct archive_entry* entry, EntryType type) {
  mode_t perm = archive_entry_perm(entry) & 0777;
  if (type == EntryType::kDir) {
    archive_entry_set_filetype(entry, AE_IFDIR);
    archive_entry_set_perm(entry, perm == 0 ? 0755 : perm | 0700);
  } else if (type == EntryType::kFile) {
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, perm == 0 ? 0644 : perm);
  } else if (type == EntryType::kHardlink) {
    archive_entry_set_perm(entry, perm);
  }
}

// Removes, on failure, the top-level names this extraction created under dest.
class Cleanup {
 public:
  Cleanup(std::string root, bool created_root) : root_(std::move(root)), created_root_(created_root) {}
  void note(const std::string& path) {
    std::string top = path.substr(0, path.find('/'));
    if (seen_.insert(top).second && !base::pathExists(base::joinPath(root_, top)))
      created_.insert(top);
  }
  void undo() {
    if (created_root_) {
      (void)base::removeTree(root_);
      return;
    }
    for (const auto& top : created_) (void)base::removeTree(base::joinPath(root_, top));
  }

 private:
  std::string root_;
  bool created_root_;
  std::set<std::string> seen_;
  std::set<std::string> created_;
};

base::Error writeError(struct archive* w, const std::string& entry, const std::string& dest) {
  int err = archive_errno(w);
  Errc code = (err == ENOSPC || err == EDQUOT || err == EIO || err == EROFS) ? Errc::kIo
                                                                            : Errc::kInvalid;
  return base::makeError(code, "Cannot extract entry '{}' into {}: {}.", entry, dest,
                         lastError(w));
}

base::Status copyData(struct archive* r, struct archive* w, const EntryInfo& info,
                      EntryChecker& checker, const std::string& dest) {
  int64_t written = 0;
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rc = archive_read_data_block(r, &buf, &size, &offset);
    if (rc == ARCHIVE_EOF) return {};
    if (rc < ARCHIVE_WARN)
      return base::makeError(Errc::kInvalid,
                             "The app archive is damaged: cannot read entry '{}' ({}). Create the "
                             "archive again and push again.",
                             info.path, lastError(r));
    // Declared sizes were counted by the checker; count what arrives beyond them.
    int64_t before = written;
    written = std::max<int64_t>(written, offset + static_cast<int64_t>(size));
    int64_t declared = info.type == EntryType::kFile ? std::max<int64_t>(info.size, 0) : 0;
    int64_t extra = std::max<int64_t>(written, declared) - std::max<int64_t>(before, declared);
    if (extra > 0) MCF_TRY(checker.addBytes(info.path, extra));
    if (archive_write_data_block(w, buf, size, offset) < ARCHIVE_WARN)
      return writeError(w, info.path, dest);
  }
}

// The next entry's header: true, false at the end, or an error a user can act on.
base::Result<bool> readHeader(struct archive* r, struct archive_entry** entry, bool first) {
  int rc = nextHeader(r, entry);
  if (rc == ARCHIVE_EOF) return false;
  if (rc == ARCHIVE_OK) return true;
  if (first) return notAnArchive(r);
  return base::makeError(Errc::kInvalid,
                         "The app archive is damaged: {}. Create the archive again and push again.",
                         lastError(r));
}

base::Status extractAll(struct archive* r, struct archive* w,
                        const std::string& root, const Limits& limits, Cleanup& cleanup) {
  EntryChecker checker(limits);
  struct archive_entry* entry = nullptr;
  for (bool first = true;; first = false) {
    auto more = readHeader(r, &entry, first);
    if (!more.ok()) return more.takeError();
    if (!*more) break;
    EntryInfo info = describe(entry);
    auto checked = checker.check(info);
    if (!checked.ok()) return checked.takeError();
    if (checked->path.empty()) continue;
    std::string target = root + "/" + checked->path;
    // Longer paths make libarchive chdir() (process-wide) to reach deep directories.
    if (target.size() >= PATH_MAX - 1)
      return invalidEntry(fmt::format("entry '{}' is too deep to extract", info.path));
    cleanup.note(checked->path);
    fixMode(entry, info.type);
    archive_entry_copy_pathname(entry, target.c_str());
    if (info.type == EntryType::kHardlink)
      archive_entry_copy_hardlink(entry, (root + "/" + checked->hardlink).c_str());
    if (archive_write_header(w, entry) < ARCHIVE_WARN) return writeError(w, info.path, root);
    if (info.type == EntryType::kFile || info.type == EntryType::kHardlink)
      MCF_TRY(copyData(r, w, info, checker, root));
    if (archive_write_finish_entry(w) < ARCHIVE_WARN) return writeError(w, info.path, root);
  }
  // Directory modes and times are applied here, after their contents.
  if (archive_write_close(w) < ARCHIVE_WARN) return writeError(w, "(directories)", root);
  return {};
}

}  // namespace

base::Status validate(const std::string& archive_path, const Limits& limits) {
  auto reader = openReader(archive_path);
  if (!reader.ok()) return reader.takeError();
  struct archive* r = reader->get();
  EntryChecker checker(limits);
  struct archive_entry* entry = nullptr;
  for (bool first = true;; first = false) {
    auto more = readHeader(r, &entry, first);
    if (!more.ok()) return more.takeError();
    if (!*more) return {};
    EntryInfo info = describe(entry);
    auto checked = checker.check(info);
    if (!checked.ok()) return checked.takeError();
    // Only data of unknown size is read; the rest is skipped (a seek in a zip).
    if (info.type == EntryType::kFile && info.size < 0) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int data_rc;
      while ((data_rc = archive_read_data_block(r, &buf, &size, &offset)) == ARCHIVE_OK ||
             data_rc == ARCHIVE_WARN)
        MCF_TRY(checker.addBytes(info.path, static_cast<int64_t>(size)));
      if (data_rc != ARCHIVE_EOF)
        return base::makeError(Errc::kInvalid,
                               "The app archive is damaged: cannot read entry '{}' ({}). Create "
                               "the archive again and push again.",
                               info.path, lastError(r));
    }
  }
}

base::Status extract(const std::string& archive_path, const std::string& dest,
                     const Limits& limits) {
  auto reader = openReader(archive_path);
  if (!reader.ok()) return reader.takeError();
  bool created_root = false;
  if (!base::isDirectory(dest)) {
    MCF_TRY(base::makeDirs(dest));
    created_root = true;
  }
  // A real path, so that SECURE_SYMLINKS finds no symlink in dest's own components; libarchive
  // cannot extract relative to a directory fd, and chdir() would move every thread.
  char resolved[PATH_MAX];
  if (!::realpath(dest.c_str(), resolved))
    return base::makeError(Errc::kIo, "Cannot resolve {}: {}.", dest, strerror(errno));
  std::string root = resolved;
  if (root == "/")
    return base::makeError(Errc::kInvalid, "Refusing to extract an archive into /.");

  Writer writer(archive_write_disk_new());
  if (!writer) return base::makeError(Errc::kInternal, "libarchive: out of memory");
  // NOABSOLUTEPATHS cannot be set: every name is dest's absolute path plus the checked
  // relative name. The checker refuses absolute entry names before that.
  archive_write_disk_set_options(writer.get(), ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                   ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME);
  Cleanup cleanup(root, created_root);
  auto status = extractAll(reader->get(), writer.get(), root, limits, cleanup);
  if (!status.ok()) {
    writer.reset();  // closes files before they are removed
    cleanup.undo();
  }
  return status;
}

}  // namespace mcf::archive
