// Process: a child process on the loop, with its stdout and stderr read as they come.
//
// Owns: the uv_process_t and the two output pipes.
// Does not own: namespaces or containers (runner/ builds those on top of this).
// Thread: the loop's.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "loop/loop.h"
#include "loop/stream.h"

namespace mcf::loop {

struct ProcessSpec {
  std::string file;                // path or name looked up in PATH
  std::vector<std::string> args;   // argv, args[0] included
  std::vector<std::string> env;    // "K=V"; empty means inherit microcf's environment
  std::string cwd;                 // empty: microcf's cwd
  bool new_session = true;         // setsid, so a signal to the group reaches its children
  std::string stdin_data;          // written to the child's stdin, then closed
  // true: stdin stays open for write() until closeStdin() (stdin_data is written first).
  bool stdin_pipe = false;
  // Descriptors the child inherits as fd 3, 4, ...; the caller keeps and closes its copies.
  std::vector<int> extra_fds;
};

class Process {
 public:
  // One chunk of output; is_stderr tells which stream.
  using OutputCb = std::function<void(bool is_stderr, std::string_view chunk)>;
  // Runs once, after the child exited and both streams reached end of file.
  using ExitCb = std::function<void(int64_t exit_status, int term_signal)>;

  // If spawning fails, neither callback runs.
  static base::Result<std::unique_ptr<Process>> spawn(Loop& loop, const ProcessSpec& spec,
                                                      OutputCb on_output, ExitCb on_exit);
  // Closing the handles does not kill the child; call kill() first if it must die.
  ~Process();

  int pid() const { return pid_; }
  bool exited() const { return exited_; }
  // Sends sig to the child's process group (or to the child if it has none of its own).
  base::Status kill(int sig);
  // With spec.stdin_pipe: queues data for the child's stdin, in order. kInvalid once closed.
  base::Status write(std::string_view data);
  // End of file on the child's stdin once what was queued is written. A second call is a no-op.
  void closeStdin();

 private:
  Process() = default;
  void maybeFinish();

  uv_process_t* process_ = nullptr;
  std::unique_ptr<Stream> out_;
  std::unique_ptr<Stream> err_;
  std::unique_ptr<Stream> in_;
  OutputCb on_output_;
  ExitCb on_exit_;
  int pid_ = 0;
  bool new_session_ = true;
  int open_streams_ = 0;
  bool exited_ = false;
  bool finished_ = false;
  int64_t exit_status_ = 0;
  int term_signal_ = 0;
};

}  // namespace mcf::loop
