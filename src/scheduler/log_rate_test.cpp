// The log rate limit of an instance: lines over it are dropped, and every one is counted in
// an LGR line of the app's log.
#include <doctest/doctest.h>

#include <regex>

#include "base/strutil.h"
#include "scheduler/testing/world.h"

using namespace mcf;
using namespace mcf::scheduler;
using mcf::scheduler::testing::World;
using mcf::scheduler::testing::runUntil;

TEST_CASE("an instance over its log rate limit drops lines and counts every one") {
  World w({.instances = 1, .process = [](model::Process& p) {
    p.log_rate_limit_in_bytes_per_second = 100;
  }});
  w.sched->start();
  REQUIRE(runUntil(w.loop, [&] { return !w.backend.runs().empty(); }));
  auto run = w.backend.runs()[0];
  std::string text;
  for (int i = 10; i < 60; ++i) text += "line " + std::to_string(i) + "\n";  // 50 x 7 bytes
  REQUIRE(w.backend.emitStdout(run.handle, run.pid, text));
  w.spin();
  w.clock.advanceMs(1000);  // the next report is due a second after the first
  w.spin();
  std::string log = w.logText();
  size_t kept = 0, dropped = 0, notices = 0;
  std::regex lgr("^LGR dropped ([0-9]+) lines: rate limit$");
  for (const auto& line : base::split(log, '\n')) {
    std::smatch m;
    if (line.rfind("APP/PROC/WEB line ", 0) == 0) ++kept;
    if (std::regex_match(line, m, lgr)) dropped += std::stoul(m[1]);
    if (line == "APP/PROC/WEB app instance exceeded log rate limit (100 bytes/sec)") ++notices;
  }
  CHECK(kept == 14);  // 100 bytes of 7-byte lines
  CHECK(kept + dropped == 50);
  CHECK(notices == 1);
}
