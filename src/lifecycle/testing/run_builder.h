// runBuilderCaptured: runs the builder in-process with stdout and stderr sent to a log file,
// as the staging container does, and returns the exit code and everything it printed.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>

#include "base/fs.h"
#include "lifecycle/builder.h"

namespace mcf::lifecycle {

inline std::pair<int, std::string> runBuilderCaptured(const BuilderOptions& options,
                                                      const std::string& log_path) {
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {-1, "cannot open " + log_path};
  std::fflush(stdout);
  std::fflush(stderr);
  int saved_out = ::dup(1), saved_err = ::dup(2);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  int code = runBuilder(options);
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  ::close(fd);
  auto output = base::readFile(log_path);
  return {code, output.ok() ? *output : output.error().message};
}

}  // namespace mcf::lifecycle
