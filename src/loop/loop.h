// Loop: the one libuv event loop of a microcf process, and small owners of its handles.
//
// Owns: uv_loop_t, timers, signals, thread-pool work, deferred calls.
// Does not own: sockets (http/ owns those) or child processes (process.h).
// Thread: everything here is called on the loop's thread, except the `work` function given
// to queueWork, which runs on the libuv thread pool.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

namespace mcf::loop {

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }
  // Runs until stop() or until nothing is left to do.
  void run();
  // Runs until done() is true (checked after each event) or nothing is left to do.
  void runUntil(const std::function<bool()>& done);
  void stop() { uv_stop(&loop_); }
  uint64_t nowMs() { return uv_now(&loop_); }

 private:
  uv_loop_t loop_;
};

// A timer. Destroying it stops it; its callback never runs after that.
class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Calls cb after timeout_ms, then every repeat_ms if repeat_ms > 0.
  void start(uint64_t timeout_ms, uint64_t repeat_ms, std::function<void()> cb);
  void stop();
  bool active() const;

 private:
  uv_timer_t* handle_;
  std::function<void()> cb_;
};

// A signal watcher (SIGTERM, SIGINT, ...).
class Signal {
 public:
  explicit Signal(Loop& loop);
  ~Signal();
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  void start(int signum, std::function<void(int)> cb);
  void stop();

 private:
  uv_signal_t* handle_;
  std::function<void(int)> cb_;
};

// Runs work on the thread pool, then after on the loop. after always runs exactly once.
// work must not touch loop state; exceptions it throws are caught and logged.
void queueWork(Loop& loop, std::function<void()> work, std::function<void()> after);

// Calls fn on the loop's next iteration (deferred free: redis' freeClientAsync).
void defer(Loop& loop, std::function<void()> fn);

}  // namespace mcf::loop
