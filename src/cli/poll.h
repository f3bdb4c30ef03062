// PollDelay: how long the CLI waits between two polls of the local API. Short at first
// (pushes to a local platform finish in milliseconds), doubling up to a ceiling.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace mcf::cli {

class PollDelay {
 public:
  explicit PollDelay(int first_ms = 10, int max_ms = 250) : next_ms_(first_ms), max_ms_(max_ms) {}
  int nextMs() {
    int ms = next_ms_;
    next_ms_ = std::min(next_ms_ * 2, max_ms_);
    return ms;
  }
  void sleep() { std::this_thread::sleep_for(std::chrono::milliseconds(nextMs())); }

 private:
  int next_ms_;
  int max_ms_;
};

}  // namespace mcf::cli
