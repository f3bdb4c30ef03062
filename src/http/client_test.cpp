// Tests of the HTTP client against our server and against canned byte-level servers.
#include "http/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include "http/server.h"

using namespace mcf;
using namespace mcf::http;

namespace {

int listenLoopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Serves one connection from a thread: reads the request (head and Content-Length body),
// writes canned bytes, then closes, or with hold waits for the client to close first.
class CannedServer {
 public:
  explicit CannedServer(std::string response, bool hold = false) {
    fd_ = listenLoopback(port_);
    ::listen(fd_, 4);
    thread_ = std::thread([this, response = std::move(response), hold] {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      int c = ::accept(fd_, nullptr, nullptr);
      connected_ = true;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || request_.size() < need) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 5000) <= 0) break;
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request_.append(buf, static_cast<size_t>(n));
        size_t head = request_.find("\r\n\r\n");
        if (head != std::string::npos && need == std::string::npos) {
          size_t cl = request_.find("Content-Length: ");
          need = head + 4 +
                 (cl != std::string::npos && cl < head ? std::stoul(request_.substr(cl + 16)) : 0);
        }
      }
      ::send(c, response.data(), response.size(), MSG_NOSIGNAL);
      if (hold) {
        pollfd q{c, POLLIN, 0};
        while (::poll(&q, 1, 5000) > 0 && ::recv(c, buf, sizeof buf, 0) > 0) {
        }
      }
      ::close(c);
    });
  }
  ~CannedServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  bool connected() const { return connected_; }
  // The bytes the client sent; read only after the exchange is over.
  const std::string& request() {
    if (thread_.joinable()) thread_.join();
    return request_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> connected_{false};
  std::string request_;
  std::thread thread_;
};

base::Result<Response> run(loop::Loop& loop, const ClientRequest& req) {
  Client client(loop);
  std::optional<base::Result<Response>> out;
  int calls = 0;
  client.request(req, [&](base::Result<Response> r) {
    ++calls;
    out.emplace(std::move(r));
  });
  loop::Timer waker(loop);  // canned servers run on threads the loop does not see
  waker.start(5, 5, [] {});
  loop.runUntil([&] { return out.has_value(); });
  CHECK(calls == 1);
  REQUIRE(out.has_value());
  return std::move(*out);
}

ClientRequest to(int port, std::string target = "/") {
  ClientRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.target = std::move(target);
  return r;
}

}  // namespace

TEST_CASE("a refused connection is kUnavailable with a message naming the address") {
  int port = 0;
  ::close(listenLoopback(port));  // bound, never listened, now closed: nobody is there
  loop::Loop loop;
  auto r = run(loop, to(port));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == base::Errc::kUnavailable);
  CHECK(r.error().message ==
        "cannot connect to 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST_CASE("localhost names connect to loopback and are sent as the Host header") {
  loop::Loop loop;
  Server server(loop, [](Request&& req, Responder r) {
    r.send(Response::text(200, req.header("Host") ? *req.header("Host") : "none"));
  });
  REQUIRE(server.listen("127.0.0.1", 0).ok());
  for (std::string host : {"localhost", "myapp.localhost", "API.Localhost"}) {
    ClientRequest req = to(server.port());
    req.host = host;
    auto r = run(loop, req);
    REQUIRE(r.ok());
    CHECK(r->body == host + ":" + std::to_string(server.port()));
  }
}

TEST_CASE("the request carries Host, Content-Length and the body") {
  CannedServer canned("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok");
  loop::Loop loop;
  ClientRequest req = to(canned.port(), "/v3/apps?x=1");
  req.method = "POST";
  req.body = "{\"name\":\"a\"}";
  req.headers = {{"Content-Type", "application/json"}, {"Content-Length", "999"}};
  auto r = run(loop, req);
  REQUIRE(r.ok());
  CHECK(r->status == 201);
  CHECK(r->body == "ok");
  CHECK(*r->header("x-a") == "b");
  const std::string& sent = canned.request();
  CHECK(sent.starts_with("POST /v3/apps?x=1 HTTP/1.1\r\n"));
  CHECK(sent.find("Host: 127.0.0.1:" + std::to_string(canned.port()) + "\r\n") !=
        std::string::npos);
  CHECK(sent.find("Content-Length: 12\r\n") != std::string::npos);
  CHECK(sent.find("999") == std::string::npos);
  CHECK(sent.ends_with("\r\n\r\n{\"name\":\"a\"}"));
}

TEST_CASE("response bodies: chunked, until close, after an interim 100") {
  loop::Loop loop;
  SUBCASE("chunked") {
    CannedServer canned(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n",
        true);
    auto r = run(loop, to(canned.port()));
    REQUIRE(r.ok());
    CHECK(r->body == "Wikipedia");
  }
  SUBCASE("until close") {
    CannedServer canned("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
    auto r = run(loop, to(canned.port()));
    REQUIRE(r.ok());
    CHECK(r->body == "all of it");
  }
  SUBCASE("interim 100") {
    CannedServer canned(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", true);
    auto r = run(loop, to(canned.port()));
    REQUIRE(r.ok());
    CHECK(r->status == 202);
  }
  SUBCASE("HEAD: a length but no body") {
    CannedServer canned("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true);
    ClientRequest req = to(canned.port());
    req.method = "HEAD";
    auto r = run(loop, req);
    REQUIRE(r.ok());
    CHECK(r->body.empty());
    CHECK(*r->header("Content-Length") == "1234");
  }
}

TEST_CASE("failures after connecting are kIo") {
  loop::Loop loop;
  SUBCASE("truncated body") {
    CannedServer canned("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    auto r = run(loop, to(canned.port()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == base::Errc::kIo);
    CHECK(r.error().message.find("closed the connection before the response was complete") !=
          std::string::npos);
  }
  SUBCASE("garbage") {
    CannedServer canned("SMTP ready\r\n\r\n");
    auto r = run(loop, to(canned.port()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == base::Errc::kIo);
    CHECK(r.error().message.starts_with("invalid response from 127.0.0.1:"));
  }
  SUBCASE("no answer in time") {
    CannedServer canned("", true);
    ClientRequest req = to(canned.port());
    req.timeout_ms = 100;
    auto r = run(loop, req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == base::Errc::kIo);
    CHECK(r.error().message ==
          "no response from 127.0.0.1:" + std::to_string(canned.port()) + " within 100 ms");
  }
}

TEST_CASE("destroying the client abandons its requests: done never runs") {
  CannedServer canned("", true);
  loop::Loop loop;
  auto client = std::make_unique<Client>(loop);
  bool called = false;
  client->request(to(canned.port()), [&](base::Result<Response>) { called = true; });
  loop::Timer waker(loop);
  waker.start(5, 5, [] {});
  loop.runUntil([&] { return canned.connected(); });
  client.reset();
  bool later = false;
  loop::Timer t(loop);
  t.start(30, 0, [&] { later = true; });
  loop.runUntil([&] { return later; });
  CHECK_FALSE(called);
  waker.stop();
}

TEST_CASE("fetch runs its own loop") {
  CannedServer canned("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  auto r = fetch(to(canned.port()));
  REQUIRE(r.ok());
  CHECK(r->body == "hello");
  int port = 0;
  ::close(listenLoopback(port));
  auto refused = fetch(to(port));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == base::Errc::kUnavailable);
}
