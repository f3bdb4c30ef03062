// The rules an archive entry must pass before anything is written: pure, no libarchive.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "archive/archive.h"
#include "base/result.h"

namespace mcf::archive {

enum class EntryType { kFile, kDir, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo, kSocket };

struct EntryInfo {
  std::string path;         // as stored in the archive
  EntryType type = EntryType::kFile;
  std::string link_target;  // symlink target, or hardlink target (archive-relative)
  int64_t size = -1;        // declared size of a regular file; -1 when the archive does not say
};

struct CheckedEntry {
  std::string path;      // normalized: relative, no ".", no empty parts, no trailing '/'
  std::string hardlink;  // normalized hardlink target, for kHardlink
};

// Checks the entries of one archive in order. It remembers what earlier entries were (which
// paths are symlinks, directories, files) because safety depends on the whole sequence: an
// entry under an earlier symlink would be written through that symlink.
class EntryChecker {
 public:
  explicit EntryChecker(const Limits& limits) : limits_(limits) {}

  // An empty CheckedEntry::path means the archive's own root ("./"): skip it.
  base::Result<CheckedEntry> check(const EntryInfo& entry);
  // Counts data bytes that were not declared up front (or that exceed what was declared).
  base::Status addBytes(const std::string& path, int64_t bytes);

 private:
  base::Status checkParents(const std::string& raw, const std::string& path) const;
  base::Status checkSymlink(const std::string& path, const std::string& target) const;
  base::Result<std::string> checkHardlink(const std::string& path,
                                          const std::string& target) const;
  base::Status tooLarge(const std::string& raw) const;

  Limits limits_;
  int64_t entries_ = 0;
  int64_t bytes_ = 0;
  std::unordered_set<std::string> dirs_;      // explicit and implied directories
  std::unordered_set<std::string> symlinks_;
  std::unordered_set<std::string> files_;     // regular files and hardlinks
};

// Splits an entry path into parts; kInvalid naming the entry for absolute paths or "..".
base::Result<std::string> normalizeEntryPath(const std::string& raw);

// The message for a refused entry: "The app archive is invalid: <what>. Remove it and push again."
base::Error invalidEntry(const std::string& what);

}  // namespace mcf::archive
