// LinuxBackend's processes: run through the control channel to the container's pid 1, their
// pipes and terminals on the loop, and the tar streams built on them.
#include "runner/linux_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"
#include "runner/pidfd.h"
#include "runner/process_rules.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

// The process's stdout and stderr pipes (and stdin's, if it has one): microcf's ends as
// streams, pid 1's ends in child_ends, in the order the "run" message carries them.
base::Status LinuxBackend::openPipes(RunningProcess& rp, int id,
                                     std::vector<base::UniqueFd>& child_ends) {
  for (int i = 0; i < (rp.io.stdin_open ? 3 : 2); ++i) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return makeError(Errc::kIo, "cannot create a pipe: {}", strerror(errno));
    }
    bool is_stdin = i == 2;
    base::UniqueFd ours(fds[is_stdin ? 1 : 0]);
    child_ends.emplace_back(fds[is_stdin ? 0 : 1]);
    auto stream = loop::Stream::open(loop_, ours.get());
    if (!stream.ok()) return stream.takeError();
    ours.release();
    (i == 0 ? rp.out : i == 1 ? rp.err : rp.in) = std::move(*stream);
  }
  readFrom(id, *rp.out, false);
  readFrom(id, *rp.err, true);
  return {};
}

void LinuxBackend::readFrom(int id, loop::Stream& stream, bool is_err) {
  ++processes_[id].open_streams;
  stream.startReading(
      [this, id, is_err](std::string_view chunk) {
        RunningProcess* rp = findProcess(id);
        if (!rp) return;
        auto& cb = is_err ? rp->io.on_stderr : rp->io.on_stdout;
        if (cb) cb(chunk);
      },
      [this, id] {
        RunningProcess* rp = findProcess(id);
        if (!rp) return;
        --rp->open_streams;
        maybeFinish(id);
      });
}

base::Result<int> LinuxBackend::run(const std::string& handle, const ProcessSpec& spec,
                                    ProcessIO io, ExitCallback exit) {
  auto found = findContainer(handle);
  if (!found.ok()) return found.takeError();
  Container& c = **found;
  if (c.init_exited || !c.control.valid()) {
    return makeError(Errc::kUnavailable,
                     "container {} is not running: its init exited; destroy it and create it again",
                     handle);
  }
  if (spec.path.empty()) return makeError(Errc::kInvalid, "process path is empty");
  if (unprivileged_ && spec.user != "vcap") {
    return makeError(Errc::kInvalid,
                     "cannot run a process as '{}' in container {}: microcf runs without root, "
                     "so its containers map vcap alone; run `microcf up` as root for other users",
                     spec.user, handle);
  }
  // The spec carries credentials (VCAP_SERVICES): it travels in a memory file that only pid 1
  // gets, never in argv or a file on disk.
  base::UniqueFd spec_fd(::memfd_create("microcf-process-spec", MFD_CLOEXEC));
  std::string json = serializeProcessSpec(spec);
  if (!spec_fd.valid() || !base::writeAllFd(spec_fd.get(), json).ok()) {
    return makeError(Errc::kIo, "cannot pass the process spec to the container: {}",
                     strerror(errno));
  }
  int id = next_process_id_++;
  RunningProcess& rp = processes_[id];
  rp.handle = handle;
  rp.io = std::move(io);
  rp.exit = std::move(exit);
  rp.tty = spec.tty;
  rp.rows = spec.rows;
  rp.cols = spec.cols;
  std::vector<base::UniqueFd> child_ends;
  base::Status st = spec.tty ? base::Status{} : openPipes(rp, id, child_ends);
  if (st.ok()) {
    std::vector<int> fds = {spec_fd.get()};
    for (const auto& fd : child_ends) fds.push_back(fd.get());
    st = sendControl(c.control.get(), formatControl("run", static_cast<uint64_t>(id)), fds);
  }
  if (!st.ok()) {
    processes_.erase(id);
    return makeError(st.error().code, "cannot run {} in container {}: {}", spec.path, handle,
                     st.error().message);
  }
  c.stopped = false;
  return id;
}

