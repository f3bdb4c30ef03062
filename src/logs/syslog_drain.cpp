// Syslog drains over TCP.
#include "logs/syslog_drain.h"

#include <fmt/format.h>

#include "base/log.h"
#include "logs/syslog_format.h"

namespace mcf::logs {

base::Result<DrainAddress> parseDrainUrl(const std::string& url) {
  size_t sep = url.find("://");
  std::string scheme = sep == std::string::npos ? "" : url.substr(0, sep);
  if (scheme == "syslog-tls" || scheme == "https" || scheme == "http")
    return base::makeError(base::Errc::kInvalid,
                           "{}:// drains are not supported by microcf yet; use a plain TCP drain "
                           "syslog://HOST:PORT",
                           scheme);
  if (scheme != "syslog")
    return base::makeError(base::Errc::kInvalid,
                           "'{}' is not a syslog drain URL; use syslog://HOST:PORT", url);
  std::string rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  DrainAddress a;
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    a.host = rest;
  } else {
    a.host = rest.substr(0, colon);
    std::string port = rest.substr(colon + 1);
    int p = 0;
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) {
      if (c < '0' || c > '9') digits = false;
      else p = p * 10 + (c - '0');
    }
    if (!digits || p < 1 || p > 65535)
      return base::makeError(base::Errc::kInvalid, "'{}' has no valid port; use syslog://HOST:PORT",
                             url);
    a.port = p;
  }
  if (a.host.empty())
    return base::makeError(base::Errc::kInvalid, "'{}' has no host; use syslog://HOST:PORT", url);
  return a;
}

SyslogDrain::SyslogDrain(loop::Loop& loop, LogStore& logs, const DrainConfig& config,
                         DrainStats& stats, std::string app_guid, std::string hostname,
                         std::string name, std::string url)
    : loop_(loop),
      logs_(logs),
      config_(config),
      stats_(stats),
      app_guid_(std::move(app_guid)),
      hostname_(std::move(hostname)),
      name_(std::move(name)),
      url_(std::move(url)),
      retry_(loop),
      notices_timer_(loop) {
  auto address = parseDrainUrl(url_);
  if (!address.ok()) {
    notice(fmt::format("Syslog drain {}: {}", name_, address.error().message));
    return;
  }
  address_ = *address;
  sub_ = logs_.subscribe(app_guid_, [this](const Envelope& e) { onEnvelope(e); });
  connect();
}

SyslogDrain::~SyslogDrain() {
  if (sub_) logs_.unsubscribe(sub_);
}

void SyslogDrain::onEnvelope(const Envelope& e) {
  queue_.push_back(frameOctetCounted(formatRfc5424(e, hostname_)));
  while (queue_.size() > config_.max_queue) {
    queue_.pop_front();
    ++stats_.dropped;
    ++dropped_unreported_;
  }
  pump();
}

void SyslogDrain::pump() {
  if (!client_ || !client_->connected()) return;
  while (!queue_.empty() && client_->queuedBytes() < config_.max_in_flight_bytes) {
    std::string frame = std::move(queue_.front());
    queue_.pop_front();
    if (!client_->write(std::move(frame)).ok()) return;  // lost: the lost callback reconnects
    ++stats_.sent;
  }
}

void SyslogDrain::connect() {
  client_ = std::make_unique<loop::TcpClient>(
      loop_, address_.host, address_.port, config_.connect_timeout_ms,
      [this](base::Status st) {
        if (!st.ok()) {
          failed(st.error().message);
          return;
        }
        if (failures_ > 0) {
          notice(fmt::format("Syslog drain {} ({}): connected again{}", name_, url_,
                             dropped_unreported_ ? fmt::format("; {} messages were dropped while "
                                                               "it was unreachable",
                                                               dropped_unreported_)
                                                 : ""));
          dropped_unreported_ = 0;
        }
        failures_ = 0;
        pump();
      },
      [this](const std::string& reason) { failed(reason); });
  client_->onDrained([this] { pump(); });
}

void SyslogDrain::failed(const std::string& reason) {
  ++failures_;
  ++stats_.failures;
  int wait = drainBackoffSeconds(failures_);
  std::string dropped = dropped_unreported_
                            ? fmt::format(" ({} messages dropped so far)", dropped_unreported_)
                            : "";
  notice(fmt::format("Syslog drain {} ({}): {}, retrying in {} s{}", name_, url_, reason, wait,
                     dropped));
  MCF_INFO("logs", "syslog drain {} of app {}: {}, retrying in {} s", url_, app_guid_, reason,
           wait);
  // The client's callback is running: it is destroyed on the next turn, with the retry.
  retry_.start(static_cast<uint64_t>(wait) * config_.backoff_unit_ms, 0, [this] {
    client_.reset();
    connect();
  });
}

void SyslogDrain::notice(std::string line) {
  notices_.push_back(std::move(line));
  if (notices_timer_.active()) return;
  notices_timer_.start(0, 0, [this] {
    auto lines = std::move(notices_);
    notices_.clear();
    for (const auto& l : lines) logs_.emit(app_guid_, "LGR", "", true, l);
  });
}

DrainManager::DrainManager(loop::Loop& loop, LogStore& logs, DrainConfig config)
    : loop_(loop), logs_(logs), config_(config) {}

void DrainManager::setAppDrains(const std::string& app_guid, const std::string& hostname,
                                const std::vector<Spec>& specs) {
  auto& mine = drains_[app_guid];
  std::map<std::string, Entry> next;
  for (const auto& spec : specs) {
    if (spec.url.empty() || next.count(spec.url)) continue;  // one drain per URL, as CF does
    auto old = mine.find(spec.url);
    if (old != mine.end() && old->second.hostname == hostname && old->second.name == spec.name) {
      next[spec.url] = std::move(old->second);
      continue;
    }
    Entry e{hostname, spec.name, nullptr};
    e.drain = std::make_unique<SyslogDrain>(loop_, logs_, config_, stats_, app_guid, hostname,
                                            spec.name, spec.url);
    next[spec.url] = std::move(e);
  }
  mine = std::move(next);
  if (mine.empty()) drains_.erase(app_guid);
}

size_t DrainManager::count() const {
  size_t n = 0;
  for (const auto& [app, m] : drains_) n += m.size();
  return n;
}

const SyslogDrain* DrainManager::find(const std::string& app_guid, const std::string& url) const {
  auto a = drains_.find(app_guid);
  if (a == drains_.end()) return nullptr;
  auto d = a->second.find(url);
  return d == a->second.end() ? nullptr : d->second.drain.get();
}

}  // namespace mcf::logs
