// LinuxBackend: containers from namespaces, a tmpfs rootfs, bind mounts and overlayfs, with
// cgroups for memory, pids and CPU, and an ext4 image on a loop device for the disk.
//
// Without root (unprivileged()), each container gets a user namespace mapping its vcap alone
// to microcf's own user, besides its mount, pid, UTS and IPC namespaces, but no network
// namespace (it shares the host's: apps listen on host ports), no cgroups (no memory, pids or
// CPU limit) and a tmpfs of the disk limit's size for its writable layer. Running processes
// as another user than vcap, NetIn, NetOut and limit() are refused with the reason.
//
// Owns: the depot folders, the container factory (container_main.h) and through it each
// container's init, the control channels to their pid 1s, the processes' pipes, their
// cgroups (under a parent group named after the depot, so that two microcfs never share one),
// and the network of its subnet: the bridge, the veths and the nftables tables named after the
// subnet, which a lock file in /run keeps to one microcf at a time.
// Thread: the loop's. create() blocks the loop for the ms or two the init needs to report ready.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "loop/loop.h"
#include "loop/process.h"
#include "loop/stream.h"
#include "runner/backend.h"
#include "runner/cgroups.h"
#include "runner/control.h"
#include "runner/network.h"
#include "runner/rootfs_plan.h"
#include "runner/stacks.h"

namespace mcf::runner {

struct LinuxBackendConfig {
  std::string depot_dir;      // one folder per container
  std::string lifecycle_dir;  // bound read-only at /tmp/lifecycle; empty: none
  // The same programs for rootfs stacks, with the host's loader and libraries (see
  // daemon/paths.h, installLifecycle); empty: lifecycle_dir.
  std::string rootfs_lifecycle_dir;
  std::string stemcell_dir;   // the repo's stemcell/: the host stack's files (host/etc/passwd)
  // Where stacks are looked up (borrowed); null: the host stack alone.
  StackRegistry* stacks = nullptr;
  // The container helper (runner/container_main.h) is run as helper_exe with helper_args
  // before "init ..." or "exec ...". Empty: microcf-container beside this program, or this
  // program itself with {"microcf", "__container"} when there is none.
  std::string helper_exe;
  std::vector<std::string> helper_args;  // argv[0] first
  int max_containers = 256;
  // The containers' private network (IPv4 CIDR): a bridge with the first address, one IP per
  // container. Empty: containers get a network namespace with loopback only. Unused without
  // root: containers share the host's network.
  std::string subnet = "10.254.0.0/22";
};

class LinuxBackend : public Backend {
 public:
  LinuxBackend(loop::Loop& loop, LinuxBackendConfig config);
  // Kills every container and removes its depot folder: containers die with microcf.
  ~LinuxBackend() override;
  LinuxBackend(const LinuxBackend&) = delete;
  LinuxBackend& operator=(const LinuxBackend&) = delete;

  // Checks the config (depot writable, stemcell present), removes what a crashed microcf
  // left in the depot (cleanupDepot), and returns a backend. What the daemon should call.
  // Without root it checks that this host lets users create user namespaces.
  static base::Result<std::unique_ptr<LinuxBackend>> open(loop::Loop& loop,
                                                          LinuxBackendConfig config);

  // Whether microcf runs without root: containers in user namespaces, on the host's network,
  // without limits (see above). Decided by the effective uid at construction.
  bool unprivileged() const { return unprivileged_; }

  base::Status ping() override;
  base::Result<Capacity> capacity() override;
  HostIds vcapHostIds() const override;
  base::Result<bool> makeScratchDir(const std::string& dir, int disk_mb) override;
  base::Status removeScratchDir(const std::string& dir) override;
  base::Result<std::string> create(const ContainerSpec& spec) override;
  // The container's pid 1 starts the process; the returned id is microcf's name for it (its
  // host pid shows in info's process_pids once pid 1 has reported it).
  base::Result<int> run(const std::string& handle, const ProcessSpec& spec, ProcessIO io,
                        ExitCallback exit) override;
  base::Status stop(const std::string& handle, bool kill) override;
  base::Status destroy(const std::string& handle) override;
  base::Result<ContainerInfo> info(const std::string& handle) override;
  std::vector<std::string> list() override;
  base::Status attach(int pid, ProcessIO io, ExitCallback exit) override;
  base::Status writeStdin(int pid, std::string_view data) override;
  base::Status closeStdin(int pid) override;
  base::Status resizeTty(int pid, int rows, int cols) override;
  base::Status signal(int pid, int sig) override;
  void streamIn(const std::string& handle, const std::string& dir, std::string tar,
                const std::string& user, std::function<void(base::Status)> done) override;
  void streamOut(const std::string& handle, const std::string& path, const std::string& user,
                 std::function<void(base::Result<std::string>)> done) override;
  base::Status limit(const std::string& handle, const Limits& limits) override;
  base::Result<PortMapping> netIn(const std::string& handle, int host_port,
                                  int container_port) override;
  base::Status netOut(const std::string& handle, const NetOutRule& rule) override;

