// RTR access log formatting.
#include "router/access_log.h"

#include <time.h>

#include <fmt/format.h>

namespace mcf::router {

std::string formatAccessTime(int64_t epoch_ns) {
  time_t t = static_cast<time_t>(epoch_ns / 1000000000);
  tm utc;
  gmtime_r(&t, &utc);
  return fmt::format("{:02}/{:02}/{:04}:{:02}:{:02}:{:02}.{:03} +0000", utc.tm_mday, utc.tm_mon + 1,
                     utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     (epoch_ns / 1000000) % 1000);
}

std::string formatAccessLine(const AccessRecord& r) {
  auto orDash = [](const std::string& s) -> const std::string& {
    static const std::string dash = "-";
    return s.empty() ? dash : s;
  };
  return fmt::format(
      "{} - [{}] \"{} {} HTTP/1.1\" {} {} {} \"{}\" \"{}\" {} {} x_forwarded_for:\"{}\" "
      "x_forwarded_proto:\"{}\" vcap_request_id:{} response_time:{:.6f} app_id:{} "
      "app_index:{}",
      r.host, formatAccessTime(r.start_ns), r.method, r.target, r.status, r.request_bytes,
      r.response_bytes, orDash(r.referer), orDash(r.user_agent), orDash(r.client_addr),
      orDash(r.backend_addr), r.x_forwarded_for, r.x_forwarded_proto, r.request_id,
      r.response_seconds, r.app_guid, r.app_index);
}

}  // namespace mcf::router
