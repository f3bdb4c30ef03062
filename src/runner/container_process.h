// Pid 1's second half: with the root filesystem built, it starts the processes LinuxBackend
// asks for over the control channel (runner/control.h) and reaps every process of the
// container, reporting the exits of those it started.
#pragma once

#include "runner/depot.h"

namespace mcf::runner {

// Serves requests on control until SIGTERM/SIGINT/SIGHUP or until microcf's end closes.
// SIGUSR1 sends SIGTERM and SIGUSR2 SIGKILL to every other process of the container. The
// caller has blocked SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2. Returns pid 1's
// exit status.
int servePid1(const DepotSpec& spec, int control);

}  // namespace mcf::runner