void LinuxBackend::onControl(const std::string& handle) {
  for (;;) {
    // Looked up for each message: an exit callback may have destroyed the container.
    auto it = containers_.find(handle);
    if (it == containers_.end() || !it->second->control.valid()) return;
    Container& c = *it->second;
    auto r = receiveControl(c.control.get());
    if (!r.ok()) MCF_WARN("runner", "container {}: {}", handle, r.error().message);
    if (r.ok() && r->kind == Received::Kind::kNone) return;
    if (!r.ok() || r->kind == Received::Kind::kClosed) {
      // Pid 1 is gone, and every process of the container with it. The container is stopped
      // from now on, before the factory's report of the exit (or its own exit) comes.
      c.control_watch.reset();
      c.control.reset();
      if (!c.init_exited && !c.stopped)
        MCF_WARN("runner", "container {}: its pid 1 exited; destroy and create it again", handle);
      c.init_exited = true;
      std::vector<int> ids;
      for (const auto& [id, rp] : processes_) {
        if (rp.handle == handle && !rp.status) ids.push_back(id);
      }
      for (int id : ids) onProcessGone(id, 128 + SIGKILL);
      return;
    }
    ControlMessage& m = r->message;
    int id = static_cast<int>(m.id);
    RunningProcess* rp = findProcess(id);
    if (!rp || rp->handle != handle) continue;
    if (m.verb == "started") onStarted(id, m);
    if (m.verb == "exit") onProcessGone(id, m.value);
  }
}

void LinuxBackend::onStarted(int id, ControlMessage& m) {
  RunningProcess& rp = processes_[id];
  if (!m.fds.empty()) {
    rp.host_pid = pidfdPid(m.fds[0].get());
    rp.pidfd = std::move(m.fds[0]);
  }
  if (!rp.tty || m.fds.size() < 2) return;
  auto master = loop::Stream::open(loop_, m.fds[1].get());
  if (!master.ok()) {
    MCF_WARN("runner", "process {}: {}", id, master.error().message);
    return;
  }
  m.fds[1].release();
  rp.out = std::move(*master);
  readFrom(id, *rp.out, false);
  if (rp.rows > 0 || rp.cols > 0) (void)resizeTty(id, rp.rows, rp.cols);
  if (!rp.typed.empty()) (void)rp.out->write(rp.typed);
  rp.typed.clear();
  if (rp.typed_eof) (void)closeStdin(id);
}

void LinuxBackend::onProcessGone(int id, int status) {
  RunningProcess* rp = findProcess(id);
  if (!rp || rp->status) return;
  rp->status = status;
  if (rp->tty && rp->open_streams > 0) {
    // What the process wrote is in the terminal already; a background job of its may hold the
    // terminal open for as long as it likes, so its output gets a moment, not more.
    rp->drain = std::make_unique<loop::Timer>(loop_);
    rp->drain->start(100, 0, [this, id] {
      if (RunningProcess* p = findProcess(id)) {
        p->open_streams = 0;
        maybeFinish(id);
      }
    });
  }
  maybeFinish(id);
}

void LinuxBackend::maybeFinish(int id) {
  auto it = processes_.find(id);
  if (it == processes_.end() || !it->second.status || it->second.open_streams > 0) return;
  RunningProcess rp = std::move(it->second);
  processes_.erase(it);
  ProcessExit exit{*rp.status, false};
  auto c = containers_.find(rp.handle);
  if (exit.status == 128 + SIGKILL && cgroups_ && c != containers_.end()) {
    // The kernel counts the kill before the process dies, so the count is current here.
    auto usage = cgroups_->usage(rp.handle);
    if (usage.ok() && usage->oom_kills > c->second->oom_kills) {
      exit.out_of_memory = true;
      c->second->oom_kills = usage->oom_kills;
    }
  }
  if (rp.exit) rp.exit(exit);
}

LinuxBackend::RunningProcess* LinuxBackend::findProcess(int id) {
  auto it = processes_.find(id);
  return it == processes_.end() ? nullptr : &it->second;
}

base::Status LinuxBackend::attach(int id, ProcessIO io, ExitCallback exit) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  rp->io.on_stdout = std::move(io.on_stdout);
  rp->io.on_stderr = std::move(io.on_stderr);
  rp->exit = std::move(exit);
  return {};
}

base::Status LinuxBackend::writeStdin(int id, std::string_view data) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->io.stdin_open) {
    return makeError(Errc::kInvalid, "process {} was run without stdin (ProcessIO.stdin_open)",
                     id);
  }
  if (rp->tty && !rp->out) {
    rp->typed.append(data);  // its terminal is on its way
    return {};
  }
  loop::Stream* in = rp->tty ? rp->out.get() : rp->in.get();
  if (!in || !in->writable()) return makeError(Errc::kInvalid, "the stdin of process {} is closed", id);
  return in->write(data);
}

