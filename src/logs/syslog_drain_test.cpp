// Syslog drains against a TCP listener on loopback: frames arrive, a lost listener becomes an
// LGR line and a reconnect, a full queue drops the oldest, bad URLs are refused.
#include "logs/syslog_drain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "base/testing/fake_clock.h"
#include "base/unique_fd.h"
#include "logs/syslog_format.h"
#include "loop/stream.h"

namespace mcf::logs {

namespace {

// A syslog listener on 127.0.0.1: accepts connections and keeps what they send.
class Listener {
 public:
  Listener(loop::Loop& loop, int port = 0) : loop_(loop) { open(port); }
  void open(int port) {
    fd_ = base::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    REQUIRE(fd_.valid());
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_.get(), 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    watch_ = std::make_unique<loop::FdWatch>(loop_, fd_.get());
    watch_->start([this] {
      int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      auto s = loop::Stream::open(loop_, c);
      REQUIRE(s.ok());
      (*s)->startReading([this](std::string_view chunk) { received += chunk; }, [] {});
      conns_.push_back(std::move(*s));
    });
  }
  // Stops listening and closes every accepted connection.
  void close() {
    watch_.reset();
    fd_ = base::UniqueFd();
    conns_.clear();
  }
  int port() const { return port_; }
  std::string received;

 private:
  loop::Loop& loop_;
  base::UniqueFd fd_;
  std::unique_ptr<loop::FdWatch> watch_;
  std::vector<std::unique_ptr<loop::Stream>> conns_;
  int port_ = 0;
};

// Runs the loop until done() or 10 s; returns done().
bool runUntil(loop::Loop& loop, const std::function<bool()>& done) {
  loop::Timer limit(loop);
  bool expired = false;
  limit.start(10000, 0, [&] { expired = true; });
  loop.runUntil([&] { return expired || done(); });
  return done();
}

bool hasLine(LogStore& logs, const std::string& source_type, const std::string& text) {
  ReadQuery q;
  q.limit = 1000;
  for (const auto& e : logs.read("app", q))
    if (e.source_type == source_type && e.payload.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("syslog drain: frames reach the listener; a lost listener is an LGR line; reconnect") {
  ::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  base::FakeClock clock;
  LogStore logs(clock);
  Listener listener(loop);
  DrainConfig config;
  config.backoff_unit_ms = 20;
  DrainManager drains(loop, logs, config);
  std::string url = "syslog://127.0.0.1:" + std::to_string(listener.port());
  drains.setAppDrains("app", "org.dev.web", {{url, "d"}});
  CHECK(drains.count() == 1);

  logs.emit("app", "APP/PROC/WEB", "0", false, "hello drain");
  ReadQuery q;
  Envelope sent = logs.read("app", q).back();
  std::string frame = frameOctetCounted(formatRfc5424(sent, "org.dev.web"));
  REQUIRE(runUntil(loop, [&] { return listener.received.size() >= frame.size(); }));
  CHECK(listener.received == frame);
  CHECK(drains.stats().sent == 1);

  // The listener goes away: the drain says so in the app's log and keeps trying.
  int port = listener.port();
  listener.close();
  REQUIRE(runUntil(loop, [&] { return hasLine(logs, "LGR", "connection refused, retrying in"); }));
  CHECK(hasLine(logs, "LGR", "Syslog drain d (" + url + "): "));
  logs.emit("app", "APP/PROC/WEB", "0", true, "while down");

  Listener back(loop, port);
  REQUIRE(runUntil(loop, [&] { return back.received.find("while down\n") != std::string::npos; }));
  CHECK(back.received.find("[APP/PROC/WEB/0] - - while down\n") != std::string::npos);
  CHECK(back.received.find("<11>1 ") != std::string::npos);
  REQUIRE(runUntil(loop, [&] { return hasLine(logs, "LGR", "connected again"); }));
  CHECK(drains.stats().failures >= 1);

  // Unbinding stops the drain.
  drains.setAppDrains("app", "org.dev.web", {});
  CHECK(drains.count() == 0);
}

TEST_CASE("syslog drain: a full queue drops the oldest and counts them") {
  loop::Loop loop;
  base::FakeClock clock;
  LogStore logs(clock);
  DrainConfig config;
  config.max_queue = 3;
  config.backoff_unit_ms = 60000;  // no reconnect during the test
  DrainManager drains(loop, logs, config);
  // Port 1 on loopback refuses at once.
  drains.setAppDrains("app", "h", {{"syslog://127.0.0.1:1", "d"}});
  for (int i = 0; i < 5; ++i) logs.emit("app", "APP/PROC/WEB", "0", false, "line");
  CHECK(drains.stats().dropped == 2);
  CHECK(drains.find("app", "syslog://127.0.0.1:1")->queued() == 3);
}

TEST_CASE("parseDrainUrl: syslog:// only, with what to do otherwise") {
  auto a = parseDrainUrl("syslog://logs.example.com:6514/x?y");
  REQUIRE(a.ok());
  CHECK(a->host == "logs.example.com");
  CHECK(a->port == 6514);
  CHECK(parseDrainUrl("syslog://h")->port == 514);
  auto tls = parseDrainUrl("syslog-tls://h:1");
  REQUIRE(!tls.ok());
  CHECK(tls.error().message ==
        "syslog-tls:// drains are not supported by microcf yet; use a plain TCP drain "
        "syslog://HOST:PORT");
  CHECK(!parseDrainUrl("https://h/x").ok());
  CHECK(!parseDrainUrl("syslog://h:99999").ok());
  CHECK(!parseDrainUrl("syslog://:5").ok());
  CHECK(!parseDrainUrl("ftp://h").ok());
}

TEST_CASE("syslog drain: an unsupported scheme is an LGR line, not a connection") {
  loop::Loop loop;
  base::FakeClock clock;
  LogStore logs(clock);
  DrainManager drains(loop, logs);
  drains.setAppDrains("app", "h", {{"syslog-tls://h:1", "secure"}});
  REQUIRE(runUntil(loop, [&] { return hasLine(logs, "LGR", "Syslog drain secure: syslog-tls://"); }));
}

}  // namespace mcf::logs
