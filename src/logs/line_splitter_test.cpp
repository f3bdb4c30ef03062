// Tests of LineSplitter.
#include "logs/line_splitter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using mcf::logs::LineSplitter;

TEST_CASE("chunks that split lines anywhere still give whole lines") {
  std::vector<std::string> lines;
  LineSplitter s([&](std::string_view l) { lines.emplace_back(l); });
  s.feed("he");
  s.feed("llo\nwor");
  s.feed("ld\n\nlast");
  CHECK(lines == std::vector<std::string>{"hello", "world", ""});
  s.flush();
  CHECK(lines.back() == "last");
}

TEST_CASE("an endless line is cut at the limit") {
  std::vector<std::string> lines;
  LineSplitter s([&](std::string_view l) { lines.emplace_back(l); }, 4);
  s.feed("abcdefghij");
  CHECK(lines == std::vector<std::string>{"abcd", "efgh"});
}