 private:
  struct Container {
    ContainerSpec spec;
    DepotPaths paths;
    uint64_t init_id = 0;      // the factory's name for its init, in "create" and "exit"
    int init_parent_pid = 0;   // the init's parent process, outside the pid ns
    base::UniqueFd init_parent_pidfd;
    int init_pid = 0;          // host pid of the container's pid 1
    base::UniqueFd init_pidfd;
    bool init_exited = false;
    bool stopped = false;
    base::UniqueFd control;  // microcf's end of the control channel to pid 1 (runner/control.h)
    std::unique_ptr<loop::FdWatch> control_watch;
    int oom_kills = 0;  // as last seen: one more at a process's exit means the limit killed it
    std::string ip;     // empty: loopback only
    std::vector<PortMapping> net_in;
  };
  struct RunningProcess {
    std::string handle;
    ProcessIO io;
    ExitCallback exit;
    bool tty = false;
    // Without a terminal: the pipes of its stdout, stderr and (with stdin_open) stdin. With one:
    // out is the terminal's master, which pid 1 sends once the process started; until then
    // what is typed waits in typed, and a hang-up in typed_eof.
    std::unique_ptr<loop::Stream> out, err, in;
    std::string typed;
    bool typed_eof = false;
    int rows = 0, cols = 0;
    int open_streams = 0;
    int host_pid = 0;
    base::UniqueFd pidfd;
    std::optional<int> status;  // pid 1 reported its exit, or pid 1 itself is gone
    std::unique_ptr<loop::Timer> drain;  // a terminal held open after the exit is not waited for
  };

  base::Status openNetwork();
  base::Result<Stack> findStack(const std::string& name);
  base::Status prepareDepot(const ContainerSpec& spec, const Stack& stack, const DepotPaths& paths,
                            std::vector<std::string> cgroup_procs, const std::string& ip);
  void undoCreate(Container& c);
  base::Status removeDepotFolder(const Container& c);
  base::Status releaseNetwork(Container& c);
  void removeGroups(const std::string& handle);
  void sweepGroups();
  base::Status startInit(Container& c);
  void killInit(Container& c);
  std::vector<std::string> helperArgs(std::vector<std::string> tail) const;
  base::Status openPipes(RunningProcess& rp, int id, std::vector<base::UniqueFd>& child_ends);
  void readFrom(int id, loop::Stream& stream, bool is_err);
  void onControl(const std::string& handle);
  void onStarted(int id, ControlMessage& m);
  void onProcessGone(int id, int status);
  void maybeFinish(int id);
  RunningProcess* findProcess(int id);
  base::Result<Container*> findContainer(const std::string& handle);
  base::Status startFactory();
  void onFactoryMessages();
  void onFactoryExit(uint64_t generation, int64_t status, int term_signal);
  // The factory is gone (its control socket closed): its containers are marked dead and the
  // next create starts a new one. Its Process waits in retired_factories_ until reaped.
  void forgetFactory();
  void onInitExit(uint64_t id, int status);

  loop::Loop& loop_;
  LinuxBackendConfig config_;
  bool unprivileged_ = false;
  std::vector<HostTopEntry> host_top_;
  std::optional<Cgroups> cgroups_;  // set by open(); none in a backend made without it
  // Groups of destroyed containers that still hold dying processes (microcf's own unreaped
  // helpers among them): removed by a timer on the loop, never by waiting in destroy.
  std::set<std::string> doomed_groups_;
  std::unique_ptr<loop::Timer> group_sweeper_;
  std::optional<NetworkConfig> network_;  // none: containers get loopback only
  std::optional<IpAllocator> ips_;
  base::UniqueFd network_lock_;
  std::map<std::string, std::unique_ptr<Container>> containers_;
  std::map<int, RunningProcess> processes_;  // by the id run() returned, which callbacks keep
  int next_process_id_ = 1;
  // The factory (container_main.h) forks every init; it is started with the backend and again
  // if it ever ends.
  std::unique_ptr<loop::Process> factory_;
  base::UniqueFd factory_control_;
  std::unique_ptr<loop::FdWatch> factory_watch_;
  uint64_t factory_generation_ = 0;  // of factory_; exit callbacks carry theirs
  std::map<uint64_t, std::unique_ptr<loop::Process>> retired_factories_;  // dead, not reaped
  // Killed inits' parents until the factory reports their exit (by init id): their exit tears
  // down the container's mount namespace, which takes an RCU grace period that destroy need
  // not wait for. The destructor does wait, so that no process outlives the backend.
  std::map<uint64_t, base::UniqueFd> dying_;
  uint64_t next_id_ = 1;
  // Limited folders mounted by makeScratchDir (any thread). A container bound to one gets an
  // init forked at create: a spare's mount namespace, made earlier, does not have the mount.
  bool bindsScratchDir(const ContainerSpec& spec);
  std::mutex scratch_mu_;
  std::set<std::string> scratch_dirs_;
  bool stopping_ = false;  // the destructor runs: destroy removes folders before it returns
  // Deferred calls check it: they do not outlive the backend.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace mcf::runner
