// The log-cache API the cf CLI reads logs through (CF-CONTRACT §6): /api/v1/info and read,
// and a Server-Sent Events stream of the same envelopes for browsers and tools.
#include <charconv>
#include <cstdint>
#include <memory>

#include "base/log.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "logs/log_store.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

constexpr size_t kMaxLimit = 1000;            // log-cache's maximum per read
constexpr size_t kSlowReaderBytes = 1 << 20;  // an SSE client this far behind loses envelopes
constexpr uint64_t kKeepAliveMs = 15000;

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

// The CC metric tags of §6 for one source (app): looked up once per read, not kept per line.
struct SourceTags {
  std::map<std::string, std::string> common;
  std::map<std::string, std::string> process_guids;  // "web" -> process guid
};

SourceTags sourceTags(Api& api, const std::string& source) {
  SourceTags t;
  t.common["source_id"] = source;
  auto app = api.store.getApp(source);
  if (!app.ok()) return t;
  t.common["app_id"] = app->guid;
  t.common["app_name"] = app->name;
  t.common["space_id"] = app->space_guid;
  if (auto space = api.store.getSpace(app->space_guid); space.ok()) {
    t.common["space_name"] = space->name;
    t.common["organization_id"] = space->org_guid;
    if (auto org = api.store.getOrg(space->org_guid); org.ok())
      t.common["organization_name"] = org->name;
  }
  if (auto processes = api.store.listProcesses(source); processes.ok())
    for (const auto& p : *processes) t.process_guids[p.type] = p.guid;
  return t;
}

json envelope(const logs::Envelope& e, const SourceTags& t) {
  json tags = t.common;
  tags["source_type"] = e.source_type;
  if (e.source_type.rfind("APP/", 0) == 0) tags["instance_id"] = e.instance_id;
  if (e.source_type.rfind("APP/PROC/", 0) == 0) {
    std::string type = base::toLower(e.source_type.substr(9));
    tags["process_type"] = type;
    if (auto it = t.process_guids.find(type); it != t.process_guids.end())
      tags["process_id"] = it->second;
  }
  return {{"timestamp", std::to_string(e.timestamp_ns)},
          {"source_id", e.source_id},
          {"instance_id", e.instance_id},
          {"tags", tags},
          {"log",
           {{"payload", base::base64Encode(e.payload)}, {"type", e.is_err ? "ERR" : "OUT"}}}};
}

// Same rule for read and stream: the app's readers; a deleted app's logs, admins only.
base::Status authorizeSource(Api& api, const Call& call, const std::string& source) {
  if (auto app = api.store.getApp(source); app.ok())
    return api.authorize(call, Action::kReadLogs, app->space_guid, "App");
  return api.authorize(call, Action::kReadLogs, "", "Source");
}

// envelope_types: absent, LOG or ANY read log envelopes; only other types read nothing.
bool logsWanted(const Call& call) {
  bool wanted = !call.queryValue("envelope_types");
  for (const auto& [k, v] : call.query)
    if (k == "envelope_types" && (v == "LOG" || v == "ANY")) wanted = true;
  return wanted;
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
  MCF_TRY(authorizeSource(api, call, source));
  auto start = integer(call, "start_time", 0);
  auto end = integer(call, "end_time", INT64_MAX);
  auto limit = integer(call, "limit", 100);
  for (auto* r : {&start, &end, &limit})
    if (!r->ok()) return r->takeError();
  if (*limit > static_cast<int64_t>(kMaxLimit))
    return base::makeError(Errc::kBadQuery, "The query parameter is invalid: limit must be at "
                                            "most {}, got {}", kMaxLimit, *limit);
  const std::string* desc = call.queryValue("descending");
  logs::ReadQuery q;
  q.start_time_ns = *start;
  q.end_time_ns = *end;
  q.limit = static_cast<size_t>(*limit);
  q.descending = desc && *desc != "false";
  json batch = json::array();
  if (logsWanted(call)) {
    SourceTags tags = sourceTags(api, source);
    for (const auto& e : api.logs.read(source, q)) batch.push_back(envelope(e, tags));
  }
  return jsonReply(200, {{"envelopes", {{"batch", batch}}}});
}

namespace {

// One SSE client. Lives while the store's subscription or the keep-alive timer holds it; all
// on the loop, so the replay and the subscription see every envelope once, in order.
class SseClient : public std::enable_shared_from_this<SseClient> {
 public:
  SseClient(Api& api, std::string source, SourceTags tags, std::shared_ptr<http::BodyWriter> w,
            size_t max_events)
      : api_(api), source_(std::move(source)), tags_(std::move(tags)), writer_(std::move(w)),
        max_events_(max_events), keep_alive_(api.loop) {}

