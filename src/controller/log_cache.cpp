// The log-cache API the cf CLI reads logs through (CF-CONTRACT §6): /api/v1/info and read.
#include <charconv>
#include <cstdint>

#include "base/strutil.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "logs/log_store.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

constexpr size_t kMaxLimit = 1000;  // log-cache's maximum per read

base::Result<int64_t> integer(const Call& call, const char* name, int64_t fallback) {
  const std::string* v = call.queryValue(name);
  if (!v) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || n < 0)
    return base::makeError(Errc::kBadQuery, "The query parameter is invalid: {} must be a "
                                            "non-negative integer, got '{}'", name, *v);
  return n;
}

json envelope(const logs::Envelope& e) {
  json tags = e.tags;
  tags["source_type"] = e.source_type;
  return {{"timestamp", std::to_string(e.timestamp_ns)},
          {"source_id", e.source_id},
          {"instance_id", e.instance_id},
          {"tags", tags},
          {"log",
           {{"payload", base::base64Encode(e.payload)}, {"type", e.is_err ? "ERR" : "OUT"}}}};
}

}  // namespace

Reply logCacheInfo(Api& api, const Call&) {
  int64_t uptime = (api.clock.nowNs() - api.started_ns) / 1000000000;
  return jsonReply(200, {{"version", "3.0.0"}, {"vm_uptime", std::to_string(uptime)}});
}

// ?start_time&end_time (ns; start inclusive, end exclusive)&limit (<= 1000)&descending
// &envelope_types=LOG. Only LOG envelopes exist; asking for other types reads nothing.
Reply logCacheRead(Api& api, const Call& call) {
  const std::string& source = call.param("source_id");
  if (auto app = api.store.getApp(source); app.ok()) {
    MCF_TRY(api.authorize(call, Action::kRead, app->space_guid, "App"));
  } else {
    MCF_TRY(api.authorize(call, Action::kRead, "", "Source"));  // a deleted app: admins only
  }
  auto start = integer(call, "start_time", 0);
  auto end = integer(call, "end_time", INT64_MAX);
  auto limit = integer(call, "limit", 100);
  for (auto* r : {&start, &end, &limit})
    if (!r->ok()) return r->takeError();
  if (*limit > static_cast<int64_t>(kMaxLimit))
    return base::makeError(Errc::kBadQuery, "The query parameter is invalid: limit must be at "
                                            "most {}, got {}", kMaxLimit, *limit);
  bool logs_wanted = !call.queryValue("envelope_types");
  for (const auto& [k, v] : call.query)
    if (k == "envelope_types" && (v == "LOG" || v == "ANY")) logs_wanted = true;
  const std::string* desc = call.queryValue("descending");
  logs::ReadQuery q;
  q.start_time_ns = *start;
  q.end_time_ns = *end;
  q.limit = static_cast<size_t>(*limit);
  q.descending = desc && *desc != "false";
  json batch = json::array();
  if (logs_wanted)
    for (const auto& e : api.logs.read(source, q)) batch.push_back(envelope(e));
  return jsonReply(200, {{"envelopes", {{"batch", batch}}}});
}

}  // namespace mcf::controller
