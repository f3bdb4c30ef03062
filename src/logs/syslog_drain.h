// Syslog drains: every envelope of an app forwarded to the syslog_drain_url of the service
// instances it is bound to, as RFC 5424 over TCP with octet counting (Loggregator's syslog
// egress, CF-CONTRACT §6).
//
// Owns: one connection per (app, drain URL), its bounded queue, reconnects with backoff, and
// the LGR lines that tell the app's log about drain trouble. Does not own: which drains an app
// has (the daemon reads bindings from the store and calls setAppDrains). Thread: the loop's;
// nothing here blocks it (connects, name lookups and writes are asynchronous).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "logs/log_store.h"
#include "loop/loop.h"
#include "loop/tcp_client.h"

namespace mcf::logs {

struct DrainConfig {
  size_t max_queue = 10000;           // frames waiting per drain; the oldest go first
  uint64_t connect_timeout_ms = 5000;
  size_t max_in_flight_bytes = 256 * 1024;  // handed to the socket but not yet to the kernel
  uint64_t backoff_unit_ms = 1000;  // drainBackoffSeconds() counts in these (tests shorten it)
};

// Totals over every drain, for /metrics.
struct DrainStats {
  uint64_t sent = 0;       // frames handed to a connection
  uint64_t dropped = 0;    // frames dropped because the queue was full
  uint64_t failures = 0;   // failed connects and lost connections
};

// "syslog://host:port[/...]" → host and port (514 when absent). kInvalid with what to do for
// other schemes (syslog-tls://, https:// are not supported yet) or a malformed URL.
struct DrainAddress {
  std::string host;
  int port = 514;
};
base::Result<DrainAddress> parseDrainUrl(const std::string& url);

class SyslogDrain {
 public:
  // Subscribes to the app's envelopes at once; connects, and reconnects after failures with
  // drainBackoffSeconds(). name is the service instance's, for LGR lines.
  SyslogDrain(loop::Loop& loop, LogStore& logs, const DrainConfig& config, DrainStats& stats,
              std::string app_guid, std::string hostname, std::string name, std::string url);
  ~SyslogDrain();
  SyslogDrain(const SyslogDrain&) = delete;
  SyslogDrain& operator=(const SyslogDrain&) = delete;

  size_t queued() const { return queue_.size(); }
  bool connected() const { return client_ && client_->connected(); }

 private:
  void onEnvelope(const Envelope& e);
  void connect();
  void pump();
  void failed(const std::string& reason);
  // LGR lines wait for a turn of the loop: never appended from inside a LogStore callback.
  void notice(std::string line);

  loop::Loop& loop_;
  LogStore& logs_;
  DrainConfig config_;
  DrainStats& stats_;
  std::string app_guid_, hostname_, name_, url_;
  DrainAddress address_;
  uint64_t sub_ = 0;
  std::deque<std::string> queue_;
  std::unique_ptr<loop::TcpClient> client_;
  loop::Timer retry_;
  loop::Timer notices_timer_;
  std::vector<std::string> notices_;
  int failures_ = 0;
  uint64_t dropped_unreported_ = 0;
};

// Every app's drains. setAppDrains makes an app's drains exactly the given ones: new URLs
// start, removed ones stop (dropping what they still queue), unchanged ones keep their
// connection and queue.
class DrainManager {
 public:
  DrainManager(loop::Loop& loop, LogStore& logs, DrainConfig config = {});

  struct Spec {
    std::string url;
    std::string name;  // the service instance's name
  };
  // hostname: "org.space.app" as Loggregator names the app in the syslog header.
  void setAppDrains(const std::string& app_guid, const std::string& hostname,
                    const std::vector<Spec>& specs);
  size_t count() const;
  const DrainStats& stats() const { return stats_; }
  const SyslogDrain* find(const std::string& app_guid, const std::string& url) const;

 private:
  struct Entry {
    std::string hostname, name;
    std::unique_ptr<SyslogDrain> drain;
  };
  loop::Loop& loop_;
  LogStore& logs_;
  DrainConfig config_;
  DrainStats stats_;
  std::map<std::string, std::map<std::string, Entry>> drains_;  // app guid → url → drain
};

}  // namespace mcf::logs
