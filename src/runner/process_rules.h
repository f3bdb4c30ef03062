// Pure rules for running a process in a container: users, program lookup, exit statuses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "runner/backend.h"

namespace mcf::runner {

// The container user every process runs as unless it asks for root.
inline constexpr uint32_t kVcapUid = 2000;
inline constexpr uint32_t kVcapGid = 2000;

struct UserEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
  std::vector<uint32_t> groups;  // the primary group, then each group listing the user
};

// Looks name up in the texts of the container's /etc/passwd and /etc/group.
base::Result<UserEntry> lookupUser(std::string_view passwd, std::string_view group,
                                   const std::string& name);

// The text of /proc/<pid>/uid_map or gid_map for a user namespace that maps one id alone:
// inside the namespace, outside in its parent. What a process without root may write for
// itself, its own id being outside.
std::string singleIdMap(uint32_t inside, uint32_t outside);

// Whether user can run in a container whose user namespace maps vcap alone (microcf without
// root): no other uid or gid exists there, and supplementary groups cannot be set because
// the namespace denies setgroups.
base::Status checkUserInUserNamespace(const UserEntry& user);

// Where execve should try path, in order: path itself if it holds a '/', else each
// directory of PATH from env (default "/usr/local/bin:/usr/bin:/bin").
std::vector<std::string> programCandidates(const std::string& path,
                                           const std::vector<std::string>& env);

// Exit status as a shell reports it: the code, or 128 + signal when killed.
int shellExitStatus(int64_t code, int term_signal);
// What a shell exits with when exec fails with err: 127 not found, else 126.
int execFailureStatus(int err);

// ProcessSpec <-> JSON: what pid 1 reads from the memfd of a "run" request.
std::string serializeProcessSpec(const ProcessSpec& spec);
base::Result<ProcessSpec> parseProcessSpec(std::string_view json);

}  // namespace mcf::runner
