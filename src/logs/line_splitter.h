// LineSplitter: turns output chunks of a process into whole lines (a chunk may end mid-line).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace mcf::logs {

class LineSplitter {
 public:
  // Lines longer than max_line are cut into pieces so one chatty line cannot grow memory.
  explicit LineSplitter(std::function<void(std::string_view line)> on_line,
                        size_t max_line = 64 * 1024)
      : on_line_(std::move(on_line)), max_line_(max_line) {}

  void feed(std::string_view chunk);
  // Emits what is left without a trailing newline (call at end of stream).
  void flush();

 private:
  std::function<void(std::string_view)> on_line_;
  size_t max_line_;
  std::string partial_;
};

}  // namespace mcf::logs
