// Instance: one actual instance of a process and the legal moves of its state machine.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "logs/rate_limiter.h"
#include "loop/loop.h"
#include "model/model.h"
#include "scheduler/process_output.h"

namespace mcf::scheduler {

// STARTING → RUNNING → CRASHED | STOPPING → DOWN; STARTING → CRASHED | STOPPING;
// CRASHED → STARTING (restart) | DOWN. Anything else is a bug.
bool legalTransition(model::InstanceState from, model::InstanceState to);

// How many of the app's last output lines an instance keeps.
constexpr size_t kLastOutputLines = 5;

struct Instance {
  std::string guid;          // instance guid; also the container handle and hostname
  std::string app_guid;
  std::string process_guid;
  std::string process_type;
  std::string version;       // process version it was started for
  int index = 0;
  model::InstanceState state = model::InstanceState::kStarting;
  int64_t since_ns = 0;         // entered the current state
  int64_t started_ms = 0;       // steady clock, when it became RUNNING
  std::string host;             // where the router and health checks reach it
  int port = 0;
  bool host_port = false;       // port was assigned from the host's range (shared network)
  int pid = 0;                  // host pid of the process in the container
  bool container = false;       // a container exists for it
  int crash_count = 0;
  int64_t restart_at_ms = -1;   // steady clock; -1 = never (gave up)
  std::string details;          // why it crashed
  std::string health_error;     // last failed probe, for messages
  model::HealthCheck health;    // the process's check when the instance started
  model::HealthCheck readiness; // decides routable once RUNNING ("process": always)
  bool routable = false;        // the router has it
  bool readiness_probing = false;
  std::deque<std::string> last_output;  // the app's last lines: why it did not start
  std::vector<std::string> env; // "K=V": what the launcher got (shells get it too)
  bool probing = false;         // a probe is in flight
  uint64_t startup_poll_ms = 0; // delay before the next startup probe
  bool killed_by_health = false;
  uint64_t cpu_ns = 0;          // the container's CPU time at the last look, and when
  int64_t cpu_sampled_ns = 0;
  std::unique_ptr<loop::Timer> health_timer;
  std::unique_ptr<loop::Timer> readiness_timer;
  std::unique_ptr<loop::Timer> kill_timer;
  std::unique_ptr<loop::Timer> drain_timer;  // out of routing, SIGTERM when it fires
  ProcessOutput output;
  logs::LogRateLimiter log_limit;  // the process's log_rate_limit_in_bytes_per_second
};

}  // namespace mcf::scheduler
