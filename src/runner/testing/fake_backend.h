// FakeBackend: an in-memory Backend for other components' unit tests.
//
// Owns: fake containers and the processes run in them; the test drives their output and exit.
// Does not own: any real process, mount or file.
// Thread: the test's. Callbacks run inside emitStdout/exit/stop/destroy, or on the loop's next
// turn when constructed with a loop (closer to the real backend, which calls back later).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loop/loop.h"
#include "runner/backend.h"
#include "runner/stacks.h"

namespace mcf::runner {

class FakeBackend : public Backend {
 public:
  struct RunRecord {
    std::string handle;
    int pid = 0;
    ProcessSpec spec;
    bool exited = false;
    int exit_status = 0;
    std::string stdin_data;  // what writeStdin fed it
    bool stdin_closed = false;
    std::vector<std::pair<int, int>> resizes;  // rows, cols
    std::vector<int> signals;                  // what signal() sent, in order
  };

  explicit FakeBackend(loop::Loop* loop = nullptr) : loop_(loop) {}

  base::Status ping() override;
  base::Result<Capacity> capacity() override;
  // Checks the stack like the real backend (stacks: host, and what addStack added); an empty
  // handle becomes "fake-<n>".
  base::Result<std::string> create(const ContainerSpec& spec) override;
  void addStack(const std::string& name) { stacks_.push_back(Stack{name, name, StackKind::kRootfs, "/", "1"}); }
  // Records the spec; pids count up from 1000.
  base::Result<int> run(const std::string& handle, const ProcessSpec& spec, ProcessIO io,
                        ExitCallback exit) override;
  // Records the call; running processes exit with 143 (SIGTERM) or 137 (kill), as they
  // would unless they trap SIGTERM. set exitOnStop(false) to drive exits by hand.
  base::Status stop(const std::string& handle, bool kill) override;
  // Running processes exit with 137.
  base::Status destroy(const std::string& handle) override;
  base::Result<ContainerInfo> info(const std::string& handle) override;
  std::vector<std::string> list() override;
  base::Status attach(int pid, ProcessIO io, ExitCallback exit) override;
  base::Status writeStdin(int pid, std::string_view data) override;
  base::Status closeStdin(int pid) override;
  base::Status resizeTty(int pid, int rows, int cols) override;
  // Records the signal; nothing exits by it (drive exits with exit()).
  base::Status signal(int pid, int sig) override;
  // Keeps the archive by directory; streamOut of that directory returns it.
  void streamIn(const std::string& handle, const std::string& dir, std::string tar,
                const std::string& user, std::function<void(base::Status)> done) override;
  void streamOut(const std::string& handle, const std::string& path, const std::string& user,
                 std::function<void(base::Result<std::string>)> done) override;
  base::Status limit(const std::string& handle, const Limits& limits) override;
  // host_port 0 picks 60000, 60001, ...
  base::Result<PortMapping> netIn(const std::string& handle, int host_port,
                                  int container_port) override;
  base::Status netOut(const std::string& handle, const NetOutRule& rule) override;

  // The next create / run fails with error.
  void failNextCreate(base::Error error) { fail_create_ = std::move(error); }
  void failNextRun(base::Error error) { fail_run_ = std::move(error); }
  void exitOnStop(bool on) { exit_on_stop_ = on; }

  // False if there is no such running process.
  bool emitStdout(const std::string& handle, int pid, std::string_view text);
  bool emitStderr(const std::string& handle, int pid, std::string_view text);
  bool exit(const std::string& handle, int pid, int status, bool out_of_memory = false);
  // The IP info() reports for containers created from now on; "" (the default) is the host's
  // network, where instances listen on assigned ports.
  void setContainerIp(std::string ip) { ip_ = std::move(ip); }
  // What info() reports as the container's usage.
  void setUsage(const std::string& handle, const Usage& usage) { containers_[handle].usage = usage; }

  // Every run so far, in order, exited or not.
  const std::vector<RunRecord>& runs() const { return runs_; }
  // The spec a live container was created with; nullptr if there is none.
  const ContainerSpec* containerSpec(const std::string& handle) const;
  // Handles whose containers stop() was called on, in order, with the kill flag.
  const std::vector<std::pair<std::string, bool>>& stops() const { return stops_; }
  int destroyCount() const { return destroy_count_; }

 private:
  struct Process {
    ProcessIO io;
    ExitCallback exit;
  };
  struct Container {
    ContainerSpec spec;
    std::string ip;
    bool stopped = false;
    std::map<int, Process> processes;  // running only
    std::vector<PortMapping> mapped_ports;
    Usage usage;
    std::map<std::string, std::string> files;  // streamed-in archives by directory
  };

  RunRecord* record(int pid);
  Process* process(int pid);
  void finish(const std::string& handle, int pid, int status, bool out_of_memory = false);
  void call(std::function<void()> fn);

  loop::Loop* loop_;
  std::map<std::string, Container> containers_;
  std::vector<RunRecord> runs_;
  std::vector<std::pair<std::string, bool>> stops_;
  std::optional<base::Error> fail_create_;
  std::vector<Stack> stacks_ = {Stack{kDefaultStack, "the host", StackKind::kHost, "/", ""}};
  std::optional<base::Error> fail_run_;
  bool exit_on_stop_ = true;
  std::string ip_;
  int next_pid_ = 1000;
  int next_host_port_ = 60000;
  int next_handle_ = 1;
  int destroy_count_ = 0;
};

}  // namespace mcf::runner