  void start(int64_t from_ns) {
    // Replay what the buffer has from from_ns on, in pages, then go live: nothing can be
    // appended between the two (one thread).
    for (int64_t cursor = from_ns; !done_;) {
      auto page = api_.logs.read(source_, {.start_time_ns = cursor, .limit = kMaxLimit});
      for (const auto& e : page) deliver(e);
      if (page.size() < kMaxLimit) break;
      cursor = page.back().timestamp_ns + 1;
    }
    if (done_) return;
    std::weak_ptr<SseClient> weak = weak_from_this();
    sub_ = api_.logs.subscribe(source_, [self = shared_from_this()](const logs::Envelope& e) {
      self->deliver(e);
    });
    writer_->onClose([weak] {
      if (auto self = weak.lock()) self->stop();
    });
    keep_alive_.start(kKeepAliveMs, kKeepAliveMs, [weak] {
      if (auto self = weak.lock()) self->keepAlive();
    });
  }

 private:
  void deliver(const logs::Envelope& e) {
    if (done_) return;
    if (writer_->pending() > kSlowReaderBytes) {
      ++dropped_;
      return;
    }
    if (dropped_ > 0 && !sayDropped()) return;
    std::string event = fmt::format("id: {}\ndata: {}\n\n", e.timestamp_ns,
                                    dumpJson(envelope(e, tags_)));
    if (!writer_->write(event)) return stop();
    if (max_events_ && ++sent_ >= max_events_) {
      writer_->end();
      stop();
    }
  }

  // The LGR line cf prints when log-cache drops for a slow consumer; no id, so a client
  // resuming with Last-Event-ID is not moved past envelopes it never got.
  bool sayDropped() {
    logs::Envelope lgr{.timestamp_ns = api_.clock.nowNs(), .source_id = source_,
                       .instance_id = "", .source_type = "LGR", .is_err = true,
                       .payload = fmt::format("dropped {} envelopes: slow reader", dropped_),
                       .tags = {}};
    dropped_ = 0;
    if (!writer_->write(fmt::format("data: {}\n\n", dumpJson(envelope(lgr, tags_))))) {
      stop();
      return false;
    }
    return true;
  }

  void keepAlive() {
    if (done_) return;
    if (writer_->pending() > kSlowReaderBytes) return;
    if (dropped_ > 0 && !sayDropped()) return;
    if (!writer_->write(": keep-alive\n\n")) stop();
  }

  void stop() {
    if (done_) return;
    done_ = true;
    keep_alive_.stop();
    // Last: the subscription may hold the last reference to this.
    if (sub_) api_.logs.unsubscribe(sub_);
  }

  Api& api_;
  std::string source_;
  SourceTags tags_;
  std::shared_ptr<http::BodyWriter> writer_;
  size_t max_events_;
  size_t sent_ = 0;
  uint64_t dropped_ = 0;
  uint64_t sub_ = 0;
  bool done_ = false;
  loop::Timer keep_alive_;
};

}  // namespace

// GET /api/v1/stream/:source_id[?start_time=<ns>][&limit=N]: text/event-stream, one
// `id: <timestamp>` + `data: <envelope JSON>` event per envelope, live until the client
// goes (or after limit envelopes, for tools that want a bounded read). Last-Event-ID resumes
// just after that envelope; without it or start_time, only new envelopes are sent.
base::Status logCacheStream(Api& api, Call&& call, http::Responder responder) {
  const std::string source = call.param("source_id");
  MCF_TRY(authorizeSource(api, call, source));
  auto start = integer(call, "start_time", -1);
  auto limit = integer(call, "limit", 0);
  for (auto* r : {&start, &limit})
    if (!r->ok()) return r->takeError();
  int64_t from = *start;
  if (const std::string* last = call.request.header("Last-Event-ID"); last && !last->empty()) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(last->data(), last->data() + last->size(), id);
    if (ec != std::errc() || end != last->data() + last->size() || id < 0)
      return base::makeError(Errc::kBadQuery, "The Last-Event-ID header is invalid: it must be "
                                              "the id of an event this stream sent, got '{}'",
                             *last);
    from = id + 1;
  }
  if (from < 0) {
    auto newest = api.logs.read(source, {.limit = 1, .descending = true});
    from = newest.empty() ? 0 : newest[0].timestamp_ns + 1;
  }
  http::Response head;
  head.status = 200;
  head.set("Content-Type", "text/event-stream");
  head.set("Cache-Control", "no-cache");
  head.set("X-Vcap-Request-Id", call.request_id);
  auto writer = responder.stream(std::move(head));
  if (!writer) return {};
  if (!logsWanted(call)) {
    writer->end();
    return {};
  }
  auto client = std::make_shared<SseClient>(api, source, sourceTags(api, source), writer,
                                            static_cast<size_t>(*limit));
  client->start(from);
  return {};
}

}  // namespace mcf::controller
