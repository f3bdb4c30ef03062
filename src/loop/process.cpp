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

void allocBuffer(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = new char[suggested];
  buf->len = suggested;
}

}  // namespace

base::Result<std::unique_ptr<Process>> Process::spawn(Loop& loop, const ProcessSpec& spec,
                                                      OutputCb on_output, ExitCb on_exit) {
  std::unique_ptr<Process> p(new Process);
  p->on_output_ = std::move(on_output);
  p->on_exit_ = std::move(on_exit);
  p->new_session_ = spec.new_session;
  p->stdin_data_ = spec.stdin_data;
  p->out_ = new uv_pipe_t;
  p->err_ = new uv_pipe_t;
  p->in_ = new uv_pipe_t;
  uv_pipe_init(loop.raw(), p->out_, 0);
  uv_pipe_init(loop.raw(), p->err_, 0);
  uv_pipe_init(loop.raw(), p->in_, 0);
  p->out_->data = p.get();
  p->err_->data = p.get();
  p->in_->data = p.get();

  std::vector<char*> argv;
  for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  std::vector<uv_stdio_container_t> stdio(3 + spec.extra_fds.size());
  stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
  stdio[0].data.stream = reinterpret_cast<uv_stream_t*>(p->in_);
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(p->out_);
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(p->err_);

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
    // The handle still has to be closed, and the callbacks must not run.
    p->on_output_ = nullptr;
    p->on_exit_ = nullptr;
    return makeError(Errc::kIo, "cannot start {}: {}", spec.file, uv_strerror(rc));
  }
  p->pid_ = p->process_->pid;
  p->open_streams_ = 2;

  auto on_read = [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* self = static_cast<Process*>(s->data);
    if (self && n > 0 && self->on_output_) {
      self->on_output_(reinterpret_cast<uv_pipe_t*>(s) == self->err_,
                       std::string_view(buf->base, static_cast<size_t>(n)));
    }
    delete[] buf->base;
    if (self && n < 0) {
      uv_read_stop(s);
      --self->open_streams_;
      self->maybeFinish();
    }
  };
  uv_read_start(reinterpret_cast<uv_stream_t*>(p->out_), allocBuffer, on_read);
  uv_read_start(reinterpret_cast<uv_stream_t*>(p->err_), allocBuffer, on_read);

  if (!p->stdin_data_.empty()) (void)p->write(p->stdin_data_);
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
  if (!in_ || close_after_writes_) {
    return makeError(Errc::kInvalid, "the stdin of process {} is closed", pid_);
  }
  if (data.empty()) return {};
  struct Req {
    uv_write_t req;
    std::string data;
  };
  auto* r = new Req{{}, std::string(data)};
  uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
  int rc = uv_write(&r->req, reinterpret_cast<uv_stream_t*>(in_), &buf, 1, [](uv_write_t* w, int) {
    auto* req = reinterpret_cast<Req*>(w);
    // The pipe outlives its pending writes; its data is cleared when the owner closes it.
    auto* self = static_cast<Process*>(w->handle->data);
    if (self) {
      if (--self->pending_writes_ == 0 && self->close_after_writes_) self->closeInput();
    }
    delete req;
  });
  if (rc != 0) {
    delete r;
    return makeError(Errc::kIo, "cannot write to process {}: {}", pid_, uv_strerror(rc));
  }
  ++pending_writes_;
  return {};
}

void Process::closeStdin() {
  if (!in_ || close_after_writes_) return;
  close_after_writes_ = true;
  if (pending_writes_ == 0) closeInput();
}

void Process::closeInput() {
  closeAndFree(in_);
  in_ = nullptr;
}

Process::~Process() {
  closeAndFree(process_);
  closeAndFree(out_);
  closeAndFree(err_);
  closeAndFree(in_);
}

base::Status Process::kill(int sig) {
  if (exited_ || pid_ <= 0) return {};
  int rc = new_session_ ? ::kill(-pid_, sig) : ::kill(pid_, sig);
  if (rc != 0 && new_session_) rc = ::kill(pid_, sig);
  if (rc != 0 && errno != ESRCH)
    return makeError(Errc::kIo, "cannot signal process {}: {}", pid_, strerror(errno));
  return {};
}

}  // namespace mcf::loop
