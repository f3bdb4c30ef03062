// Streams over existing descriptors, and readiness watches.
#include "loop/stream.h"

#include <string>

namespace mcf::loop {

using base::Errc;
using base::makeError;

namespace {

void allocBuffer(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = new char[suggested];
  buf->len = suggested;
}

template <typename H>
void closeAndFree(H* handle) {
  handle->data = nullptr;
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(handle))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
}

}  // namespace

Stream::Stream(uv_pipe_t* pipe) : pipe_(pipe) { pipe_->data = this; }

base::Result<std::unique_ptr<Stream>> Stream::open(Loop& loop, int fd) {
  auto* pipe = new uv_pipe_t;
  uv_pipe_init(loop.raw(), pipe, 0);
  int rc = uv_pipe_open(pipe, fd);
  if (rc != 0) {
    closeAndFree(pipe);  // the descriptor stays the caller's
    return makeError(Errc::kIo, "cannot watch descriptor {}: {}", fd, uv_strerror(rc));
  }
  return std::unique_ptr<Stream>(new Stream(pipe));
}

std::unique_ptr<Stream> Stream::adopt(uv_pipe_t* pipe) {
  return std::unique_ptr<Stream>(new Stream(pipe));
}

Stream::~Stream() { closeHandle(); }

void Stream::closeHandle() {
  if (!pipe_) return;
  closeAndFree(pipe_);
  pipe_ = nullptr;
}

int Stream::fd() const {
  uv_os_fd_t fd = -1;
  if (pipe_) uv_fileno(reinterpret_cast<const uv_handle_t*>(pipe_), &fd);
  return fd;
}

void Stream::startReading(DataCb on_data, EndCb on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  if (!pipe_) return;
  uv_read_start(reinterpret_cast<uv_stream_t*>(pipe_), allocBuffer,
                [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                  std::unique_ptr<char[]> owned(buf->base);
                  auto* self = static_cast<Stream*>(s->data);
                  if (!self) return;
                  if (n > 0) {
                    if (self->on_data_) self->on_data_(std::string_view(buf->base, size_t(n)));
                  } else if (n < 0) {
                    uv_read_stop(s);
                    if (self->on_end_) {
                      auto cb = std::move(self->on_end_);
                      cb();  // may destroy self
                    }
                  }
                });
}

base::Status Stream::write(std::string_view data) {
  if (!pipe_ || close_after_writes_) return makeError(Errc::kInvalid, "the stream is closed");
  if (data.empty()) return {};
  struct Req {
    uv_write_t req;
    std::string data;
  };
  auto* r = new Req{{}, std::string(data)};
  uv_buf_t buf = uv_buf_init(r->data.data(), static_cast<unsigned>(r->data.size()));
  int rc = uv_write(&r->req, reinterpret_cast<uv_stream_t*>(pipe_), &buf, 1,
                    [](uv_write_t* w, int) {
                      std::unique_ptr<Req> req(reinterpret_cast<Req*>(w));
                      // A pipe outlives its pending writes; its owner clears data on close.
                      auto* self = static_cast<Stream*>(w->handle->data);
                      if (self && --self->pending_writes_ == 0 && self->close_after_writes_) {
                        self->closeHandle();
                      }
                    });
  if (rc != 0) {
    delete r;
    return makeError(Errc::kIo, "cannot write: {}", uv_strerror(rc));
  }
  ++pending_writes_;
  return {};
}

void Stream::closeAfterWrites() {
  if (close_after_writes_) return;
  close_after_writes_ = true;
  if (pending_writes_ == 0) closeHandle();
}

FdWatch::FdWatch(Loop& loop, int fd) : handle_(new uv_poll_t) {
  uv_poll_init(loop.raw(), handle_, fd);
  handle_->data = this;
}

FdWatch::~FdWatch() { closeAndFree(handle_); }

void FdWatch::start(std::function<void()> on_readable) {
  cb_ = std::move(on_readable);
  uv_poll_start(handle_, UV_READABLE | UV_DISCONNECT, [](uv_poll_t* h, int, int) {
    auto* self = static_cast<FdWatch*>(h->data);
    if (!self) return;
    auto cb = self->cb_;  // it may stop or destroy the watch
    cb();
  });
}

void FdWatch::stop() { uv_poll_stop(handle_); }

}  // namespace mcf::loop
