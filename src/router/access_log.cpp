// RTR access log formatting. It runs for every proxied request, so the line is appended piece
// by piece into one string (its only allocation) and the date part is formatted once a second.
#include "router/access_log.h"

#include <time.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace mcf::router {
namespace {

void appendNumber(std::string& out, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<size_t>(end - buf));
}

void appendOrDash(std::string& out, std::string_view s) {
  if (s.empty())
    out.push_back('-');
  else
    out.append(s);
}

// "dd/mm/yyyy:hh:mm:ss" of the second, kept while the seconds stay the same.
std::string_view secondPrefix(int64_t epoch_s) {
  thread_local int64_t cached_s = INT64_MIN;
  thread_local char cached[32];
  thread_local size_t cached_len = 0;
  if (epoch_s != cached_s) {
    time_t t = static_cast<time_t>(epoch_s);
    tm utc;
    gmtime_r(&t, &utc);
    auto r = fmt::format_to_n(cached, sizeof cached, "{:02}/{:02}/{:04}:{:02}:{:02}:{:02}",
                              utc.tm_mday, utc.tm_mon + 1, utc.tm_year + 1900, utc.tm_hour,
                              utc.tm_min, utc.tm_sec);
    cached_len = r.size;
    cached_s = epoch_s;
  }
  return {cached, cached_len};
}

void appendAccessTime(std::string& out, int64_t epoch_ns) {
  int64_t s = epoch_ns / 1000000000;
  int64_t ms = (epoch_ns / 1000000) % 1000;
  if (epoch_ns < 0 && epoch_ns % 1000000000 != 0) {  // floor, as gmtime counts
    --s;
    ms = (ms + 1000) % 1000;
  }
  out.append(secondPrefix(s));
  char frac[5] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10), ' '};
  out.append(frac, sizeof frac);
  out.append("+0000");
}

}  // namespace

std::string formatAccessTime(int64_t epoch_ns) {
  std::string out;
  appendAccessTime(out, epoch_ns);
  return out;
}

std::string formatAccessLine(const AccessRecord& r) {
  std::string out;
  out.reserve(320 + r.target.size() + r.referer.size() + r.user_agent.size() +
              r.x_forwarded_for.size());
  out.append(r.host);
  out.append(" - [");
  appendAccessTime(out, r.start_ns);
  out.append("] \"");
  out.append(r.method);
  out.push_back(' ');
  out.append(r.target);
  out.append(" HTTP/1.1\" ");
  appendNumber(out, static_cast<uint64_t>(r.status));
  out.push_back(' ');
  appendNumber(out, r.request_bytes);
  out.push_back(' ');
  appendNumber(out, r.response_bytes);
  out.append(" \"");
  appendOrDash(out, r.referer);
  out.append("\" \"");
  appendOrDash(out, r.user_agent);
  out.append("\" ");
  appendOrDash(out, r.client_addr);
  out.push_back(' ');
  appendOrDash(out, r.backend_addr);
  out.append(" x_forwarded_for:\"");
  out.append(r.x_forwarded_for);
  out.append("\" x_forwarded_proto:\"");
  out.append(r.x_forwarded_proto);
  out.append("\" vcap_request_id:");
  out.append(r.request_id);
  out.append(" response_time:");
  fmt::format_to(std::back_inserter(out), "{:.6f}", r.response_seconds);
  out.append(" app_id:");
  out.append(r.app_guid);
  out.append(" app_index:");
  fmt::format_to(std::back_inserter(out), "{}", r.app_index);
  return out;
}

}  // namespace mcf::router
