// Platform log: what microcf itself says on stderr (not app logs; those are in logs/).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace mcf::base {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void setLogLevel(LogLevel level);
bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view component, std::string_view message);

template <typename... Args>
void logf(LogLevel level, std::string_view component, fmt::format_string<Args...> format,
          Args&&... args) {
  if (!logEnabled(level)) return;
  logLine(level, component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mcf::base

#define MCF_DEBUG(comp, ...) ::mcf::base::logf(::mcf::base::LogLevel::kDebug, comp, __VA_ARGS__)
#define MCF_INFO(comp, ...) ::mcf::base::logf(::mcf::base::LogLevel::kInfo, comp, __VA_ARGS__)
#define MCF_WARN(comp, ...) ::mcf::base::logf(::mcf::base::LogLevel::kWarn, comp, __VA_ARGS__)
#define MCF_ERROR(comp, ...) ::mcf::base::logf(::mcf::base::LogLevel::kError, comp, __VA_ARGS__)
