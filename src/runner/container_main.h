// The container helper: `microcf __container init|exec ...`, the short programs that build a
// container and enter it. LinuxBackend spawns them; nothing else should.
//
//   init <depot dir> [ready fd]   unshares mount/uts/ipc/pid and network namespaces (or, as
//                                 spec.json says for a microcf without root, a user namespace
//                                 instead of a network one), forks the container's pid 1, which
//                                 assembles the rootfs from spec.json, pivots into it, reports
//                                 and then reaps zombies until SIGTERM.
//   exec <depot dir> <spec>       enters the container of state.json's init and runs a
//                                 ProcessSpec: JSON inline, "env" for $MCF_PROCESS_SPEC, "-"
//                                 for stdin, else a file; exits with the process's status.
#pragma once

#include <string>

namespace mcf::runner {

// The environment variable `exec ... env` reads the process spec from.
inline constexpr const char* kProcessSpecEnv = "MCF_PROCESS_SPEC";

// argv[0] is ignored; argv[1] is "init" or "exec". A leading "__container" in argv[1] is
// skipped, so main may pass either its whole argv or argv from "__container" on.
int containerMain(int argc, char** argv);

// Blanks this process's arguments in /proc/<pid>/cmdline: the container's pid 1 would show
// its apps the host's depot path otherwise. Call after the arguments were copied.
void hideArguments();

// The init: a parent outside the new pid namespace that waits for (and forwards SIGTERM to)
// the container's pid 1. Readiness goes to ready_fd as "pid <host pid of pid 1>\n" and then
// "ready\n" or "error: <message>\n"; ready_fd < 0 means stdout.
int initMain(const std::string& depot_dir, int ready_fd);

// The exec helper: setns into the container, fork, drop to the process's user, execve.
// Exits with the process's status (128 + signal if killed), 125 if it could not enter the
// container, 126/127 if the program cannot run. Forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
// SIGUSR1 and SIGUSR2 to the process's group.
int execMain(const std::string& depot_dir, const std::string& spec_arg);

}  // namespace mcf::runner
