// posix_spawn + waitpid for one child at a time.
#include "lifecycle/script.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"

extern char** environ;

namespace mcf::lifecycle {

base::Result<int> runProgram(const std::vector<std::string>& argv, std::string* captured_stdout) {
  if (argv.empty()) return base::makeError(base::Errc::kInternal, "runProgram: empty argv");
  base::UniqueFd read_end, write_end;
  if (captured_stdout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return base::makeError(base::Errc::kIo, "cannot create a pipe: {}", strerror(errno));
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (captured_stdout) posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // Our own buffered lines must come out before the child's.
  std::fflush(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (rc != 0) {
    return base::makeError(base::Errc::kIo, "cannot run {}: {}{}", argv[0], strerror(rc),
                           rc == EACCES ? " (is it executable? chmod +x it)" : "");
  }
  if (captured_stdout) {
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(read_end.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      captured_stdout->append(buf, static_cast<size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return base::makeError(base::Errc::kIo, "waiting for {}: {}", argv[0], strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace mcf::lifecycle
