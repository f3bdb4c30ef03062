// Users, program lookup, exit statuses and the process spec's JSON.
#include "runner/process_rules.h"

#include <errno.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/strutil.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;
using nlohmann::json;

namespace {

bool parseId(const std::string& s, uint32_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

base::Result<UserEntry> lookupUser(std::string_view passwd, std::string_view group,
                                   const std::string& name) {
  UserEntry user;
  bool found = false;
  for (const auto& line : base::split(passwd, '\n')) {
    auto f = base::split(line, ':');  // name:x:uid:gid:gecos:home:shell
    if (f.size() < 7 || f[0] != name) continue;
    if (!parseId(f[2], user.uid) || !parseId(f[3], user.gid)) {
      return makeError(Errc::kInvalid, "user '{}' has a malformed /etc/passwd line: {}", name, line);
    }
    user.name = name;
    user.home = f[5];
    found = true;
    break;
  }
  if (!found) {
    return makeError(Errc::kInvalid,
                     "user '{}' does not exist in the container's /etc/passwd: use vcap or root",
                     name);
  }
  user.groups.push_back(user.gid);
  for (const auto& line : base::split(group, '\n')) {
    auto f = base::split(line, ':');  // name:x:gid:member,member
    uint32_t gid = 0;
    if (f.size() < 4 || !parseId(f[2], gid) || gid == user.gid) continue;
    for (const auto& member : base::split(f[3], ',')) {
      if (member == name) {
        user.groups.push_back(gid);
        break;
      }
    }
  }
  return user;
}

std::string singleIdMap(uint32_t inside, uint32_t outside) {
  return fmt::format("{} {} 1\n", inside, outside);
}

base::Status checkUserInUserNamespace(const UserEntry& user) {
  if (user.uid != kVcapUid || user.gid != kVcapGid) {
    return makeError(Errc::kInvalid,
                     "user '{}' (uid {}, gid {}) does not exist in this container: microcf runs "
                     "without root, so its containers map vcap alone; run processes as vcap, or "
                     "run `microcf up` as root",
                     user.name, user.uid, user.gid);
  }
  for (uint32_t gid : user.groups) {
    if (gid != user.gid) {
      return makeError(Errc::kInvalid,
                       "user '{}' belongs to group {} too, which this container cannot give: "
                       "microcf runs without root, so its containers have no supplementary "
                       "groups; run `microcf up` as root",
                       user.name, gid);
    }
  }
  return {};
}

std::vector<std::string> programCandidates(const std::string& path,
                                           const std::vector<std::string>& env) {
  if (path.find('/') != std::string::npos) return {path};
  std::string search = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) search = e.substr(5);
  }
  std::vector<std::string> out;
  for (const auto& dir : base::split(search, ':')) {
    // An empty PATH entry means the working directory, as in execvp.
    out.push_back(dir.empty() ? path : dir + "/" + path);
  }
  return out;
}

int shellExitStatus(int64_t code, int term_signal) {
  if (term_signal > 0) return 128 + term_signal;
  return static_cast<int>(code);
}

int execFailureStatus(int err) { return err == ENOENT || err == ENOTDIR ? 127 : 126; }

std::string serializeProcessSpec(const ProcessSpec& spec) {
  json j = {{"path", spec.path}, {"args", spec.args}, {"env", spec.env},
            {"dir", spec.dir},   {"user", spec.user}, {"tty", spec.tty},
            {"rows", spec.rows}, {"cols", spec.cols}};
  return j.dump();
}

base::Result<ProcessSpec> parseProcessSpec(std::string_view text) {
  try {
    json j = json::parse(text);
    ProcessSpec spec;
    spec.path = j.at("path").get<std::string>();
    spec.args = j.value("args", std::vector<std::string>{});
    spec.env = j.value("env", std::vector<std::string>{});
    spec.dir = j.value("dir", spec.dir);
    spec.user = j.value("user", spec.user);
    spec.tty = j.value("tty", false);
    spec.rows = j.value("rows", spec.rows);
    spec.cols = j.value("cols", spec.cols);
    if (spec.path.empty()) return makeError(Errc::kInvalid, "process spec has an empty path");
    return spec;
  } catch (const std::exception& e) {
    return makeError(Errc::kParse, "process spec is not valid JSON: {}", e.what());
  }
}

}  // namespace mcf::runner
