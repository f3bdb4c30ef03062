// ProcessOutput: what an instance or a task prints, split into whole lines for the log store.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "logs/line_splitter.h"
#include "runner/backend.h"

namespace mcf::scheduler {

class ProcessOutput {
 public:
  using LineFn = std::function<void(bool is_err, std::string_view line)>;

  // The callbacks for Backend::run: each whole line of stdout and stderr goes to line, until
  // alive expires (its owner may be gone when a destroyed container's last output arrives).
  runner::ProcessIO attach(std::weak_ptr<bool> alive, LineFn line);
  // Hands on what is left without a trailing newline: call when the process exits.
  void flush();
  bool attached() const { return out_ != nullptr; }

 private:
  std::shared_ptr<logs::LineSplitter> out_;
  std::shared_ptr<logs::LineSplitter> err_;
};

}  // namespace mcf::scheduler
