// Runs a buildpack script (or any program) to completion from a lifecycle program.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::lifecycle {

// Runs argv[0] with argv (argv[0] is a path; no PATH lookup), the inherited environment, cwd
// and stderr. If captured_stdout is non-null the child's stdout is collected there, else it
// goes to our stdout. Returns the exit status, or 128 + signal if a signal ended the child.
// kIo if the program could not be started (missing, not executable); the message says which.
// Blocking: lifecycle programs run outside the platform's loop and wait for one child at a time.
base::Result<int> runProgram(const std::vector<std::string>& argv, std::string* captured_stdout);

}  // namespace mcf::lifecycle
