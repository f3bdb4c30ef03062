// Tests of the loop wrappers against a real libuv loop.
#include "loop/loop.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "loop/process.h"
#include "loop/stream.h"
#include "loop/tcp_probe.h"

using namespace mcf::loop;

TEST_CASE("a timer fires and work runs off the loop, then after on it") {
  Loop loop;
  Timer timer(loop);
  int fired = 0;
  timer.start(1, 0, [&] { ++fired; });
  int after = 0;
  bool worked = false;
  queueWork(loop, [&] { worked = true; }, [&] { ++after; });
  loop.run();
  CHECK(fired == 1);
  CHECK(worked);
  CHECK(after == 1);
}

TEST_CASE("a process's output arrives before its exit callback") {
  Loop loop;
  std::string out, err;
  int64_t status = -1;
  auto p = Process::spawn(
      loop, {.file = "/bin/sh", .args = {"sh", "-c", "echo hi; echo oops >&2; exit 3"}},
      [&](bool is_err, std::string_view chunk) { (is_err ? err : out).append(chunk); },
      [&](int64_t s, int) { status = s; });
  REQUIRE(p.ok());
  loop.runUntil([&] { return status >= 0; });
  CHECK(out == "hi\n");
  CHECK(err == "oops\n");
  CHECK(status == 3);
}

TEST_CASE("spawning a missing program fails and runs no callback") {
  Loop loop;
  bool called = false;
  auto p = Process::spawn(loop, {.file = "/nonexistent/prog", .args = {"prog"}},
                          [&](bool, std::string_view) { called = true; },
                          [&](int64_t, int) { called = true; });
  CHECK_FALSE(p.ok());
  loop.run();
  CHECK_FALSE(called);
}

TEST_CASE("stdin data reaches the child") {
  Loop loop;
  std::string out;
  bool done = false;
  auto p = Process::spawn(loop, {.file = "/bin/cat", .args = {"cat"}, .stdin_data = "piped"},
                          [&](bool, std::string_view c) { out.append(c); },
                          [&](int64_t, int) { done = true; });
  REQUIRE(p.ok());
  loop.runUntil([&] { return done; });
  CHECK(out == "piped");
}

TEST_CASE("an open stdin takes writes in order until it is closed") {
  Loop loop;
  std::string out;
  bool done = false;
  auto p = Process::spawn(
      loop, {.file = "/bin/cat", .args = {"cat"}, .stdin_data = "a", .stdin_pipe = true},
      [&](bool, std::string_view c) { out.append(c); }, [&](int64_t, int) { done = true; });
  REQUIRE(p.ok());
  CHECK((*p)->write("b").ok());
  loop.runUntil([&] { return out == "ab"; });
  CHECK((*p)->write("c").ok());
  (*p)->closeStdin();
  CHECK_FALSE((*p)->write("d").ok());
  loop.runUntil([&] { return done; });
  CHECK(out == "abc");
}

TEST_CASE("the child inherits extra descriptors from fd 3 on") {
  Loop loop;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::string out;
  bool done = false;
  auto p = Process::spawn(loop,
                          {.file = "/bin/sh",
                           .args = {"sh", "-c", "read line <&3; echo got $line"},
                           .extra_fds = {fds[0]}},
                          [&](bool, std::string_view c) { out.append(c); },
                          [&](int64_t, int) { done = true; });
  REQUIRE(p.ok());
  ::close(fds[0]);
  REQUIRE(::write(fds[1], "x\n", 2) == 2);
  ::close(fds[1]);
  loop.runUntil([&] { return done; });
  CHECK(out == "got x\n");
}

TEST_CASE("a stream over a pipe: writes arrive in order, the reader then sees the end") {
  Loop loop;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  auto reader = Stream::open(loop, fds[0]);
  auto writer = Stream::open(loop, fds[1]);
  REQUIRE(reader.ok());
  REQUIRE(writer.ok());
  std::string got;
  bool ended = false;
  (*reader)->startReading([&](std::string_view c) { got.append(c); }, [&] { ended = true; });
  REQUIRE((*writer)->write("one ").ok());
  REQUIRE((*writer)->write("two").ok());
  (*writer)->closeAfterWrites();
  CHECK_FALSE((*writer)->writable());
  CHECK_FALSE((*writer)->write("late").ok());
  loop.runUntil([&] { return ended; });
  CHECK(got == "one two");
}

TEST_CASE("a descriptor watch fires when there is something to read") {
  Loop loop;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  int fired = 0;
  {
    FdWatch watch(loop, fds[0]);
    watch.start([&] {
      char c;
      if (::read(fds[0], &c, 1) == 1) ++fired;
    });
    REQUIRE(::write(fds[1], "ab", 2) == 2);
    loop.runUntil([&] { return fired == 2; });
  }
  CHECK(fired == 2);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("a tcp probe of a closed port reports connection refused") {
  Loop loop;
  // Port 1 on loopback is never listened on by an unprivileged test environment's services.
  bool done = false;
  mcf::base::Status result;
  tcpProbe(loop, "127.0.0.1", 1, 1000, [&](mcf::base::Status s) {
    done = true;
    result = std::move(s);
  });
  loop.run();
  CHECK(done);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message.find("refused") != std::string::npos);
}
