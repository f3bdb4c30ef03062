// `microcf __runner-bench`: the driver bench/containers.sh times microcf's runner with.
//
//   microcf __runner-bench runs N [--network]
//       N times create + run /bin/true + destroy, one after another; prints one line per run:
//       "run <ms>" (wall time of the three steps, as `crun run` does them in one command).
//   microcf __runner-bench sleepers N [--network]
//       starts N containers each running `sleep`, prints "sleepers <N> <seconds to start all>
//       <kernel KiB per container> <microcf RSS KiB per container>", then destroys them.
// It runs the real LinuxBackend in a temporary depot, as `microcf up` would (root only).
#pragma once

namespace mcf::daemon {

int runnerBenchMain(int argc, char** argv);

}  // namespace mcf::daemon
