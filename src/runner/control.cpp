// The control channel's messages and their descriptors.
#include "runner/control.h"

#include <errno.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "base/strutil.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;

std::string formatControl(std::string_view verb, uint64_t id) {
  return std::string(verb) + " " + std::to_string(id);
}

std::string formatControl(std::string_view verb, uint64_t id, int value) {
  return formatControl(verb, id) + " " + std::to_string(value);
}

base::Result<ControlMessage> parseControl(std::string_view text) {
  auto words = base::split(std::string(text), ' ');
  ControlMessage m;
  if (words.size() < 2 || words.size() > 3) {
    return makeError(Errc::kInvalid, "malformed control message '{}'", text);
  }
  m.verb = words[0];
  auto number = [](const std::string& w, auto& out) {
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), out);
    return ec == std::errc() && end == w.data() + w.size();
  };
  bool with_value = m.verb == "signal" || m.verb == "exit";
  bool known = with_value || m.verb == "run" || m.verb == "started" || m.verb == "create" ||
               m.verb == "create-fresh";
  if (!known || words.size() != (with_value ? 3u : 2u) || !number(words[1], m.id) ||
      (with_value && !number(words[2], m.value))) {
    return makeError(Errc::kInvalid, "malformed control message '{}'", text);
  }
  return m;
}

base::Status sendControl(int sock, std::string_view text, const std::vector<int>& fds,
                         bool block) {
  if (fds.size() > kMaxControlFds) {
    return makeError(Errc::kInvalid, "{} descriptors is more than a control message carries",
                     fds.size());
  }
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxControlFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
    if (n >= 0) return {};
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      return makeError(Errc::kUnavailable, "the container's pid 1 is not taking requests");
    }
    return makeError(Errc::kIo, "cannot reach the container's pid 1: {}", strerror(errno));
  }
}

base::Result<Received> receiveControl(int sock, bool block) {
  char text[256];
  iovec iov{text, sizeof text};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxControlFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
  } while (n < 0 && errno == EINTR);
  Received r;
  if (n < 0 && errno == EAGAIN) return r;
  if (n < 0 && errno != ECONNRESET) {
    return makeError(Errc::kIo, "cannot read from the container's pid 1: {}", strerror(errno));
  }
  std::vector<base::UniqueFd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n > 0 && c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  if (n <= 0) {
    r.kind = Received::Kind::kClosed;
    return r;
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    return makeError(Errc::kIo, "a control message was cut short");
  }
  auto m = parseControl(std::string_view(text, static_cast<size_t>(n)));
  if (!m.ok()) return m.takeError();
  r.kind = Received::Kind::kMessage;
  r.message = std::move(*m);
  r.message.fds = std::move(fds);
  return r;
}

Wakeup waitForWork(int sigfd, int control) {
  Wakeup w;
  pollfd fds[2] = {{sigfd, POLLIN, 0}, {control, POLLIN, 0}};
  if (::poll(fds, 2, -1) < 0) return w;
  signalfd_siginfo si;
  if ((fds[0].revents & POLLIN) && ::read(sigfd, &si, sizeof si) == sizeof si) {
    w.signal = static_cast<int>(si.ssi_signo);
    w.sender_pid = static_cast<int>(si.ssi_pid);
  }
  w.request = fds[1].revents & (POLLIN | POLLHUP | POLLERR);
  return w;
}

bool serveControl(int control, const std::function<void(ControlMessage&)>& handle) {
  auto r = receiveControl(control);
  if (!r.ok() || r->kind == Received::Kind::kClosed) return false;
  if (r->kind == Received::Kind::kMessage) handle(r->message);
  return true;
}

base::Result<std::string> readPassedFile(int fd) {
  std::string out;
  char buf[65536];
  for (off_t off = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError(Errc::kIo, "cannot read a passed file: {}", strerror(errno));
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
}

void RequestChildren::signal(uint64_t id, int sig, bool group) const {
  for (const auto& [pid, child_id] : children_) {
    if (child_id != id) continue;
    if (!group || ::kill(-pid, sig) != 0) ::kill(pid, sig);  // no group yet before its setsid
  }
}

std::vector<pid_t> RequestChildren::reap() {
  std::vector<pid_t> others;
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    auto it = children_.find(pid);
    if (it == children_.end()) {
      others.push_back(pid);
      continue;
    }
    int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    (void)sendControl(control_, formatControl("exit", it->second, code), {}, true);
    children_.erase(it);
  }
  return others;
}

}  // namespace mcf::runner
