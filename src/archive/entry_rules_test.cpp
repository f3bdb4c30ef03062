// Tests of the entry rules as tables: which entry sequences pass and what the refusal says.
#include "archive/entry_rules.h"

#include <doctest/doctest.h>

#include <vector>

using namespace mcf::archive;
using mcf::base::Errc;

namespace {

EntryInfo fileEntry(std::string path, int64_t size = 1) {
  return {std::move(path), EntryType::kFile, "", size};
}
EntryInfo dirEntry(std::string path) { return {std::move(path), EntryType::kDir, "", 0}; }
EntryInfo symlinkEntry(std::string path, std::string target) {
  return {std::move(path), EntryType::kSymlink, std::move(target), 0};
}
EntryInfo hardlinkEntry(std::string path, std::string target) {
  return {std::move(path), EntryType::kHardlink, std::move(target), 0};
}

// Runs the entries through one checker; returns the first error message, or "" if all pass.
std::string firstError(const std::vector<EntryInfo>& entries, Limits limits = {}) {
  EntryChecker checker(limits);
  for (const auto& e : entries) {
    auto r = checker.check(e);
    if (!r.ok()) return r.error().message;
  }
  return "";
}

}  // namespace

TEST_CASE("entry paths are normalized") {
  struct Row { const char* raw; const char* want; };
  for (auto row : std::vector<Row>{{"a/b.txt", "a/b.txt"}, {"./a//b/", "a/b"}, {"./", ""},
                                   {".", ""}, {"a/./b", "a/b"}}) {
    CAPTURE(row.raw);
    auto r = normalizeEntryPath(row.raw);
    REQUIRE(r.ok());
    CHECK(*r == row.want);
  }
}

TEST_CASE("entries that leave the tree are refused, naming the entry") {
  struct Row { std::vector<EntryInfo> entries; const char* message; };
  std::vector<Row> rows = {
      {{fileEntry("../evil.txt")},
       "The app archive is invalid: entry '../evil.txt' points outside the app directory. "
       "Remove it and push again."},
      {{fileEntry("a/../../x")}, "entry 'a/../../x' points outside the app directory"},
      {{fileEntry("a/../x")}, "entry 'a/../x' contains a '..' component"},
      {{fileEntry("/etc/x")}, "entry '/etc/x' has an absolute path"},
      {{symlinkEntry("l", "/etc/passwd")}, "symlink 'l' points to '/etc/passwd', outside the app"},
      {{symlinkEntry("d/l", "../../x")}, "symlink 'd/l' points to '../../x', outside the app"},
      {{symlinkEntry("l", "..")}, "symlink 'l' points to '..', outside"},
      {{symlinkEntry("s", "."), symlinkEntry("t", "s/../x")}, "symlink 't' points to 's/../x': a '..'"},
      {{symlinkEntry("l", "")}, "symlink 'l' has an empty target"},
      {{symlinkEntry("l", "sub"), fileEntry("l/x")}, "entry 'l/x' lies under the symlink 'l'"},
      {{fileEntry("d/x"), symlinkEntry("d", ".")}, "symlink 'd' replaces a directory"},
      {{hardlinkEntry("h", "../x")}, "hard link 'h' points to '../x', outside the app directory"},
      {{hardlinkEntry("h", "/etc/shadow")}, "hard link 'h' points to '/etc/shadow', outside"},
      {{hardlinkEntry("h", "nothing")}, "hard link 'h' points to 'nothing', which is not an earlier"},
      {{symlinkEntry("s", "d"), fileEntry("d/f"), hardlinkEntry("h", "s/f")}, "hard link 'h' points to 's/f' through a symlink"},
      {{EntryInfo{"dev/null", EntryType::kCharDevice, "", 0}},
       "entry 'dev/null' is a character device; only files, directories and symlinks"},
      {{EntryInfo{"sda", EntryType::kBlockDevice, "", 0}}, "entry 'sda' is a block device"},
      {{EntryInfo{"p", EntryType::kFifo, "", 0}}, "entry 'p' is a fifo"},
      {{EntryInfo{"s", EntryType::kSocket, "", 0}}, "entry 's' is a socket"},
      {{fileEntry("./")}, "entry './' has no file name"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.message);
    std::string message = firstError(row.entries);
    CHECK(message.find(row.message) != std::string::npos);
  }
}

TEST_CASE("ordinary trees pass") {
  CHECK(firstError({dirEntry("./"), dirEntry("app/"), fileEntry("app/index.html"), symlinkEntry("app/cur", "index.html"),
                    symlinkEntry("app/deep/up", "../index.html"), symlinkEntry("app/self", "."),
                    symlinkEntry("app/lib/x", "../../app/index.html"), hardlinkEntry("app/h", "app/index.html"),
                    dirEntry("app/cur"), fileEntry("app/cur/x")}) == "");
}

TEST_CASE("limits give kTooLarge") {
  EntryChecker bytes(Limits{100, 10});
  CHECK(bytes.check(fileEntry("a", 60)).ok());
  auto r = bytes.check(fileEntry("b", 60));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kTooLarge);
  CHECK(r.error().message.find("entry 'b'") != std::string::npos);

  EntryChecker count(Limits{100, 2});
  CHECK(count.check(fileEntry("a")).ok());
  CHECK(count.check(fileEntry("b")).ok());
  auto c = count.check(fileEntry("c"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Errc::kTooLarge);
  CHECK(c.error().message.find("more than 2 entries") != std::string::npos);

  EntryChecker streamed(Limits{100, 10});
  CHECK(streamed.check(fileEntry("z", -1)).ok());
  CHECK(streamed.addBytes("z", 100).ok());
  CHECK(streamed.addBytes("z", 1).error().code == Errc::kTooLarge);
}