base::Status LinuxBackend::closeStdin(int id) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->tty) {
    if (rp->in) rp->in->closeAfterWrites();
    return {};
  }
  if (!rp->out) {
    rp->typed_eof = true;
    return {};
  }
  // A terminal has no end of file of its own: type its end-of-file character, as a user
  // pressing ^D would.
  termios t{};
  char eof = ::tcgetattr(rp->out->fd(), &t) == 0 ? static_cast<char>(t.c_cc[VEOF]) : '\x04';
  if (rp->out->writable()) (void)rp->out->write(std::string_view(&eof, 1));
  return {};
}

base::Status LinuxBackend::resizeTty(int id, int rows, int cols) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (!rp->tty) return makeError(Errc::kInvalid, "process {} has no terminal to resize", id);
  if (rows <= 0 || cols <= 0 || rows > 10000 || cols > 10000) {
    return makeError(Errc::kInvalid, "terminal size {}x{} is out of range", rows, cols);
  }
  rp->rows = rows;
  rp->cols = cols;
  if (!rp->out) return {};  // applied when the terminal arrives
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  // The kernel sends SIGWINCH to the terminal's foreground group.
  if (::ioctl(rp->out->fd(), TIOCSWINSZ, &ws) != 0) {
    return makeError(Errc::kIo, "cannot resize the terminal of process {}: {}", id, strerror(errno));
  }
  return {};
}

base::Status LinuxBackend::signal(int id, int sig) {
  RunningProcess* rp = findProcess(id);
  if (!rp) return makeError(Errc::kNotFound, "process {} is not running", id);
  if (rp->status) return {};  // it exited; its output is still draining
  auto c = containers_.find(rp->handle);
  if (c == containers_.end() || !c->second->control.valid()) return {};  // dying with pid 1
  // Pid 1 signals the process's group, so that the children it started get it too.
  return sendControl(c->second->control.get(), formatControl("signal", static_cast<uint64_t>(id), sig));
}

namespace {

// A larger tree is refused rather than held in memory: the same bound as an uploaded archive's
// contents (archive::Limits), and tar's headers are small beside it.
constexpr size_t kMaxStreamOutBytes = size_t{1} << 30;
// What is kept of a stream process's stderr: enough for the lines that say why it failed.
constexpr size_t kStderrTailBytes = 8192;
constexpr const char* kStreamPath = "PATH=/usr/local/bin:/usr/bin:/bin";

// Garden makes a missing directory, as the user. Whatever happens, the rest of stdin is read:
// microcf writes the whole archive at once, and a pipe closed early would raise SIGPIPE in a
// microcf that does not ignore it. --no-overwrite-dir leaves existing directories' owners and
// modes alone (an archive's "./" entry would otherwise fail on a root-owned /tmp).
constexpr const char* kStreamInScript =
    "mkdir -p -- \"$1\" && tar -x -f - -C \"$1\" --no-same-owner --no-same-permissions "
    "--no-overwrite-dir; s=$?; cat >/dev/null; exit $s";

void keepTail(std::string& tail, std::string_view chunk) {
  tail.append(chunk);
  if (tail.size() > 2 * kStderrTailBytes) tail.erase(0, tail.size() - kStderrTailBytes);
}

// The last lines a stream process wrote on stderr, joined: what the error message shows.
std::string lastLines(const std::string& err, size_t count = 3) {
  std::vector<std::string> kept;
  for (auto& line : base::split(err, '\n')) {
    std::string l = base::trim(line);
    // GNU tar's closing line says nothing the lines before it do not.
    if (l.empty() || l == "tar: Exiting with failure status due to previous errors") continue;
    kept.push_back(std::move(l));
  }
  if (kept.size() > count) kept.erase(kept.begin(), kept.end() - count);
  std::string out;
  for (const auto& l : kept) out += (out.empty() ? "" : "; ") + l;
  return out.empty() ? "no message" : out;
}

// Why a stream process failed: killed (kUnavailable), or code with the last lines it wrote.
base::Error streamError(const ProcessExit& exit, const std::string& err, const std::string& what,
                        Errc code) {
  if (exit.status == 128 + SIGKILL) {
    return makeError(Errc::kUnavailable, "{}: it was killed ({})", what,
                     exit.out_of_memory ? "the container's memory limit"
                                        : "the container was stopped or destroyed");
  }
  return makeError(code, "{} (exit status {}): {}", what, exit.status, lastLines(err));
}

}  // namespace

