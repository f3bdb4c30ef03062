// FakeBackend: containers as map entries, processes driven by the test.
#include "runner/testing/fake_backend.h"

#include "runner/rootfs_plan.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

base::Status FakeBackend::ping() { return {}; }

base::Result<Capacity> FakeBackend::capacity() {
  return Capacity{int64_t{8} << 30, int64_t{64} << 30, 256};
}

base::Result<std::string> FakeBackend::create(const ContainerSpec& requested) {
  if (fail_create_) {
    base::Error e = std::move(*fail_create_);
    fail_create_.reset();
    return e;
  }
  ContainerSpec spec = requested;
  if (spec.handle.empty()) spec.handle = "fake-" + std::to_string(next_handle_++);
  if (auto stack = findStack(stacks_, spec.stack); !stack.ok()) return stack.takeError();
  MCF_TRY(validateContainerSpec(spec));
  if (containers_.count(spec.handle)) {
    return makeError(Errc::kConflict, "container {} already exists", spec.handle);
  }
  containers_[spec.handle].spec = spec;
  containers_[spec.handle].ip = spec.ip.empty() ? ip_ : spec.ip;
  return spec.handle;
}

base::Result<int> FakeBackend::run(const std::string& handle, const ProcessSpec& spec,
                                   ProcessIO io, ExitCallback exit) {
  if (fail_run_) {
    base::Error e = std::move(*fail_run_);
    fail_run_.reset();
    return e;
  }
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  int pid = next_pid_++;
  it->second.processes[pid] = Process{std::move(io), std::move(exit)};
  it->second.stopped = false;
  runs_.push_back(RunRecord{handle, pid, spec, false, 0});
  return pid;
}

base::Status FakeBackend::stop(const std::string& handle, bool kill) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  stops_.emplace_back(handle, kill);
  it->second.stopped = true;
  if (exit_on_stop_) {
    std::vector<int> pids;
    for (const auto& [pid, p] : it->second.processes) pids.push_back(pid);
    for (int pid : pids) finish(handle, pid, kill ? 137 : 143);
  }
  return {};
}

base::Status FakeBackend::destroy(const std::string& handle) {
  ++destroy_count_;
  auto it = containers_.find(handle);
  if (it == containers_.end()) return {};
  std::vector<int> pids;
  for (const auto& [pid, p] : it->second.processes) pids.push_back(pid);
  for (int pid : pids) finish(handle, pid, 137);
  containers_.erase(handle);
  return {};
}

base::Result<ContainerInfo> FakeBackend::info(const std::string& handle) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  ContainerInfo info;
  info.handle = handle;
  info.state = it->second.stopped ? "stopped" : "active";
  info.depot_dir = "/fake-depot/" + handle;
  info.ip = it->second.ip;
  info.mapped_ports = it->second.mapped_ports;
  info.limits = it->second.spec.limits;
  info.usage = it->second.usage;
  info.properties = it->second.spec.properties;
  for (const auto& [pid, p] : it->second.processes) info.process_pids.push_back(pid);
  return info;
}

std::vector<std::string> FakeBackend::list() {
  std::vector<std::string> out;
  for (const auto& [h, c] : containers_) out.push_back(h);
  return out;
}

FakeBackend::Process* FakeBackend::process(int pid) {
  for (auto& [h, c] : containers_) {
    auto it = c.processes.find(pid);
    if (it != c.processes.end()) return &it->second;
  }
  return nullptr;
}

base::Status FakeBackend::attach(int pid, ProcessIO io, ExitCallback exit) {
  Process* p = process(pid);
  if (!p) return makeError(Errc::kNotFound, "process {} not found", pid);
  *p = Process{std::move(io), std::move(exit)};
  return {};
}

base::Status FakeBackend::writeStdin(int pid, std::string_view data) {
  RunRecord* r = record(pid);
  if (!process(pid) || !r) return makeError(Errc::kNotFound, "process {} not found", pid);
  if (r->stdin_closed) return makeError(Errc::kInvalid, "stdin of process {} is closed", pid);
  r->stdin_data.append(data);
  return {};
}

base::Status FakeBackend::closeStdin(int pid) {
  RunRecord* r = record(pid);
  if (!process(pid) || !r) return makeError(Errc::kNotFound, "process {} not found", pid);
  r->stdin_closed = true;
  return {};
}

