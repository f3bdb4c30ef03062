// LinuxBackend's container factory: the helper process that forks every container's init,
// its control socket, and what happens when it dies.
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/strutil.h"
#include "runner/control.h"
#include "runner/linux_backend.h"
#include "runner/process_rules.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

base::Status LinuxBackend::startFactory() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return makeError(Errc::kIo, "cannot create a socket pair: {}", strerror(errno));
  }
  base::UniqueFd ours(fds[0]);
  base::UniqueFd theirs(fds[1]);
  loop::ProcessSpec ps;
  ps.file = config_.helper_exe;
  ps.args = helperArgs({"factory", "3"});
  ps.extra_fds = {theirs.get()};
  uint64_t generation = factory_generation_ + 1;
  auto proc = loop::Process::spawn(
      loop_, ps,
      [](bool, std::string_view chunk) { MCF_WARN("runner", "{}", base::trim(chunk)); },
      [this, generation](int64_t status, int sig) { onFactoryExit(generation, status, sig); });
  if (!proc.ok()) {
    return makeError(Errc::kUnavailable, "cannot start the container helper {}: {}",
                     config_.helper_exe, proc.error().message);
  }
  ::fcntl(ours.get(), F_SETFL, O_NONBLOCK);
  factory_generation_ = generation;
  factory_ = std::move(*proc);
  factory_control_ = std::move(ours);
  factory_watch_ = std::make_unique<loop::FdWatch>(loop_, factory_control_.get());
  factory_watch_->start([this] { onFactoryMessages(); });
  return {};
}

void LinuxBackend::onFactoryMessages() {
  for (;;) {
    auto r = receiveControl(factory_control_.get());
    if (!r.ok()) MCF_WARN("runner", "container factory: {}", r.error().message);
    if (!r.ok() || r->kind != Received::Kind::kMessage) {
      // Closed: its exit callback follows, and says so.
      if (r.ok() && r->kind == Received::Kind::kClosed) factory_watch_->stop();
      return;
    }
    if (r->message.verb == "exit") onInitExit(r->message.id, r->message.value);
  }
}

// Every init it made died with it (their parent-death signal), and with each init its
// container: their processes report 137 as their pid 1's channel closes. The next create
// starts a new factory.
void LinuxBackend::onFactoryExit(uint64_t generation, int64_t status, int term_signal) {
  MCF_WARN("runner", "the container factory exited with status {}; its containers are gone",
           shellExitStatus(status, term_signal));
  if (generation == factory_generation_ && factory_) {
    forgetFactory();
  }
  retired_factories_.erase(generation);  // its exit callback may destroy it
}

void LinuxBackend::forgetFactory() {
  for (auto& [handle, c] : containers_) c->init_exited = true;
  dying_.clear();
  factory_watch_.reset();
  factory_control_.reset();
  if (factory_) retired_factories_[factory_generation_] = std::move(factory_);
}

}  // namespace mcf::runner
