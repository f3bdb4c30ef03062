// pidfd_open and pidfd_send_signal as raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C".
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mcf::runner {

inline int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

inline int pidfdSendSignal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// The pid a pidfd refers to, as this process's pid namespace numbers it (0 if it has exited).
int pidfdPid(int pidfd);

}  // namespace mcf::runner