base::Status FakeBackend::resizeTty(int pid, int rows, int cols) {
  RunRecord* r = record(pid);
  if (!process(pid) || !r) return makeError(Errc::kNotFound, "process {} not found", pid);
  r->resizes.emplace_back(rows, cols);
  return {};
}

base::Status FakeBackend::signal(int pid, int sig) {
  RunRecord* r = record(pid);
  if (!process(pid) || !r) return makeError(Errc::kNotFound, "process {} not found", pid);
  r->signals.push_back(sig);
  return {};
}

void FakeBackend::streamIn(const std::string& handle, const std::string& dir, std::string tar,
                           const std::string&, std::function<void(base::Status)> done) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) {
    call([done] { done(makeError(Errc::kNotFound, "container not found")); });
    return;
  }
  it->second.files[dir] = std::move(tar);
  call([done] { done(base::Status{}); });
}

void FakeBackend::streamOut(const std::string& handle, const std::string& path,
                            const std::string&,
                            std::function<void(base::Result<std::string>)> done) {
  auto it = containers_.find(handle);
  base::Result<std::string> out =
      makeError(Errc::kNotFound, "{} not found in container {}", path, handle);
  if (it != containers_.end() && it->second.files.count(path)) out = it->second.files[path];
  call([done, out] { done(out); });
}

base::Status FakeBackend::limit(const std::string& handle, const Limits& limits) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  if (limits.disk_mb != it->second.spec.limits.disk_mb) {
    return makeError(Errc::kInvalid, "the disk limit of container {} is fixed at create", handle);
  }
  it->second.spec.limits = limits;
  return {};
}

base::Result<PortMapping> FakeBackend::netIn(const std::string& handle, int host_port,
                                             int container_port) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  PortMapping m{host_port ? host_port : next_host_port_++, container_port};
  it->second.mapped_ports.push_back(m);
  return m;
}

base::Status FakeBackend::netOut(const std::string& handle, const NetOutRule& rule) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return makeError(Errc::kNotFound, "container {} not found", handle);
  it->second.spec.net_out.push_back(rule);
  return {};
}

bool FakeBackend::emitStdout(const std::string& handle, int pid, std::string_view text) {
  auto it = containers_.find(handle);
  if (it == containers_.end() || !it->second.processes.count(pid)) return false;
  auto cb = it->second.processes[pid].io.on_stdout;
  if (cb) call([cb, s = std::string(text)] { cb(s); });
  return true;
}

bool FakeBackend::emitStderr(const std::string& handle, int pid, std::string_view text) {
  auto it = containers_.find(handle);
  if (it == containers_.end() || !it->second.processes.count(pid)) return false;
  auto cb = it->second.processes[pid].io.on_stderr;
  if (cb) call([cb, s = std::string(text)] { cb(s); });
  return true;
}

bool FakeBackend::exit(const std::string& handle, int pid, int status, bool out_of_memory) {
  auto it = containers_.find(handle);
  if (it == containers_.end() || !it->second.processes.count(pid)) return false;
  finish(handle, pid, status, out_of_memory);
  return true;
}

const ContainerSpec* FakeBackend::containerSpec(const std::string& handle) const {
  auto it = containers_.find(handle);
  return it == containers_.end() ? nullptr : &it->second.spec;
}

FakeBackend::RunRecord* FakeBackend::record(int pid) {
  for (auto& r : runs_) {
    if (r.pid == pid) return &r;
  }
  return nullptr;
}

// Removes the process before calling back, so a callback that calls into the fake sees it gone.
void FakeBackend::finish(const std::string& handle, int pid, int status, bool out_of_memory) {
  auto it = containers_.find(handle);
  if (it == containers_.end()) return;  // a callback destroyed it meanwhile
  auto node = it->second.processes.extract(pid);
  if (node.empty()) return;
  if (RunRecord* r = record(pid)) {
    r->exited = true;
    r->exit_status = status;
  }
  auto cb = std::move(node.mapped().exit);
  if (cb) call([cb, status, out_of_memory] { cb(ProcessExit{status, out_of_memory}); });
}

void FakeBackend::call(std::function<void()> fn) {
  if (loop_) {
    loop::defer(*loop_, std::move(fn));
  } else {
    fn();
  }
}

}  // namespace mcf::runner
