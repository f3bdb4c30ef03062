// The container helper: `microcf __container init ...`, the short program that builds a
// container. LinuxBackend spawns it; nothing else should.
//
//   init <depot dir> [ready fd] [control fd]
//       unshares the namespaces (mount, PID, UTS, IPC and network; or, as spec.json says for a
//       microcf without root, a user namespace instead of a network one), forks the
//       container's pid 1, which assembles the rootfs from spec.json, pivots into it, reports,
//       then starts the processes microcf asks for on the control channel (runner/control.h)
//       and reaps every process until SIGTERM.
//   factory <control fd>
//       forks an init (as above) for each "create" microcf sends on control (runner/control.h)
//       and reports each init's exit there; microcf starts one and keeps it.
#pragma once

#include <string>

#include "base/unique_fd.h"

namespace mcf::runner {

// argv[0] is ignored; argv[1] is "init". A leading "__container" in argv[1] is
// skipped, so main may pass either its whole argv or argv from "__container" on.
int containerMain(int argc, char** argv);

// Blanks this process's arguments in /proc/<pid>/cmdline: the container's pid 1 would show
// its apps the host's depot path otherwise. Call after the arguments were copied.
void hideArguments();

// The init: a parent outside the new pid namespace that waits for (and forwards SIGTERM to)
// the container's pid 1. Readiness goes to ready_fd as "pid <host pid of pid 1>\n" and then
// "ready\n" or "error: <message>\n"; ready_fd < 0 means stdout. Pid 1 alone keeps control,
// its end of the control channel (-1: none, pid 1 only reaps).
int initMain(const std::string& depot_dir, int ready_fd, int control);

// What an init makes before it knows its container: the namespaces of every container of
// this microcf (a user namespace without root; a network one with root, its loopback up).
struct InitNamespaces {
  int flags = 0;              // CLONE_NEW*
  base::UniqueFd host_net;    // the host's network namespace, to attach a veth from
  std::string error;          // why they could not be made: told to the container's create
};
InitNamespaces makeInitNamespaces();
// The rest of the init for depot_dir's container, in namespaces made already.
int initContainer(const std::string& depot_dir, int ready_fd, int control, InitNamespaces ns);

// The factory: "create ID" with [depot dir in a memfd, ready fd, pid 1's control end] forks an
// init; "signal ID SIG" signals it; "exit ID STATUS" goes back when it ends. Ends when
// microcf's end closes or on SIGTERM; the inits die with it.
int factoryMain(int control);

}  // namespace mcf::runner
