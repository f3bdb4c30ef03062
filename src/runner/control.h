// The control channel between LinuxBackend and a container's pid 1: a SOCK_SEQPACKET socket
// pair, one text message per request, with descriptors passed alongside (SCM_RIGHTS).
//
//   microcf -> pid 1   "run ID"          [process spec (a memfd), stdout, stderr, stdin?]
//                                        or, with a terminal, [process spec]
//                      "signal ID SIG"   to the process's group
//   pid 1 -> microcf   "started ID"      [pidfd] or, with a terminal, [pidfd, its master]
//                      "exit ID STATUS"  the shell's status: the code, or 128 + signal
//
// The same messages run between LinuxBackend and its factory (container_main.h), which forks
// each container's init:
//
//   microcf -> factory "create ID"       [depot dir (a memfd), ready pipe, pid 1's control end]
//                      "create-fresh ID" the same, with an init forked now, not a spare
//                      "signal ID SIG"   to the init
//   factory -> microcf "exit ID STATUS"  the init ended
//
// Pid 1 starts each process itself (fork, drop to the user, execve): no helper has to enter
// the container's namespaces, so running a process costs one fork and one exec. Pid 1's end
// closing means the container is gone.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace mcf::runner {

struct ControlMessage {
  std::string verb;  // run, signal, started, exit; create
  uint64_t id = 0;
  int value = 0;     // signal's SIG, exit's STATUS
  std::vector<base::UniqueFd> fds;
};

// Pure: "verb id [value]" in and out.
std::string formatControl(std::string_view verb, uint64_t id);
std::string formatControl(std::string_view verb, uint64_t id, int value);
base::Result<ControlMessage> parseControl(std::string_view text);

// At most this many descriptors travel with one message.
inline constexpr size_t kMaxControlFds = 4;

// Sends one message. Without block, a full socket (a pid 1 that stopped reading) is an error:
// microcf's loop never waits for a container.
base::Status sendControl(int sock, std::string_view text, const std::vector<int>& fds = {},
                         bool block = false);

// What woke a serving loop (pid 1's, the factory's): a signal read from sigfd (a signalfd),
// or control with a request to read or hung up.
struct Wakeup {
  int signal = 0;       // 0: none
  int sender_pid = 0;   // 0 for a sender outside this process's pid namespace
  bool request = false;
};
Wakeup waitForWork(int sigfd, int control);

// Reads one message from control, if there is one, and hands it to handle. False once the
// other end is gone (or unreadable).
bool serveControl(int control, const std::function<void(ControlMessage&)>& handle);

// The whole content of a memory file passed with a message (a process spec, a depot dir),
// read from its start.
base::Result<std::string> readPassedFile(int fd);

// On the side that starts children for requests (pid 1, the factory): the children by
// request id; reaping reports "exit ID STATUS" on control for each of them.
class RequestChildren {
 public:
  explicit RequestChildren(int control) : control_(control) {}
  void add(pid_t pid, uint64_t id) { children_[pid] = id; }
  // Signals the child of request id; with group, its process group first.
  void signal(uint64_t id, int sig, bool group) const;
  // Reaps every child that has exited; returns those that were no request's.
  std::vector<pid_t> reap();

 private:
  int control_;
  std::map<pid_t, uint64_t> children_;
};

struct Received {
  enum class Kind { kMessage, kNone, kClosed };  // kNone: nothing to read now
  Kind kind = Kind::kNone;
  ControlMessage message;
};
// Reads one message; received descriptors are close-on-exec.
base::Result<Received> receiveControl(int sock, bool block = false);

}  // namespace mcf::runner
