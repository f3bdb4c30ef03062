// Stream and FdWatch: descriptors that microcf did not spawn itself, on the loop.
//
// Stream owns a pipe, socket or terminal descriptor read as data comes and written in order;
// FdWatch tells when a descriptor (a datagram socket, say) has something to read.
// Does not own: the meaning of the bytes.
// Thread: the loop's.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "loop/loop.h"

namespace mcf::loop {

class Stream {
 public:
  using DataCb = std::function<void(std::string_view chunk)>;
  // End of file, or a read error (a terminal whose every slave closed reads EIO): reading has
  // stopped for good.
  using EndCb = std::function<void()>;

  // Takes fd: it is closed with the stream.
  static base::Result<std::unique_ptr<Stream>> open(Loop& loop, int fd);
  // Takes a pipe libuv opened already (uv_spawn's UV_CREATE_PIPE).
  static std::unique_ptr<Stream> adopt(uv_pipe_t* pipe);
  // Closes the descriptor; writes still queued are dropped and no callback runs after this.
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void startReading(DataCb on_data, EndCb on_end);
  // Queues data; kInvalid once closeAfterWrites() was called.
  base::Status write(std::string_view data);
  // Closes the descriptor once what was queued is written (the reader sees end of file).
  // A second call is a no-op.
  void closeAfterWrites();
  bool writable() const { return !close_after_writes_; }
  int fd() const;

 private:
  explicit Stream(uv_pipe_t* pipe);
  void closeHandle();

  uv_pipe_t* pipe_;
  DataCb on_data_;
  EndCb on_end_;
  int pending_writes_ = 0;
  bool close_after_writes_ = false;
};

class FdWatch {
 public:
  // Does not take fd: the caller closes it, after destroying the watch.
  FdWatch(Loop& loop, int fd);
  ~FdWatch();
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  // Calls on_readable while fd has data or has hung up.
  void start(std::function<void()> on_readable);
  void stop();

 private:
  uv_poll_t* handle_;
  std::function<void()> cb_;
};

}  // namespace mcf::loop
