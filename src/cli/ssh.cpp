// `microcf ssh`: a session with the platform's ssh endpoint (controller/ssh_proxy.h).
#include "cli/ssh.h"

#include <errno.h>
#include <netdb.h>
#include <sys/poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/frames.h"
#include "base/unique_fd.h"
#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "http/address.h"

namespace mcf::cli {

using base::FrameType;
using nlohmann::json;

base::Result<SshEndpoint> sshEndpoint(const json& root) {
  const json* link = nullptr;
  if (root.is_object() && root.contains("links") && root["links"].is_object() &&
      root["links"].contains("app_ssh")) {
    link = &root["links"]["app_ssh"];
  }
  if (!link || link->is_null()) {
    return base::makeError(base::Errc::kUnavailable,
                           "SSH is disabled on this microcf: start it with --ssh-port PORT");
  }
  std::string href = link->is_object() ? link->value("href", "") : "";
  size_t colon = href.rfind(':');
  int port = colon == std::string::npos ? 0 : std::atoi(href.c_str() + colon + 1);
  if (colon == 0 || port <= 0 || port > 65535) {
    return base::makeError(base::Errc::kInvalid, "The API's app_ssh link '{}' is not HOST:PORT",
                           href);
  }
  return SshEndpoint{href.substr(0, colon), port};
}

bool wantTerminal(bool has_command, bool stdin_is_terminal, bool force, bool disable) {
  if (disable) return false;
  return force || (!has_command && stdin_is_terminal);
}

std::string sshRequestLine(const SshRequest& r) {
  json j = {{"token", r.token}, {"app", r.app_guid}, {"index", r.index}, {"tty", r.tty},
            {"rows", r.rows},   {"cols", r.cols},    {"term", r.term}};
  if (r.command) j["command"] = *r.command;
  return j.dump() + "\n";
}

namespace {

volatile sig_atomic_t g_winch = 0;
volatile sig_atomic_t g_stop = 0;

// Raw mode on the local terminal for the session's life, restored on every way out.
class RawTerminal {
 public:
  void enter(int fd) {
    if (::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) fd_ = fd;
  }
  ~RawTerminal() {
    if (fd_ >= 0) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  }

 private:
  int fd_ = -1;
  termios saved_{};
};

base::Result<base::UniqueFd> connectTo(const SshEndpoint& ep) {
  auto error = [&](const std::string& why) {
    return base::makeError(base::Errc::kUnavailable, "Error opening SSH connection: {}:{}: {}",
                           ep.host, ep.port, why);
  };
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (http::numericAddress(ep.host, ep.port, addr)) {
    len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(ep.host.c_str(), std::to_string(ep.port).c_str(), &hints, &found);
    if (rc != 0 || !found) return error(gai_strerror(rc));
    std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
    len = found->ai_addrlen;
    ::freeaddrinfo(found);
  }
  base::UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return error(strerror(errno));
  }
  return fd;
}

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void terminalSize(int& rows, int& cols) {
  winsize ws{};
  for (int fd : {STDIN_FILENO, STDOUT_FILENO}) {
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
      rows = ws.ws_row;
      cols = ws.ws_col;
      return;
    }
  }
}

struct SshOptions {
  std::string name;
  int index = 0;
  std::optional<std::string> command;
  bool force_tty = false;
  bool disable_tty = false;
};

// Relays until the server sends exit or error, or goes away. Returns the exit status, or -1
// with error set.
int relay(int sock, bool tty, std::string& error) {
  base::FrameReader frames;
  bool stdin_open = true;
  char buf[16384];
  for (;;) {
    if (g_stop) return 128 + SIGTERM;
    if (g_winch && tty) {
      g_winch = 0;
      int rows = 24, cols = 80;
      terminalSize(rows, cols);
      if (!writeAll(sock, base::encodeFrame(FrameType::kResize, fmt::format("{} {}", rows, cols))))
        break;
    }
    pollfd fds[2] = {{sock, POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0) {
        if (!writeAll(sock, base::encodeFrame(FrameType::kStdin, std::string_view(buf, n)))) break;
      } else if (n == 0 || errno != EINTR) {
        stdin_open = false;
        if (!writeAll(sock, base::encodeFrame(FrameType::kStdinEof, ""))) break;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(sock, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      frames.feed(std::string_view(buf, static_cast<size_t>(n)));
      while (auto f = frames.next()) {
        switch (f->type) {
          case FrameType::kStdout: writeAll(STDOUT_FILENO, f->payload); break;
          case FrameType::kStderr: writeAll(STDERR_FILENO, f->payload); break;
          case FrameType::kExit: return std::atoi(f->payload.c_str());
          case FrameType::kError: error = f->payload; return -1;
          default: break;
        }
      }
    }
  }
  error = "Error: the SSH connection to microcf closed before the process exited";
  return -1;
}

int ssh(const Context& ctx, const SshOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  auto root = session.get("/");
  if (!root) return fail(root.error());
  auto endpoint = sshEndpoint(*root);
  if (!endpoint) return fail(endpoint.error());

  bool stdin_terminal = ::isatty(STDIN_FILENO);
  SshRequest request;
  request.token = session.config().access_token;
  request.app_guid = jstr(*app, "guid");
  request.index = o.index;
  request.command = o.command;
  request.tty = wantTerminal(o.command.has_value(), stdin_terminal, o.force_tty, o.disable_tty);
  if (request.tty) {
    terminalSize(request.rows, request.cols);
    if (const char* term = std::getenv("TERM")) request.term = term;
  }
  auto sock = connectTo(*endpoint);
  if (!sock) return fail(sock.error());
  if (!writeAll(sock->get(), sshRequestLine(request))) {
    return fail(fmt::format("Error opening SSH connection: {}", strerror(errno)));
  }
  struct sigaction sa {};
  sa.sa_handler = [](int sig) {
    if (sig == SIGWINCH) g_winch = 1; else g_stop = 1;
  };
  sigemptyset(&sa.sa_mask);  // no SA_RESTART: poll wakes up
  for (int sig : {SIGWINCH, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  std::string error;
  int status;
  {
    RawTerminal raw;
    if (request.tty && stdin_terminal) raw.enter(STDIN_FILENO);
    status = relay(sock->get(), request.tty, error);
  }
  if (status < 0) return fail(error);
  return status;
}

}  // namespace

void addSshCommand(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto o = std::make_shared<SshOptions>();
  CLI::App* cmd = app.add_subcommand(
      "ssh", "SSH to an application container instance: a login shell, or -c COMMAND");
  cmd->add_option("name", o->name, "App name")->required();
  cmd->add_option("-i,--app-instance-index", o->index, "App instance index")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-c,--command", o->command, "Command to run (with bash -c)");
  cmd->add_flag("-t,--force-pseudo-tty", o->force_tty,
                "Force pseudo-tty allocation, even without a terminal on stdin");
  cmd->add_flag("-T,--disable-pseudo-tty", o->disable_tty, "Disable pseudo-tty allocation");
  table.add(cmd, [o, &ctx] { return ssh(ctx, *o); });
}

}  // namespace mcf::cli
