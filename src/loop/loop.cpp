// libuv loop, timers, signals, thread-pool work and deferred calls.
#include "loop/loop.h"

#include <exception>

#include "base/log.h"

namespace mcf::loop {

Loop::Loop() { uv_loop_init(&loop_); }

Loop::~Loop() {
  // Close whatever is still open so that every close callback frees its memory.
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void Loop::run() { uv_run(&loop_, UV_RUN_DEFAULT); }

void Loop::runUntil(const std::function<bool()>& done) {
  while (!done()) {
    if (uv_run(&loop_, UV_RUN_ONCE) == 0 && !done()) break;
  }
}

// Handles are heap-allocated and freed in their close callback; the owner object only
// clears handle->data, so a callback that is already queued finds no owner and returns.
template <typename H>
static void closeAndFree(H* handle) {
  handle->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
}

Timer::Timer(Loop& loop) : handle_(new uv_timer_t) {
  uv_timer_init(loop.raw(), handle_);
  handle_->data = this;
}

Timer::~Timer() { closeAndFree(handle_); }

void Timer::start(uint64_t timeout_ms, uint64_t repeat_ms, std::function<void()> cb) {
  cb_ = std::move(cb);
  uv_timer_start(
      handle_,
      [](uv_timer_t* h) {
        auto* self = static_cast<Timer*>(h->data);
        if (!self) return;
        // Copy: the callback may restart or destroy the timer.
        auto cb = self->cb_;
        cb();
      },
      timeout_ms, repeat_ms);
}

void Timer::stop() { uv_timer_stop(handle_); }

bool Timer::active() const { return uv_is_active(reinterpret_cast<uv_handle_t*>(handle_)); }

Signal::Signal(Loop& loop) : handle_(new uv_signal_t) {
  uv_signal_init(loop.raw(), handle_);
  handle_->data = this;
}

Signal::~Signal() { closeAndFree(handle_); }

void Signal::start(int signum, std::function<void(int)> cb) {
  cb_ = std::move(cb);
  uv_signal_start(
      handle_,
      [](uv_signal_t* h, int sig) {
        auto* self = static_cast<Signal*>(h->data);
        if (self) self->cb_(sig);
      },
      signum);
}

void Signal::stop() { uv_signal_stop(handle_); }

namespace {
struct WorkReq {
  uv_work_t req;
  std::function<void()> work;
  std::function<void()> after;
};
}  // namespace

void queueWork(Loop& loop, std::function<void()> work, std::function<void()> after) {
  auto* w = new WorkReq{{}, std::move(work), std::move(after)};
  w->req.data = w;
  int rc = uv_queue_work(
      loop.raw(), &w->req,
      [](uv_work_t* r) {
        auto* w = static_cast<WorkReq*>(r->data);
        try {
          w->work();
        } catch (const std::exception& e) {
          MCF_ERROR("loop", "work item threw: {}", e.what());
        } catch (...) {
          MCF_ERROR("loop", "work item threw an unknown exception");
        }
      },
      [](uv_work_t* r, int) {
        auto* w = static_cast<WorkReq*>(r->data);
        w->after();
        delete w;
      });
  if (rc != 0) {
    // Cannot happen for a valid loop; run inline so `after` still runs exactly once.
    w->work();
    w->after();
    delete w;
  }
}

void defer(Loop& loop, std::function<void()> fn) {
  struct Deferred {
    uv_timer_t timer;
    std::function<void()> fn;
  };
  auto* d = new Deferred{{}, std::move(fn)};
  uv_timer_init(loop.raw(), &d->timer);
  d->timer.data = d;
  uv_timer_start(
      &d->timer,
      [](uv_timer_t* t) {
        auto* d = static_cast<Deferred*>(t->data);
        d->fn();
        uv_close(reinterpret_cast<uv_handle_t*>(t),
                 [](uv_handle_t* h) { delete static_cast<Deferred*>(h->data); });
      },
      0, 0);
}

}  // namespace mcf::loop
