#include "scheduler/process_output.h"

namespace mcf::scheduler {

runner::ProcessIO ProcessOutput::attach(std::weak_ptr<bool> alive, LineFn line) {
  auto stream = [alive, line = std::move(line)](bool is_err) {
    return std::make_shared<logs::LineSplitter>([alive, line, is_err](std::string_view text) {
      if (!alive.expired()) line(is_err, text);
    });
  };
  out_ = stream(false);
  err_ = stream(true);
  runner::ProcessIO io;
  io.on_stdout = [out = out_](std::string_view chunk) { out->feed(chunk); };
  io.on_stderr = [err = err_](std::string_view chunk) { err->feed(chunk); };
  return io;
}

void ProcessOutput::flush() {
  if (out_) out_->flush();
  if (err_) err_->flush();
}

}  // namespace mcf::scheduler
