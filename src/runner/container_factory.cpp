// The factory: one small process that forks every container's init, so that creating a
// container costs a fork of it instead of microcf starting a program.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "runner/container_main.h"
#include "runner/control.h"

namespace mcf::runner {

namespace {

// A spare init: it makes the namespaces every container gets, then waits for the factory to
// pass on a "create" (depot dir, ready pipe, pid 1's control end) and becomes that init.
int spareMain(int sock) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  InitNamespaces ns = makeInitNamespaces();  // an error is told to the create that comes
  auto r = receiveControl(sock, true);
  if (!r.ok() || r->kind != Received::Kind::kMessage || r->message.fds.size() != 3) return 0;
  auto dir = readPassedFile(r->message.fds[0].get());
  if (!dir.ok()) ns.error = dir.error().message;
  ::close(sock);
  return initContainer(dir.ok() ? *dir : "", r->message.fds[1].release(),
                       r->message.fds[2].release(), std::move(ns));
}

constexpr int kSpareSocket = 3;

class Factory {
 public:
  Factory(int control, int sigfd, const sigset_t& blocked)
      : control_(control), sigfd_(sigfd), blocked_(blocked), children_(control) {}

  // Forks the next spare; without one, a create forks its init itself.
  void forkSpare() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return;
    pid_t pid = ::fork();
    if (pid == 0) {
      // Nothing of the factory's but stdio and its own socket: above all no descriptor of a
      // create in progress, whose ready pipe would never close.
      ::dup2(sv[1], kSpareSocket);
      ::close_range(kSpareSocket + 1, ~0U, 0);
      ::sigprocmask(SIG_UNBLOCK, &blocked_, nullptr);
      ::_exit(spareMain(kSpareSocket));
    }
    ::close(sv[1]);
    if (pid < 0) {
      ::close(sv[0]);
      return;
    }
    spare_pid_ = pid;
    spare_.reset(sv[0]);
  }

  // "create ID" with [depot dir (a memfd), ready pipe, pid 1's end of its control channel].
  // "create-fresh": an init forked now, whose namespaces see the mounts made since the spare
  // was forked (a staging's limited folder).
  void create(ControlMessage& m, bool fresh) {
    if (!fresh && spare_.valid() && m.fds.size() == 3) {
      std::vector<int> fds = {m.fds[0].get(), m.fds[1].get(), m.fds[2].get()};
      if (sendControl(spare_.get(), formatControl("create", m.id), fds, true).ok()) {
        children_.add(spare_pid_, m.id);
        spare_.reset();
        spare_pid_ = 0;
        forkSpare();  // while that container starts, on the other core if there is one
        return;
      }
      spare_.reset();  // a spare that died: the next create gets a new one
      spare_pid_ = 0;
    }
    auto dir = m.fds.size() == 3 ? readPassedFile(m.fds[0].get())
                                 : base::Result<std::string>(base::makeError(
                                       base::Errc::kInvalid, "create needs three descriptors"));
    if (!dir.ok()) {
      std::string line = "error: " + dir.error().message + "\n";
      if (m.fds.size() > 1) (void)!::write(m.fds[1].get(), line.data(), line.size());
      return;
    }
    pid_t child = ::fork();
    if (child < 0) {
      std::string line = std::string("error: cannot fork the container's init: ") + strerror(errno) + "\n";
      (void)!::write(m.fds[1].get(), line.data(), line.size());
      return;
    }
    if (child == 0) {
      ::close(control_);
      ::close(sigfd_);
      m.fds[0].reset();
      ::sigprocmask(SIG_UNBLOCK, &blocked_, nullptr);
      ::_exit(initMain(*dir, m.fds[1].get(), m.fds[2].get()));
    }
    children_.add(child, m.id);
    if (!spare_.valid()) forkSpare();
  }

  void forward(const ControlMessage& m) { children_.signal(m.id, m.value, false); }

  void reap() {
    for (pid_t pid : children_.reap()) {
      if (pid != spare_pid_) continue;  // a spare that ended unused
      spare_.reset();
      spare_pid_ = 0;
    }
  }

  // False when microcf's end is gone.
  bool serveRequest() {
    return serveControl(control_, [this](ControlMessage& m) {
      if (m.verb == "create" || m.verb == "create-fresh") create(m, m.verb == "create-fresh");
      if (m.verb == "signal") forward(m);
    });
  }

 private:
  int control_;
  int sigfd_;
  sigset_t blocked_;
  RequestChildren children_;
  base::UniqueFd spare_;  // the factory's end of the spare's socket
  pid_t spare_pid_ = 0;
};

}  // namespace

int factoryMain(int control) {
  // It dies with microcf, and every init it made dies with it (their parent-death signal).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::fcntl(control, F_GETFD) < 0) {
    std::fprintf(stderr, "microcf: the factory's control descriptor %d is not open\n", control);
    return 2;
  }
  ::fcntl(control, F_SETFD, FD_CLOEXEC);
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  base::UniqueFd sigfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sigfd.valid()) return 1;
  Factory factory(control, sigfd.get(), set);
  factory.forkSpare();
  for (;;) {
    Wakeup w = waitForWork(sigfd.get(), control);
    if (w.signal == SIGCHLD) factory.reap();
    if (w.signal != 0 && w.signal != SIGCHLD) return 0;  // SIGTERM, SIGINT, SIGHUP: inits go too
    if (w.request && !factory.serveRequest()) return 0;
  }
}

}  // namespace mcf::runner
