// Length-prefixed frames.
#include "base/frames.h"

namespace mcf::base {

std::string encodeFrame(FrameType type, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(type));
  uint32_t n = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(payload);
  return out;
}

std::optional<Frame> FrameReader::next() {
  if (error_ || buffer_.size() < 5) return std::nullopt;
  uint32_t n = 0;
  for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<unsigned char>(buffer_[i]);
  if (n > kMaxFramePayload) {
    error_ = true;
    return std::nullopt;
  }
  if (buffer_.size() < 5 + n) return std::nullopt;
  Frame f{static_cast<FrameType>(buffer_[0]), buffer_.substr(5, n)};
  buffer_.erase(0, 5 + n);
  return f;
}

}  // namespace mcf::base
