// The ssh endpoint: request line, authorization, then frames between a client and a Shell.
#include "controller/ssh_proxy.h"

#include <nlohmann/json.hpp>

#include "base/frames.h"
#include "base/log.h"
#include "base/strutil.h"

namespace mcf::controller {

using base::FrameType;
using nlohmann::json;

namespace {

constexpr size_t kMaxRequestLine = 64 * 1024;

void allocBuffer(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = new char[suggested];
  buf->len = suggested;
}

// "command" as a string for bash -c: a string as given, an argv array shell-quoted.
std::string commandOf(const json& request) {
  auto it = request.find("command");
  if (it == request.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  std::vector<std::string> words;
  if (it->is_array()) {
    for (const auto& w : *it) {
      if (w.is_string()) words.push_back(base::shellQuote(w.get<std::string>()));
    }
  }
  return base::join(words, " ");
}

std::string plural(int n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

struct SshProxy::Session : std::enable_shared_from_this<Session> {
  SshProxy* proxy = nullptr;
  uv_tcp_t* tcp = nullptr;
  std::string line;  // the request line until its '\n'
  bool started = false;
  bool closing = false;
  base::FrameReader frames;
  std::unique_ptr<Shell> shell;

  void send(FrameType type, std::string_view payload) {
    if (closing || !tcp) return;
    struct Req {
      uv_write_t req;
      std::string data;
    };
    auto* r = new Req{{}, base::encodeFrame(type, payload)};
    uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
    if (uv_write(&r->req, reinterpret_cast<uv_stream_t*>(tcp), &buf, 1,
                 [](uv_write_t* w, int) { delete reinterpret_cast<Req*>(w); }) != 0) {
      delete r;
    }
  }

  // The last frame: written, then the connection closes once it is flushed.
  void finish(FrameType type, std::string_view payload) {
    send(type, payload);
    shutdownAndClose();
  }

  void shutdownAndClose() {
    if (closing || !tcp) return;
    closing = true;
    shell.reset();  // hangs up a process still running
    uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp));
    auto* req = new uv_shutdown_t;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(tcp), [](uv_shutdown_t* r, int) {
          closeHandle(reinterpret_cast<uv_tcp_t*>(r->handle));
          delete r;
        }) != 0) {
      delete req;
      closeHandle(tcp);
    }
  }

  static void closeHandle(uv_tcp_t* tcp) {
    if (uv_is_closing(reinterpret_cast<uv_handle_t*>(tcp))) return;
    uv_close(reinterpret_cast<uv_handle_t*>(tcp), [](uv_handle_t* h) {
      auto* self = static_cast<Session*>(h->data);
      delete reinterpret_cast<uv_tcp_t*>(h);
      if (self) {
        self->tcp = nullptr;
        self->proxy->remove(self);  // may destroy self
      }
    });
  }

  // The client went away or broke the protocol: no more frames to it.
  void abort() {
    if (!tcp) return;
    closing = true;
    shell.reset();
    closeHandle(tcp);
  }

  void onBytes(std::string_view bytes) {
    if (!started) {
      size_t nl = bytes.find('\n');
      line.append(bytes.substr(0, nl));
      if (nl == std::string_view::npos) {
        if (line.size() > kMaxRequestLine) finish(FrameType::kError, "The session request is too long");
        return;
      }
      started = true;
      start();
      bytes.remove_prefix(nl + 1);
    }
    frames.feed(bytes);
    while (!closing) {
      auto f = frames.next();
      if (frames.error()) return abort();
      if (!f) break;
      onFrame(*f);
    }
  }

  void onFrame(const base::Frame& f) {
    if (!shell) return;  // the session is ending
    switch (f.type) {
      case FrameType::kStdin: (void)shell->write(f.payload); break;
      case FrameType::kStdinEof: (void)shell->closeStdin(); break;
      case FrameType::kResize: {
        int rows = 0, cols = 0;
        if (std::sscanf(f.payload.c_str(), "%d %d", &rows, &cols) == 2) (void)shell->resize(rows, cols);
        break;
      }
      default: break;  // frames only the server sends
    }
  }

