// Frames: typed, length-prefixed messages on a byte stream (microcf's ssh session protocol).
//
// A frame is one type byte, a 4-byte big-endian payload length, then the payload.
// Owns: nothing; pure encoding and decoding. Thread: any.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcf::base {

// The ssh session's frame types (after the client's first line, a JSON request).
enum class FrameType : char {
  kStdin = 'i',     // client -> server: bytes for the process's stdin
  kStdinEof = 'e',  // client -> server: end of stdin
  kResize = 'r',    // client -> server: "rows cols"
  kStdout = 'o',    // server -> client
  kStderr = 'E',    // server -> client
  kExit = 'x',      // server -> client: the exit status in decimal; the server closes next
  kError = '!',     // server -> client: a message for the user; the server closes next
};

struct Frame {
  FrameType type;
  std::string payload;
};

inline constexpr size_t kMaxFramePayload = 1 << 20;

std::string encodeFrame(FrameType type, std::string_view payload);

// Accumulates bytes and hands out whole frames.
class FrameReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame, or nullopt until more bytes arrive. A payload over
  // kMaxFramePayload sets error() and yields nothing more.
  std::optional<Frame> next();
  bool error() const { return error_; }
  // Bytes fed but not yet part of a returned frame.
  std::string& pending() { return buffer_; }

 private:
  std::string buffer_;
  bool error_ = false;
};

}  // namespace mcf::base
