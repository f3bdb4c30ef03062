// Loggregator's RFC 5424 syslog lines.
#include "logs/syslog_format.h"

#include <time.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace mcf::logs {

namespace {

// Go's ".999999": microseconds with trailing zeros dropped, nothing at all when zero.
std::string fraction(int64_t ns) {
  int64_t micros = (ns % 1000000000) / 1000;
  if (micros < 0) micros += 1000000;
  if (micros == 0) return "";
  std::string digits = fmt::format("{:06}", micros);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "." + digits;
}

// RFC 5424 header fields are PRINTUSASCII without spaces; Loggregator replaces spaces in
// names with '-'. Anything outside 33..126 becomes '-' too, so a frame always parses.
std::string headerField(std::string s, size_t max) {
  for (char& c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) c = '-';
  }
  if (s.size() > max) s.resize(max);
  return s.empty() ? "-" : s;
}

}  // namespace

std::string formatRfc5424(const Envelope& e, const std::string& hostname) {
  int pri = e.is_err ? 11 : 14;
  time_t secs = static_cast<time_t>(e.timestamp_ns / 1000000000);
  if (e.timestamp_ns < 0 && e.timestamp_ns % 1000000000 != 0) --secs;
  tm utc;
  gmtime_r(&secs, &utc);
  std::string type = e.source_type;
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string procid = e.instance_id.empty() ? "[" + type + "]"
                                             : "[" + type + "/" + e.instance_id + "]";
  std::string msg;
  msg.reserve(e.payload.size() + 1);
  for (char c : e.payload)
    if (c != '\0') msg += c;
  if (msg.empty() || msg.back() != '\n') msg += '\n';
  return fmt::format("<{}>1 {:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z {} {} {} - - {}", pri,
                     utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                     utc.tm_sec, fraction(e.timestamp_ns), headerField(hostname, 255),
                     headerField(e.source_id, 48), headerField(procid, 128), msg);
}

std::string frameOctetCounted(const std::string& message) {
  return std::to_string(message.size()) + " " + message;
}

int drainBackoffSeconds(int failures) {
  if (failures <= 1) return 1;
  if (failures >= 7) return 60;  // 2^6 = 64 > 60
  return std::min(60, 1 << (failures - 1));
}

}  // namespace mcf::logs