// Runs the container's own tar as user inside the container's root, so that the archive can
// write only where that user can, as that user, and never through the host's file system.
void LinuxBackend::streamIn(const std::string& handle, const std::string& dir, std::string tar,
                            const std::string& user, std::function<void(base::Status)> done) {
  std::string what = fmt::format("cannot extract into {} in container {} as {}", dir, handle, user);
  if (dir.empty()) {
    loop::defer(loop_, [done, handle] {
      done(makeError(Errc::kInvalid, "cannot extract into container {}: no directory given",
                     handle));
    });
    return;
  }
  auto err = std::make_shared<std::string>();
  ProcessSpec spec;
  spec.path = "/bin/sh";
  spec.args = {"-c", kStreamInScript, "sh", dir};
  spec.env = {kStreamPath};
  spec.user = user;
  ProcessIO io;
  io.on_stderr = [err](std::string_view s) { keepTail(*err, s); };
  io.stdin_open = true;
  auto pid = run(handle, spec, std::move(io), [done, err, what](const ProcessExit& exit) {
    if (exit.status == 0) return done({});
    done(streamError(exit, *err, what, Errc::kIo));
  });
  if (!pid.ok()) {
    // Later, as every other outcome: a caller never sees done inside its own call.
    loop::defer(loop_, [done, e = pid.takeError()] { done(e); });
    return;
  }
  // The process's pipe keeps its own copy until the archive is written: drop this one now.
  base::Status written = writeStdin(*pid, tar);
  std::string().swap(tar);
  (void)closeStdin(*pid);
  if (!written.ok()) {
    // The process sees a truncated archive and fails; its exit reports that through done.
    MCF_WARN("runner", "{}: {}", what, written.error().message);
    (void)signal(*pid, SIGKILL);
  }
}

// Garden's layout: "dir/name" gives entries under "name/"; "dir/name/" gives the directory's
// contents ("./..."). tar runs as user, so it reads only what that user may.
void LinuxBackend::streamOut(const std::string& handle, const std::string& path,
                             const std::string& user,
                             std::function<void(base::Result<std::string>)> done) {
  std::string what = fmt::format("cannot read {} in container {} as {}", path, handle, user);
  if (path.empty()) {
    loop::defer(loop_, [done, handle] {
      done(makeError(Errc::kInvalid, "cannot read from container {}: no path given", handle));
    });
    return;
  }
  std::string parent = path, name = ".";
  if (path.back() != '/') {
    size_t slash = path.rfind('/');
    parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  }
  struct Out {
    std::string tar;
    std::string err;
    int pid = 0;
    bool too_large = false;
  };
  auto out = std::make_shared<Out>();
  ProcessSpec spec;
  spec.path = "tar";
  spec.args = {"-c", "-f", "-", "-C", parent, "--", name};
  spec.env = {kStreamPath};
  spec.user = user;
  ProcessIO io;
  io.on_stdout = [this, out](std::string_view s) {
    if (out->too_large) return;
    if (out->tar.size() + s.size() > kMaxStreamOutBytes) {
      out->too_large = true;
      std::string().swap(out->tar);
      (void)signal(out->pid, SIGKILL);
      return;
    }
    out->tar.append(s);
  };
  io.on_stderr = [out](std::string_view s) { keepTail(out->err, s); };
  auto pid = run(handle, spec, std::move(io), [done, out, what](const ProcessExit& exit) {
    if (out->too_large) {
      return done(makeError(Errc::kTooLarge, "{}: its archive is larger than {} MiB", what,
                            kMaxStreamOutBytes >> 20));
    }
    // tar's 1: a file changed while it read it; the archive is whole, that file as tar saw it.
    bool changed = exit.status == 1 && !out->tar.empty();
    if (changed) MCF_WARN("runner", "{}: {}", what, lastLines(out->err));
    if (exit.status == 0 || changed) return done(std::move(out->tar));
    // A missing path is kNotFound, as the fake backend reports it.
    bool missing = out->err.find("No such file or directory") != std::string::npos;
    done(streamError(exit, out->err, what, missing ? Errc::kNotFound : Errc::kIo));
  });
  if (!pid.ok()) {
    loop::defer(loop_, [done, e = pid.takeError()] { done(e); });
    return;
  }
  out->pid = *pid;
}

}  // namespace mcf::runner
