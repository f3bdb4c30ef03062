// Splitting process output into lines.
#include "logs/line_splitter.h"

namespace mcf::logs {

void LineSplitter::feed(std::string_view chunk) {
  for (;;) {
    size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      while (partial_.size() >= max_line_) {
        on_line_(std::string_view(partial_).substr(0, max_line_));
        partial_.erase(0, max_line_);
      }
      return;
    }
    if (partial_.empty()) {
      on_line_(chunk.substr(0, nl));
    } else {
      partial_.append(chunk.substr(0, nl));
      on_line_(partial_);
      partial_.clear();
    }
    chunk.remove_prefix(nl + 1);
  }
}

void LineSplitter::flush() {
  if (partial_.empty()) return;
  on_line_(partial_);
  partial_.clear();
}

}  // namespace mcf::logs
