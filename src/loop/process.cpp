// Child processes with piped output.
#include "loop/process.h"

#include <signal.h>
#include <string.h>

namespace mcf::loop {

using base::Errc;
using base::makeError;

namespace {

template <typename H>
void closeAndFree(H* handle) {
  if (!handle) return;
  handle->data = nullptr;
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(handle))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
}

}  // namespace

base::Result<std::unique_ptr<Process>> Process::spawn(Loop& loop, const ProcessSpec& spec,
                                                      OutputCb on_output, ExitCb on_exit) {
  std::unique_ptr<Process> p(new Process);
  p->new_session_ = spec.new_session;
  uv_pipe_t* pipes[3] = {new uv_pipe_t, new uv_pipe_t, new uv_pipe_t};  // stdin, stdout, stderr
  for (auto* pipe : pipes) uv_pipe_init(loop.raw(), pipe, 0);

  std::vector<char*> argv;
  for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  std::vector<uv_stdio_container_t> stdio(3 + spec.extra_fds.size());
  for (int i = 0; i < 3; ++i) {
    stdio[i].flags = static_cast<uv_stdio_flags>(
        UV_CREATE_PIPE | (i == 0 ? UV_READABLE_PIPE : UV_WRITABLE_PIPE));
    stdio[i].data.stream = reinterpret_cast<uv_stream_t*>(pipes[i]);
  }

  uv_process_options_t options{};
  options.file = spec.file.c_str();
  options.args = argv.data();
  options.env = spec.env.empty() ? nullptr : envp.data();
  options.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  options.flags = spec.new_session ? UV_PROCESS_DETACHED : 0;
  for (size_t i = 0; i < spec.extra_fds.size(); ++i) {
    stdio[3 + i].flags = UV_INHERIT_FD;
    stdio[3 + i].data.fd = spec.extra_fds[i];
  }
  options.stdio_count = static_cast<int>(stdio.size());
  options.stdio = stdio.data();
  options.exit_cb = [](uv_process_t* h, int64_t status, int sig) {
    auto* self = static_cast<Process*>(h->data);
    if (!self) return;
    self->exited_ = true;
    self->exit_status_ = status;
    self->term_signal_ = sig;
    self->maybeFinish();
  };

  p->process_ = new uv_process_t;
  p->process_->data = p.get();
  int rc = uv_spawn(loop.raw(), p->process_, &options);
  if (rc != 0) {
    for (auto* pipe : pipes) closeAndFree(pipe);
    return makeError(Errc::kIo, "cannot start {}: {}", spec.file, uv_strerror(rc));
  }
  p->pid_ = p->process_->pid;
  p->on_output_ = std::move(on_output);
  p->on_exit_ = std::move(on_exit);
  p->in_ = Stream::adopt(pipes[0]);
  p->out_ = Stream::adopt(pipes[1]);
  p->err_ = Stream::adopt(pipes[2]);
  p->open_streams_ = 2;
  Process* self = p.get();
  for (bool is_err : {false, true}) {
    (is_err ? p->err_ : p->out_)
        ->startReading(
            [self, is_err](std::string_view chunk) {
              if (self->on_output_) self->on_output_(is_err, chunk);
            },
            [self] {
              --self->open_streams_;
              self->maybeFinish();
            });
  }
  if (!spec.stdin_data.empty()) (void)p->in_->write(spec.stdin_data);
  if (!spec.stdin_pipe) p->closeStdin();
  return p;
}

void Process::maybeFinish() {
  if (finished_ || !exited_ || open_streams_ > 0) return;
  finished_ = true;
  if (on_exit_) {
    auto cb = std::move(on_exit_);
    cb(exit_status_, term_signal_);  // may destroy this
  }
}

base::Status Process::write(std::string_view data) {
  if (!in_->writable()) return makeError(Errc::kInvalid, "the stdin of process {} is closed", pid_);
  if (auto st = in_->write(data); !st.ok()) {
    return makeError(Errc::kIo, "cannot write to process {}: {}", pid_, st.error().message);
  }
  return {};
}

void Process::closeStdin() { in_->closeAfterWrites(); }

Process::~Process() { closeAndFree(process_); }

base::Status Process::kill(int sig) {
  if (exited_ || pid_ <= 0) return {};
  int rc = new_session_ ? ::kill(-pid_, sig) : ::kill(pid_, sig);
  if (rc != 0 && new_session_) rc = ::kill(pid_, sig);
  if (rc != 0 && errno != ESRCH)
    return makeError(Errc::kIo, "cannot signal process {}: {}", pid_, strerror(errno));
  return {};
}

}  // namespace mcf::loop