  void start() {
    json request = json::parse(line, nullptr, false);
    line.clear();
    if (!request.is_object()) return finish(FrameType::kError, "The session request is not a JSON object");
    std::string token = request.value("token", "");
    std::string app = request.value("app", "");
    int index = request.value("index", 0);
    auto target = proxy->controller_.authorizeSsh(token, app);
    if (!target.ok()) return finish(FrameType::kError, target.error().message);
    if (index < 0 || index >= target->instances) {
      return finish(FrameType::kError,
                    fmt::format("Instance {} of app {} does not exist; it has {}", index,
                                target->app_name, plural(target->instances, "instance")));
    }
    ShellRequest shell_request;
    shell_request.process_guid = target->process_guid;
    shell_request.index = index;
    shell_request.command = commandOf(request);
    shell_request.tty = request.value("tty", false);
    shell_request.rows = request.value("rows", 24);
    shell_request.cols = request.value("cols", 80);
    shell_request.term = request.value("term", "");
    std::weak_ptr<Session> weak = shared_from_this();
    ShellIo io;
    io.on_stdout = [weak](std::string_view s) {
      if (auto self = weak.lock()) self->send(FrameType::kStdout, s);
    };
    io.on_stderr = [weak](std::string_view s) {
      if (auto self = weak.lock()) self->send(FrameType::kStderr, s);
    };
    io.on_exit = [weak](int status) {
      if (auto self = weak.lock()) {
        self->shell.reset();  // exited: nothing to hang up
        self->finish(FrameType::kExit, std::to_string(status));
      }
    };
    auto opened = proxy->runtime_.openShell(shell_request, std::move(io));
    if (!opened.ok()) {
      if (opened.error().code == base::Errc::kNotFound) {
        return finish(FrameType::kError,
                      fmt::format("Instance {} of app {} is not running; it has {}", index,
                                  target->app_name, plural(target->instances, "instance")));
      }
      return finish(FrameType::kError, opened.error().message);
    }
    shell = std::move(*opened);
    MCF_INFO("ssh", "session into instance {} of app {}{}", index, target->app_name,
             shell_request.tty ? " with a terminal" : "");
  }
};

SshProxy::SshProxy(loop::Loop& loop, Controller& controller, Runtime& runtime)
    : loop_(loop), controller_(controller), runtime_(runtime) {}

SshProxy::~SshProxy() {
  close();
  // Handles close on the loop's next turns; their callbacks must not find us.
  for (auto& [raw, session] : sessions_) {
    if (session->tcp) session->tcp->data = nullptr;
    session->shell.reset();
  }
  sessions_.clear();
}

base::Status SshProxy::listen(const std::string& host, int port) {
  sockaddr_storage addr{};
  int rc = host.find(':') != std::string::npos
               ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
               : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) return base::makeError(base::Errc::kInvalid, "bad ssh address {}", host);
  listener_ = new uv_tcp_t;
  uv_tcp_init(loop_.raw(), listener_);
  listener_->data = this;
  rc = uv_tcp_bind(listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), 64, [](uv_stream_t* s, int status) {
      auto* self = static_cast<SshProxy*>(s->data);
      if (self && status == 0) self->onConnection();
    });
  }
  if (rc != 0) {
    close();
    return base::makeError(base::Errc::kUnavailable, "cannot listen for ssh on {}:{}: {}", host,
                           port, uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return {};
}

void SshProxy::close() {
  if (listener_) {
    listener_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    listener_ = nullptr;
  }
  port_ = 0;
  std::vector<std::shared_ptr<Session>> open;
  for (auto& [raw, session] : sessions_) open.push_back(session);
  for (auto& session : open) session->abort();
}

void SshProxy::onConnection() {
  auto session = std::make_shared<Session>();
  session->proxy = this;
  session->tcp = new uv_tcp_t;
  uv_tcp_init(loop_.raw(), session->tcp);
  session->tcp->data = session.get();
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_),
                reinterpret_cast<uv_stream_t*>(session->tcp)) != 0) {
    session->tcp->data = nullptr;
    Session::closeHandle(session->tcp);
    return;
  }
  sessions_[session.get()] = session;
  uv_read_start(reinterpret_cast<uv_stream_t*>(session->tcp), allocBuffer,
                [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                  auto* self = static_cast<Session*>(s->data);
                  if (self && n > 0) {
                    auto keep = self->shared_from_this();
                    self->onBytes(std::string_view(buf->base, static_cast<size_t>(n)));
                  } else if (self && n < 0) {
                    auto keep = self->shared_from_this();
                    self->abort();  // the client left: its shell hangs up
                  }
                  delete[] buf->base;
                });
}

void SshProxy::remove(Session* session) { sessions_.erase(session); }

}  // namespace mcf::controller
