// DataServer: one database server process that microcf runs and keeps running in a container
// of its own (PostgreSQL, MariaDB, or one redis-server).
//
// Owns: the server's container (created on demand, with its data folder bind-mounted
// read-write at /tmp/data and, after the first start, the same IP again), the server
// process (initialised once, started, probed until ready, restarted with backoff when it
// dies), admin commands run inside its container.
// Does not own: what is in the data (the brokers say what to run), the IP's persistence (the
// broker keeps it in its state file; on_ip tells it).
// Thread: the loop's. Callbacks run on the loop.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "loop/loop.h"
#include "runner/backend.h"

namespace mcf::services::builtin {

struct ServerRecipe {
  std::string name;      // "PostgreSQL" (logs and errors)
  std::string handle;    // the container's handle
  std::string data_dir;  // host folder shown at /tmp/data, owned by vcap
  int memory_mb = 0;     // 0 = unlimited
  // Runs once, before the first start, when data_dir/init_marker is missing; empty = none.
  std::vector<std::string> init;
  std::string init_marker;
  // The server's argv given the address it listens on (the container's IP, or 127.0.0.1
  // when containers share the host's network).
  std::function<std::vector<std::string>(const std::string& listen_ip)> command;
  // Exits 0 once the server accepts connections.
  std::vector<std::string> ready_probe;
  // Runs on the host before every start (e.g. removing a stale pid file of a killed server).
  std::function<void()> before_start;
  int stop_signal = 15;  // what asks the server to shut down cleanly
  std::vector<std::string> env;  // the processes' environment besides PATH/HOME
};

struct ServerTiming {
  uint64_t probe_interval_ms = 250;
  int probe_attempts = 240;           // ~60 s until a start counts as failed
  uint64_t first_backoff_ms = 1000;   // restart delay after a crash, doubling
  uint64_t max_backoff_ms = 30000;
};

class DataServer {
 public:
  DataServer(loop::Loop& loop, runner::Backend& backend, ServerRecipe recipe,
             ServerTiming timing = {});
  ~DataServer();
  DataServer(const DataServer&) = delete;
  DataServer& operator=(const DataServer&) = delete;

  // The IP to ask for when the container is created (the one recorded last time); "" = any.
  void setPreferredIp(std::string ip) { preferred_ip_ = std::move(ip); }
  // Called with the container's IP each time a container is created.
  std::function<void(const std::string& ip)> on_ip;

  // Starts the server unless it is ready; done runs once it is ready or failed to start.
  void ensure(std::function<void(base::Status)> done);
  // Runs argv inside the server's container (as vcap) once the server is ready; done gets
  // stdout and stderr together, or an error naming the exit status and the output.
  void admin(std::vector<std::string> argv, std::function<void(base::Result<std::string>)> done,
             std::vector<std::string> env = {});
  // Asks the server to stop (stop_signal); done runs when it exited, or at once.
  void shutdown(std::function<void()> done);
  // Kills the server and removes the container (its data folder stays).
  void destroy();

  bool ready() const { return state_ == State::kReady; }
  // Where apps reach it: the container's IP ("" before the first start).
  const std::string& ip() const { return ip_; }
  // The server's process as the backend knows it (0 when it is not running).
  int pid() const { return server_pid_; }
  const std::string& handle() const { return recipe_.handle; }
  int restarts() const { return restarts_; }

 private:
  enum class State { kStopped, kStarting, kReady, kBackoff, kShuttingDown };
  void start();
  void runServer();
  void probe(int attempt);
  void startFailed(const std::string& why);
  void scheduleRestart();
  void onServerExit(const runner::ProcessExit& exit);
  void finishWaiters(const base::Status& st);
  // Runs argv and collects its output; done gets (exit status, output).
  void runCollect(const std::vector<std::string>& argv, std::vector<std::string> env,
                  std::function<void(int, std::string)> done);
  std::vector<std::string> baseEnv() const;

  loop::Loop& loop_;
  runner::Backend& backend_;
  ServerRecipe recipe_;
  ServerTiming timing_;
  State state_ = State::kStopped;
  bool container_ = false;
  std::string ip_;
  std::string preferred_ip_;
  int server_pid_ = 0;
  int restarts_ = 0;
  int generation_ = 0;  // of the server process; exits of older ones are ignored
  uint64_t backoff_ms_ = 0;
  std::deque<std::string> last_output_;
  std::vector<std::function<void(base::Status)>> waiters_;
  std::function<void()> on_stopped_;
  std::unique_ptr<loop::Timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Quotes s for a POSIX shell (single quotes).
std::string shellQuote(const std::string& s);

}  // namespace mcf::services::builtin
