// Tests: a loopback HTTP server on a helper thread that answers the CLI with canned JSON, and
// a way to run cliMain with its output captured, so commands are tested as a user runs them.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/poll.h>  // not <poll.h>: cli/poll.h shadows it on this include path
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "base/ids.h"
#include "base/strutil.h"
#include "base/unique_fd.h"
#include "cli/cli.h"
#include "cli/config.h"

namespace mcf::cli::testing {

struct FakeRequest {
  std::string method, target, body;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  std::string location;  // a Location header when set
};

// Answers each request with the first route whose method matches and whose path (the target
// up to '?') equals path; unmatched requests get 404 with a CF error. Records every request.
class FakeApi {
 public:
  using Responder = std::function<FakeResponse(const FakeRequest&)>;

  FakeApi() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_.get(), 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeApi() {
    stop_ = true;
    thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void on(const std::string& method, const std::string& path, Responder responder) {
    std::lock_guard lock(mu_);
    routes_.push_back({method, path, std::move(responder)});
  }
  void on(const std::string& method, const std::string& path, int status,
          const std::string& body, const std::string& location = "") {
    on(method, path, [=](const FakeRequest&) { return FakeResponse{status, body, location}; });
  }

  std::vector<FakeRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // The requests whose method matches and whose target starts with prefix.
  std::vector<FakeRequest> requestsTo(const std::string& method, const std::string& prefix) {
    std::vector<FakeRequest> out;
    for (const auto& r : requests())
      if (r.method == method && r.target.starts_with(prefix)) out.push_back(r);
    return out;
  }

 private:
  struct Route {
    std::string method, path;
    Responder responder;
  };

  void serve() {
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      base::UniqueFd conn(::accept(fd_.get(), nullptr, nullptr));
      if (conn.get() < 0) continue;
      handle(conn.get());
    }
  }

  static bool readMore(int fd, std::string& buf) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  }

  void handle(int fd) {
    std::string buf;
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!readMore(fd, buf)) return;
    std::string head = buf.substr(0, head_end);
    size_t length = 0;
    for (const auto& line : base::split(head, '\n')) {
      std::string l = base::trim(line);
      std::string lower;
      for (char c : l) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.starts_with("content-length:"))
        length = std::stoul(base::trim(l.substr(l.find(':') + 1)));
    }
    while (buf.size() < head_end + 4 + length)
      if (!readMore(fd, buf)) return;
    FakeRequest request;
    std::string first = head.substr(0, head.find("\r\n"));
    auto parts = base::split(first, ' ');
    if (parts.size() < 2) return;
    request.method = parts[0];
    request.target = parts[1];
    request.body = buf.substr(head_end + 4, length);
    FakeResponse response{404, R"({"errors":[{"code":10010,"title":"CF-ResourceNotFound",)"
                               R"("detail":"Unknown request"}]})", ""};
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      std::string path = request.target.substr(0, request.target.find('?'));
      for (const auto& route : routes_)
        if (route.method == request.method && route.path == path) {
          response = route.responder(request);
          break;
        }
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " X\r\n" +
                      "Content-Type: application/json\r\nConnection: close\r\n" +
                      "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (!response.location.empty()) out += "Location: " + response.location + "\r\n";
    out += "\r\n" + response.body;
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  base::UniqueFd fd_{::socket(AF_INET, SOCK_STREAM, 0)};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Route> routes_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

// A CLI home logged in to api as "admin" (a token that does not expire) with org microcf and
// space dev targeted; MICROCF_HOME points at it while it lives.
struct LoggedInHome {
  std::string dir = "/tmp/microcf-cli-home-" + base::randomHex(6);
  explicit LoggedInHome(const std::string& api) {
    Config c;
    c.api = api;
    c.access_token = base::base64UrlEncode(R"({"alg":"HS256"})") + "." +
                     base::base64UrlEncode(R"({"user_name":"admin","exp":4102444800})") + ".sig";
    c.org = {"org-guid", "microcf"};
    c.space = {"space-guid", "dev"};
    (void)Home(dir).saveConfig(c);
    ::setenv("MICROCF_HOME", dir.c_str(), 1);
  }
  ~LoggedInHome() {
    ::unsetenv("MICROCF_HOME");
    (void)base::removeTree(dir);
  }
};

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs cliMain with stdout/stderr captured and stdin at /dev/null (no TTY).
inline CliRun runCli(std::vector<std::string> args) {
  std::string base = "/tmp/microcf-cli-run-" + base::randomHex(6);
  std::fflush(stdout);
  std::fflush(stderr);
  base::UniqueFd saved_out(::dup(1)), saved_err(::dup(2)), saved_in(::dup(0));
  {
    base::UniqueFd out(::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    base::UniqueFd err(::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    base::UniqueFd in(::open("/dev/null", O_RDONLY));
    ::dup2(out.get(), 1);
    ::dup2(err.get(), 2);
    ::dup2(in.get(), 0);
  }
  args.insert(args.begin(), "microcf");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  CliRun r;
  r.code = cliMain(static_cast<int>(args.size()), argv.data(), nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  std::cout.flush();
  std::cerr.flush();
  ::dup2(saved_out.get(), 1);
  ::dup2(saved_err.get(), 2);
  ::dup2(saved_in.get(), 0);
  r.out = base::readFile(base + ".out").value();
  r.err = base::readFile(base + ".err").value();
  ::unlink((base + ".out").c_str());
  ::unlink((base + ".err").c_str());
  return r;
}

}  // namespace mcf::cli::testing
