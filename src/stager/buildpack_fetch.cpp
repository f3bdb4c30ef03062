// Fetching custom buildpacks: copy, unzip, git clone or curl, then a check of bin/.
#include "stager/buildpack_fetch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <vector>

#include "archive/archive.h"
#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "base/unique_fd.h"

extern char** environ;

namespace mcf::stager {

using base::Errc;
using base::makeError;
namespace stdfs = std::filesystem;

namespace {

constexpr size_t kMaxOutput = 64 * 1024;

struct CommandResult {
  int status = -1;  // exit status; 128 + signal; -1 when it ran out of time
  std::string output;
};

int64_t nowMs() {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Runs argv (PATH lookup) with stdin from /dev/null, stdout and stderr captured together,
// never prompting for credentials, killed with its children after timeout_s. git may use only
// the protocols of allow_protocols (GIT_ALLOW_PROTOCOL's syntax).
base::Result<CommandResult> runCommand(const std::vector<std::string>& argv, int timeout_s,
                                       const std::string& allow_protocols = "git:http:https:ssh") {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return makeError(Errc::kIo, "cannot run {}: pipe: {}", argv[0], strerror(errno));
  base::UniqueFd out_parent(out[0]), out_child(out[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_child.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, out_child.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> env_copy;
  for (char** e = environ; e && *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("GIT_TERMINAL_PROMPT=") || v.starts_with("GIT_SSH_COMMAND=") ||
        v.starts_with("GIT_ALLOW_PROTOCOL="))
      continue;
    env_copy.emplace_back(v);
  }
  env_copy.push_back("GIT_TERMINAL_PROMPT=0");
  // No ext:: or fd:: transports, whatever the machine's git configuration says.
  env_copy.push_back("GIT_ALLOW_PROTOCOL=" + allow_protocols);
  env_copy.push_back("GIT_SSH_COMMAND=ssh -o BatchMode=yes");
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0].c_str(), &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return makeError(Errc::kNotFound, "cannot run {}: {}", args[0], strerror(rc));
  out_child.reset();

  CommandResult result;
  int64_t deadline = nowMs() + int64_t(timeout_s) * 1000;
  bool timed_out = false;
  for (;;) {
    int64_t left = deadline - nowMs();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd p = {out_parent.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = ::read(out_parent.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // every writer is gone
    if (result.output.size() < kMaxOutput)
      result.output.append(buf, static_cast<size_t>(got));
  }
  if (timed_out) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return result;
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string lastLine(const std::string& output) {
  auto lines = base::split(output, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (!base::trim(*it).empty()) return base::trim(*it);
  return "";
}

bool isCommitSha(const std::string& ref) {
  if (ref.size() < 7 || ref.size() > 40) return false;
  for (char c : ref)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

base::Status cloneGit(const std::string& url, const FetchPlan& plan, const std::string& dest,
                      int timeout_s) {
  // Only a file:// buildpack (an admin's) may read the machine's repositories: a submodule of
  // a remote repository must not.
  const std::string protocols =
      plan.source.starts_with("file://") ? "file:git:http:https:ssh" : "git:http:https:ssh";
  auto fail = [&](const CommandResult& r) {
    std::string why = r.status < 0 ? fmt::format("git did not finish within {} seconds", timeout_s)
                                   : lastLine(r.output);
    if (why.empty()) why = fmt::format("git exited with status {}", r.status);
    return makeError(Errc::kStagingError, "Failed to clone git repository at {}: {}", url, why);
  };
  // --recurse-submodules as Cloud Foundry's --recursive: some buildpacks keep parts in
  // submodules.
  std::vector<std::string> argv = {"git",   "clone", "--depth", "1", "--recurse-submodules",
                                   "--shallow-submodules", "--quiet"};
  if (!plan.ref.empty()) {
    argv.push_back("--branch");
    argv.push_back(plan.ref);
  }
  argv.push_back("--");
  argv.push_back(plan.source);
  argv.push_back(dest);
  auto r = runCommand(argv, timeout_s, protocols);
  if (!r.ok()) {
    return makeError(Errc::kStagingError,
                     "Failed to clone git repository at {}: git is not installed on the "
                     "platform's machine (apt-get install git)",
                     url);
  }
  if (r->status == 0) return {};
  if (!isCommitSha(plan.ref)) return fail(*r);
  // --branch takes branches and tags only: a commit needs the whole history.
  (void)base::removeTree(dest);
  const std::vector<std::vector<std::string>> steps = {
      {"git", "clone", "--no-checkout", "--quiet", "--", plan.source, dest},
      {"git", "-C", dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", plan.ref},
      {"git", "-C", dest, "submodule", "update", "--init", "--recursive", "--quiet"}};
  for (const auto& step : steps) {
    auto ran = runCommand(step, timeout_s, protocols);
    if (!ran.ok()) return makeError(Errc::kStagingError, "Failed to clone git repository at {}: {}",
                                    url, ran.error().message);
    if (ran->status != 0) return fail(*ran);
  }
  return {};
}

base::Status downloadZip(const std::string& url, const FetchPlan& plan, const std::string& dest,
                         int timeout_s) {
  std::string zip = dest + ".zip";
  auto r = runCommand({"curl", "--fail", "--silent", "--show-error", "--location", "--max-time",
                       std::to_string(timeout_s), "--output", zip, "--", plan.source},
                      timeout_s + 10);
  if (!r.ok()) {
    return makeError(Errc::kStagingError,
                     "Failed to download buildpack {}: curl is not installed on the platform's "
                     "machine (apt-get install curl); or give the buildpack as a git URL",
                     url);
  }
  if (r->status != 0) {
    (void)::unlink(zip.c_str());
    std::string why = r->status < 0 ? "the download did not finish in time" : lastLine(r->output);
    return makeError(Errc::kStagingError, "Failed to download buildpack {}: {}", url, why);
  }
  auto st = archive::extract(zip, dest);
  (void)::unlink(zip.c_str());
  if (!st.ok())
    return makeError(Errc::kStagingError, "Buildpack {} is not a usable zip: {}", url,
                     st.error().message);
  return {};
}

// A buildpack in the one top-level folder of dest (as in GitHub's zips) moves up to dest.
base::Status unwrap(const std::string& dest) {
  std::string top = base::buildpackTop(dest);
  if (top.empty() || top == dest) return {};
  std::string moved = dest + ".unwrap";
  (void)base::removeTree(moved);
  if (::rename(top.c_str(), moved.c_str()) != 0)
    return makeError(Errc::kIo, "cannot move {} up: {}", top, strerror(errno));
  MCF_TRY(base::removeTree(dest));
  if (::rename(moved.c_str(), dest.c_str()) != 0)
    return makeError(Errc::kIo, "cannot move {} to {}: {}", moved, dest, strerror(errno));
  return {};
}

}  // namespace

FetchPlan planFetch(const std::string& url) {
  auto [address, ref] = base::splitBuildpackUrl(url);
  std::string path = base::fileUrlPath(address);
  if (!path.empty()) {
    // A local repository with a ref is cloned; a folder or zip without one is taken as is.
    if (!ref.empty()) return {FetchKind::kGit, "file://" + path, ref};
    if (base::toLower(path).ends_with(".zip")) return {FetchKind::kZip, path, ""};
    return {FetchKind::kDirectory, path, ""};
  }
  if (ref.empty() && (address.starts_with("http://") || address.starts_with("https://"))) {
    std::string p = address.substr(0, address.find_first_of("?"));
    if (base::toLower(p).ends_with(".zip")) return {FetchKind::kHttpZip, address, ""};
  }
  return {FetchKind::kGit, address, ref};
}

std::string fetchStartLine(const std::string& url) {
  FetchPlan plan = planFetch(url);
  if (plan.kind == FetchKind::kGit) {
    std::string address = base::splitBuildpackUrl(url).address;
    return plan.ref.empty() ? fmt::format("Cloning {}...", address)
                            : fmt::format("Cloning {} at {}...", address, plan.ref);
  }
  return fmt::format("Downloading buildpack {}...", url);
}

base::Status fetchBuildpack(const std::string& url, const std::string& dest,
                            const FetchOptions& options) {
  FetchPlan plan = planFetch(url);
  MCF_TRY(base::removeTree(dest));
  std::string parent = stdfs::path(dest).parent_path().string();
  MCF_TRY(base::makeDirs(parent));
  auto notFound = [&] { return makeError(Errc::kStagingError, "Buildpack {} not found", url); };
  if (plan.kind == FetchKind::kDirectory || plan.kind == FetchKind::kZip) {
    // The folder or zip itself, not a link to it: what is copied and later handed to vcap is
    // a copy, never the user's own files.
    std::error_code ec;
    auto real = stdfs::canonical(plan.source, ec);
    if (ec) return notFound();
    plan.source = real.string();
  }
  base::Status fetched;
  switch (plan.kind) {
    case FetchKind::kDirectory: {
      struct stat st;
      if (::stat(plan.source.c_str(), &st) != 0) return notFound();
      if (S_ISREG(st.st_mode)) {
        plan.kind = FetchKind::kZip;  // a zip without the .zip suffix
      } else if (!S_ISDIR(st.st_mode)) {
        return notFound();
      } else {
        // Symlinks are copied as links, never followed out of the folder.
        fetched = base::copyTree(plan.source, dest);
        break;
      }
      [[fallthrough]];
    }
    case FetchKind::kZip: {
      struct stat st;
      if (::stat(plan.source.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return notFound();
      fetched = archive::extract(plan.source, dest);
      if (!fetched.ok())
        return makeError(Errc::kStagingError, "Buildpack {} is not a usable zip: {}", url,
                         fetched.error().message);
      break;
    }
    case FetchKind::kGit:
      if (plan.source.starts_with("file://") && !base::pathExists(plan.source.substr(7)))
        return notFound();
      fetched = cloneGit(url, plan, dest, options.timeout_s);
      if (fetched.ok()) (void)base::removeTree(base::joinPath(dest, ".git"));
      break;
    case FetchKind::kHttpZip:
      fetched = downloadZip(url, plan, dest, options.timeout_s);
      break;
  }
  if (!fetched.ok()) {
    (void)base::removeTree(dest);
    if (fetched.error().code == Errc::kStagingError) return fetched;
    return makeError(Errc::kStagingError, "Failed to fetch buildpack {}: {}", url,
                     fetched.error().message);
  }
  MCF_TRY(unwrap(dest));
  if (!base::isBuildpackDir(dest)) {
    (void)base::removeTree(dest);
    return makeError(Errc::kStagingError,
                     "{} is not a buildpack: it has no bin/detect, bin/supply, bin/compile or "
                     "bin/finalize",
                     url);
  }
  return {};
}

}  // namespace mcf::stager
