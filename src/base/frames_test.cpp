// Tests of the frame codec.
#include "base/frames.h"

#include <doctest/doctest.h>

using namespace mcf::base;

TEST_CASE("frames survive being split anywhere and come out in order") {
  std::string bytes = encodeFrame(FrameType::kStdout, "hello") + encodeFrame(FrameType::kExit, "3") +
                      encodeFrame(FrameType::kStdinEof, "");
  FrameReader reader;
  std::string got;
  for (char c : bytes) {
    reader.feed(std::string_view(&c, 1));
    while (auto f = reader.next()) got += std::string(1, static_cast<char>(f->type)) + f->payload + "|";
  }
  CHECK(got == "ohello|x3|e|");
  CHECK(reader.pending().empty());
}

TEST_CASE("a frame longer than the limit is an error, not a huge allocation") {
  FrameReader reader;
  reader.feed(std::string("o\x7f\xff\xff\xff", 5));
  CHECK_FALSE(reader.next());
  CHECK(reader.error());
}
