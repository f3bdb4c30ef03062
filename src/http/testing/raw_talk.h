// Tests: raw bytes to a loopback server from a helper thread while the test's loop runs.
//
// For what no well-behaved client sends: pipelining, garbage, Expect, oversized requests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "loop/loop.h"

namespace mcf::http::testing {

struct RawStep {
  std::string send;    // bytes to write
  std::string expect;  // then read until this appears in what this step received ("" = no read)
};

struct RawResult {
  std::string received;  // everything read, all steps together
  bool closed = false;   // the server closed the connection (EOF or reset)
};

// Runs steps in order; then, if read_to_eof, reads until the server closes or timeout_ms.
inline RawResult rawTalk(loop::Loop& loop, int port, const std::vector<RawStep>& steps,
                         bool read_to_eof = true, int timeout_ms = 3000) {
  RawResult result;
  std::atomic<bool> done{false};
  std::thread talker([&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto readSome = [&]() -> bool {  // false on EOF, error or timeout
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        result.closed = true;
        return false;
      }
      result.received.append(buf, static_cast<size_t>(n));
      return true;
    };
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      for (const RawStep& step : steps) {
        size_t start = result.received.size();
        size_t off = 0;
        while (off < step.send.size()) {
          ssize_t n = ::send(fd, step.send.data() + off, step.send.size() - off, MSG_NOSIGNAL);
          if (n <= 0) break;
          off += static_cast<size_t>(n);
        }
        if (step.expect.empty()) continue;
        while (result.received.find(step.expect, start) == std::string::npos)
          if (!readSome()) break;
      }
      if (read_to_eof)
        while (readSome()) {
        }
    }
    ::close(fd);
    done = true;
  });
  loop::Timer waker(loop);  // the loop checks `done` only after an event
  waker.start(5, 5, [] {});
  loop.runUntil([&] { return done.load(); });
  waker.stop();
  talker.join();
  return result;
}

// How many times needle occurs in haystack.
inline size_t countOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

}  // namespace mcf::http::testing
