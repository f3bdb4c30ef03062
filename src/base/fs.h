// Small file-system helpers with Result errors (blocking: call off the loop for big work).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace mcf::base {

Result<std::string> readFile(const std::string& path);
// Writes all of data to fd, across short writes and EINTR.
Status writeAllFd(int fd, std::string_view data);
// Sets a kernel file (/proc, /sys, cgroup control files): the whole value in one write, which
// is how they take one. EINTR is retried: v1's memory.limit_in_bytes gives up with it on any
// pending signal (a SIGCHLD of microcf's loop will do) before it changes anything. The error
// names path and the value.
Status writeKernelFile(const std::string& path, std::string_view value);
// Writes to path.tmp, fsyncs, renames: readers see the old or the new file, never half.
Status writeFileAtomic(const std::string& path, const std::string& data, int mode = 0644);
Status makeDirs(const std::string& path, int mode = 0755);
// Removes a tree without following symlinks; a missing path is fine. Directories of the tree
// that this user owns but may not list or write (mode 0) are opened up to the user first.
Status removeTree(const std::string& path);
bool pathExists(const std::string& path);
bool isDirectory(const std::string& path);
// Copies a tree (files, dirs, symlinks), preserving modes.
Status copyTree(const std::string& from, const std::string& to);
// Hands a tree (not following symlinks) to uid:gid.
Status chownTree(const std::string& root, int uid, int gid);
// Bytes in regular files below path.
int64_t treeSize(const std::string& path);
std::string joinPath(const std::string& a, const std::string& b);
// Absolute path of the running executable.
std::string selfExe();
// Human size like the cf CLI prints: "1.2M", "340K", "12B".
std::string humanBytes(int64_t bytes);

}  // namespace mcf::base
