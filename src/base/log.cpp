// Platform log lines: "HH:MM:SS.mmm LEVEL component: message" on stderr.
#include "base/log.h"

#include <time.h>

#include <atomic>
#include <cstdio>

namespace mcf::base {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
}

void setLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
bool logEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void logLine(LogLevel level, std::string_view component, std::string_view message) {
  static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm local;
  localtime_r(&ts.tv_sec, &local);
  std::string line = fmt::format("{:02}:{:02}:{:02}.{:03} {:5} {}: {}\n", local.tm_hour,
                                 local.tm_min, local.tm_sec, ts.tv_nsec / 1000000,
                                 kNames[static_cast<int>(level)], component, message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace mcf::base
