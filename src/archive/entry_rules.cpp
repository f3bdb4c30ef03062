// Entry rules: path normalization, link targets, types and limits.
#include "archive/entry_rules.h"

#include <limits.h>

#include <vector>

#include "base/fs.h"

namespace mcf::archive {

using base::Errc;

namespace {

std::vector<std::string> parts(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (!part.empty() && part != ".") out.push_back(std::move(part));
    start = end + 1;
  }
  return out;
}

const char* typeName(EntryType type) {
  switch (type) {
    case EntryType::kCharDevice: return "a character device";
    case EntryType::kBlockDevice: return "a block device";
    case EntryType::kFifo: return "a fifo (named pipe)";
    case EntryType::kSocket: return "a socket";
    default: return "a special file";
  }
}

}  // namespace

base::Error invalidEntry(const std::string& what) {
  return base::makeError(Errc::kInvalid, "The app archive is invalid: {}. Remove it and push again.",
                         what);
}

base::Result<std::string> normalizeEntryPath(const std::string& raw) {
  if (!raw.empty() && raw.front() == '/')
    return invalidEntry(fmt::format("entry '{}' has an absolute path", raw));
  std::vector<std::string> kept;
  bool dotdot = false;
  bool escapes = false;
  for (auto& part : parts(raw)) {
    if (part == "..") {
      dotdot = true;
      if (kept.empty()) escapes = true;
      else kept.pop_back();
    } else {
      kept.push_back(std::move(part));
    }
  }
  // Even a ".." that stays inside is refused: libarchive refuses it too, and no honest tool
  // writes one.
  if (escapes) return invalidEntry(fmt::format("entry '{}' points outside the app directory", raw));
  if (dotdot) return invalidEntry(fmt::format("entry '{}' contains a '..' component", raw));
  std::string out;
  for (const auto& part : kept) {
    if (!out.empty()) out += '/';
    out += part;
  }
  if (out.size() >= PATH_MAX / 2)
    return invalidEntry(fmt::format("entry '{}' has a path longer than {} characters", raw,
                                    PATH_MAX / 2));
  return out;
}

base::Status EntryChecker::tooLarge(const std::string& raw) const {
  return base::makeError(Errc::kTooLarge,
                         "The app archive is too large: its files add up to more than {} (the "
                         "limit was reached at entry '{}'). Leave big files out, for example "
                         "with a .cfignore file, and push again.",
                         base::humanBytes(limits_.max_total_bytes), raw);
}

base::Status EntryChecker::addBytes(const std::string& path, int64_t bytes) {
  bytes_ += bytes;
  if (bytes_ > limits_.max_total_bytes) return tooLarge(path);
  return {};
}

base::Status EntryChecker::checkParents(const std::string& raw, const std::string& path) const {
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    if (symlinks_.count(parent))
      return invalidEntry(fmt::format("entry '{}' lies under the symlink '{}'", raw, parent));
  }
  return {};
}

base::Status EntryChecker::checkSymlink(const std::string& path, const std::string& target) const {
  auto outside = [&] {
    return invalidEntry(fmt::format("symlink '{}' points to '{}', outside the app directory", path,
                                    target));
  };
  if (target.empty()) return invalidEntry(fmt::format("symlink '{}' has an empty target", path));
  if (dirs_.count(path))
    return invalidEntry(fmt::format("symlink '{}' replaces a directory of the same name", path));
  if (limits_.container_symlinks) return {};
  if (target.front() == '/') return outside();
  // Leading ".." climb real directories (entries never lie under a symlink), so counting them
  // against the link's depth is exact. A ".." after a name could climb out of a symlink.
  int64_t depth = static_cast<int64_t>(parts(path).size()) - 1;
  bool seen_name = false;
  for (const auto& part : parts(target)) {
    if (part != "..") {
      seen_name = true;
    } else if (seen_name) {
      return invalidEntry(fmt::format(
          "symlink '{}' points to '{}': a '..' after a directory name can lead outside the app "
          "directory",
          path, target));
    } else if (--depth < 0) {
      return outside();
    }
  }
  return {};
}

base::Result<std::string> EntryChecker::checkHardlink(const std::string& path,
                                                      const std::string& target) const {
  auto outside = [&] {
    return invalidEntry(fmt::format("hard link '{}' points to '{}', outside the app directory",
                                    path, target));
  };
  if (!target.empty() && target.front() == '/') return outside();
  auto normalized = normalizeEntryPath(target);
  if (!normalized.ok()) return outside();
  const std::string& to = normalized.value();
  for (size_t slash = to.find('/'); slash != std::string::npos; slash = to.find('/', slash + 1)) {
    if (symlinks_.count(to.substr(0, slash)))
      return invalidEntry(fmt::format("hard link '{}' points to '{}' through a symlink", path,
                                      target));
  }
  if (!files_.count(to) && !symlinks_.count(to))
    return invalidEntry(fmt::format(
        "hard link '{}' points to '{}', which is not an earlier file in the archive", path, target));
  return to;
}

base::Result<CheckedEntry> EntryChecker::check(const EntryInfo& entry) {
  if (++entries_ > limits_.max_entries)
    return base::makeError(Errc::kTooLarge,
                           "The app archive has more than {} entries. Leave files out, for example "
                           "with a .cfignore file, and push again.",
                           limits_.max_entries);
  auto normalized = normalizeEntryPath(entry.path);
  if (!normalized.ok()) return normalized.takeError();
  CheckedEntry out{std::move(normalized.value()), ""};
  if (out.path.empty()) {
    if (entry.type == EntryType::kDir) return out;
    return invalidEntry(fmt::format("entry '{}' has no file name", entry.path));
  }
  MCF_TRY(checkParents(entry.path, out.path));
  switch (entry.type) {
    case EntryType::kFile:
      if (entry.size > 0) MCF_TRY(addBytes(entry.path, entry.size));
      files_.insert(out.path);
      break;
    case EntryType::kDir:
      dirs_.insert(out.path);
      break;
    case EntryType::kSymlink:
      MCF_TRY(checkSymlink(out.path, entry.link_target));
      symlinks_.insert(out.path);
      files_.erase(out.path);
      break;
    case EntryType::kHardlink: {
      auto to = checkHardlink(out.path, entry.link_target);
      if (!to.ok()) return to.takeError();
      out.hardlink = std::move(to.value());
      files_.insert(out.path);
      break;
    }
    default:
      return invalidEntry(fmt::format(
          "entry '{}' is {}; only files, directories and symlinks are allowed", entry.path,
          typeName(entry.type)));
  }
  if (entry.type != EntryType::kSymlink) symlinks_.erase(out.path);
  for (size_t slash = out.path.find('/'); slash != std::string::npos;
       slash = out.path.find('/', slash + 1))
    dirs_.insert(out.path.substr(0, slash));
  return out;
}

}  // namespace mcf::archive
