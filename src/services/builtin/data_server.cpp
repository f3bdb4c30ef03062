#include "services/builtin/data_server.h"

#include <signal.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"

namespace mcf::services::builtin {

using base::Errc;
using base::makeError;

namespace {
constexpr size_t kKeptLines = 20;
constexpr const char* kDataMount = "/tmp/data";
}  // namespace

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

DataServer::DataServer(loop::Loop& loop, runner::Backend& backend, ServerRecipe recipe,
                       ServerTiming timing)
    : loop_(loop), backend_(backend), recipe_(std::move(recipe)), timing_(timing) {}

DataServer::~DataServer() {
  *alive_ = false;
  timer_.reset();
}

std::vector<std::string> DataServer::baseEnv() const {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                                  "HOME=/home/vcap", "LANG=C.UTF-8"};
  env.insert(env.end(), recipe_.env.begin(), recipe_.env.end());
  return env;
}

void DataServer::ensure(std::function<void(base::Status)> done) {
  if (state_ == State::kReady) {
    done({});
    return;
  }
  waiters_.push_back(std::move(done));
  if (state_ == State::kStopped || state_ == State::kBackoff) {
    timer_.reset();
    start();
  }
}

void DataServer::finishWaiters(const base::Status& st) {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w(st);
}

void DataServer::start() {
  state_ = State::kStarting;
  if (!container_) {
    (void)backend_.destroy(recipe_.handle);  // a leftover of an earlier run, if any
    auto ids = backend_.vcapHostIds();
    if (auto st = base::makeDirs(recipe_.data_dir, 0700); !st.ok()) {
      startFailed(st.error().message);
      return;
    }
    if (auto st = base::chownTree(recipe_.data_dir, static_cast<int>(ids.uid),
                                  static_cast<int>(ids.gid));
        !st.ok()) {
      startFailed(st.error().message);
      return;
    }
    runner::ContainerSpec spec;
    spec.handle = recipe_.handle;
    spec.hostname = recipe_.handle.substr(0, 63);
    spec.limits.memory_mb = recipe_.memory_mb;
    spec.limits.disk_mb = 0;
    spec.ip = preferred_ip_;
    spec.bind_mounts = {{recipe_.data_dir, kDataMount, false}};
    spec.properties = {{"kind", "service"}, {"service", recipe_.name}};
    auto created = backend_.create(spec);
    if (!created.ok() && !preferred_ip_.empty()) {
      MCF_WARN("services", "{}: its address {} is taken ({}); it gets a new one, and bindings "
               "made before must be made again", recipe_.name, preferred_ip_,
               created.error().message);
      spec.ip.clear();
      created = backend_.create(spec);
    }
    if (!created.ok()) {
      startFailed("creating its container failed: " + created.error().message);
      return;
    }
    container_ = true;
    auto info = backend_.info(recipe_.handle);
    if (!info.ok()) {
      startFailed(info.error().message);
      return;
    }
    ip_ = info->ip.empty() ? "127.0.0.1" : info->ip;
    preferred_ip_ = info->ip;
    if (on_ip) on_ip(ip_);
  }
  if (!recipe_.init.empty() &&
      !base::pathExists(base::joinPath(recipe_.data_dir, recipe_.init_marker))) {
    MCF_INFO("services", "{}: initialising its data in {}", recipe_.name, recipe_.data_dir);
    std::weak_ptr<bool> alive = alive_;
    runCollect(recipe_.init, {}, [this, alive](int status, std::string out) {
      if (alive.expired()) return;
      if (status != 0) {
        startFailed(fmt::format("initialising its data failed (exit status {}): {}", status,
                                base::trim(out)));
        return;
      }
      runServer();
    });
    return;
  }
  runServer();
}

void DataServer::runServer() {
  if (recipe_.before_start) {
    recipe_.before_start();
    // What it wrote belongs to the server's user too.
    auto ids = backend_.vcapHostIds();
    (void)base::chownTree(recipe_.data_dir, static_cast<int>(ids.uid), static_cast<int>(ids.gid));
  }
  auto argv = recipe_.command(ip_);
  runner::ProcessSpec proc;
  proc.path = argv.at(0);
  proc.args.assign(argv.begin() + 1, argv.end());
  proc.env = baseEnv();
  proc.dir = kDataMount;
  proc.user = "vcap";
  std::weak_ptr<bool> alive = alive_;
  auto keep = [this, alive](std::string_view text) {
    if (alive.expired()) return;
    for (auto& line : base::split(std::string(text), '\n')) {
      if (base::trim(line).empty()) continue;
      last_output_.push_back(line);
      if (last_output_.size() > kKeptLines) last_output_.pop_front();
    }
  };
  runner::ProcessIO io;
  io.on_stdout = keep;
  io.on_stderr = keep;
  int generation = ++generation_;
  auto pid = backend_.run(recipe_.handle, proc, std::move(io),
                          [this, alive, generation](const runner::ProcessExit& e) {
                            if (!alive.expired() && generation == generation_) onServerExit(e);
                          });
  if (!pid.ok()) {
    // The container may be gone (its pid 1 died): the next start makes a new one.
    (void)backend_.destroy(recipe_.handle);
    container_ = false;
    startFailed("starting it failed: " + pid.error().message);
    return;
  }
  server_pid_ = *pid;
  probe(0);
}

void DataServer::probe(int attempt) {
  if (state_ != State::kStarting || server_pid_ == 0) return;
  std::weak_ptr<bool> alive = alive_;
  int pid = server_pid_;
  runCollect(recipe_.ready_probe, {}, [this, alive, attempt, pid](int status, std::string) {
    if (alive.expired() || state_ != State::kStarting || server_pid_ != pid) return;
    if (status == 0) {
      state_ = State::kReady;
      backoff_ms_ = 0;
      MCF_INFO("services", "{} is ready on {}", recipe_.name, ip_);
      finishWaiters({});
      return;
    }
    if (attempt + 1 >= timing_.probe_attempts) {
      (void)backend_.signal(server_pid_, SIGKILL);
      startFailed("it did not accept connections in time");
      return;
    }
    timer_ = std::make_unique<loop::Timer>(loop_);
    timer_->start(timing_.probe_interval_ms, 0, [this, attempt] { probe(attempt + 1); });
  });
}

void DataServer::startFailed(const std::string& why) {
  std::string detail = why;
  if (!last_output_.empty()) detail += "; its last output: " + last_output_.back();
  MCF_WARN("services", "{} could not start: {}", recipe_.name, detail);
  bool background = waiters_.empty();  // a restart after a crash: nobody waits, try again
  if (server_pid_ == 0) state_ = State::kStopped;
  finishWaiters(makeError(Errc::kUnavailable, "{} could not start: {}", recipe_.name, detail));
  if (background && state_ == State::kStopped) scheduleRestart();
}

void DataServer::scheduleRestart() {
  backoff_ms_ = backoff_ms_ == 0 ? timing_.first_backoff_ms
                                 : std::min(backoff_ms_ * 2, timing_.max_backoff_ms);
  state_ = State::kBackoff;
  timer_ = std::make_unique<loop::Timer>(loop_);
  timer_->start(backoff_ms_, 0, [this] {
    if (state_ != State::kBackoff) return;
    start();
  });
}

void DataServer::onServerExit(const runner::ProcessExit& exit) {
  server_pid_ = 0;
  timer_.reset();
  State was = state_;
  if (was == State::kShuttingDown) {
    state_ = State::kStopped;
    if (auto done = std::move(on_stopped_)) done();
    return;
  }
  std::string last = last_output_.empty() ? "" : ": " + last_output_.back();
  // Whatever it left running (a killed postmaster's backends) goes with it.
  if (container_) (void)backend_.stop(recipe_.handle, true);
  if (was == State::kStarting) {
    state_ = State::kStopped;
    finishWaiters(makeError(Errc::kUnavailable, "{} exited while starting (exit status {}){}",
                            recipe_.name, exit.status, last));
    return;
  }
  ++restarts_;
  scheduleRestart();
  MCF_WARN("services", "{} exited (status {}){}; restarting it in {} ms", recipe_.name,
           exit.status, last, backoff_ms_);
}

void DataServer::runCollect(const std::vector<std::string>& argv, std::vector<std::string> env,
                            std::function<void(int, std::string)> done) {
  runner::ProcessSpec proc;
  proc.path = argv.at(0);
  proc.args.assign(argv.begin() + 1, argv.end());
  proc.env = baseEnv();
  proc.env.insert(proc.env.end(), env.begin(), env.end());
  proc.dir = kDataMount;
  proc.user = "vcap";
  auto out = std::make_shared<std::string>();
  runner::ProcessIO io;
  io.on_stdout = [out](std::string_view t) {
    if (out->size() < 65536) out->append(t);
  };
  io.on_stderr = io.on_stdout;
  auto pid = backend_.run(recipe_.handle, proc, std::move(io),
                          [out, done](const runner::ProcessExit& e) { done(e.status, *out); });
  if (!pid.ok()) done(-1, pid.error().message);
}

void DataServer::admin(std::vector<std::string> argv,
                       std::function<void(base::Result<std::string>)> done,
                       std::vector<std::string> env) {
  std::weak_ptr<bool> alive = alive_;
  ensure([this, alive, argv = std::move(argv), done = std::move(done),
          env = std::move(env)](base::Status st) mutable {
    if (alive.expired()) return;
    if (!st.ok()) {
      done(st.error());
      return;
    }
    std::string what = argv.at(0);
    runCollect(argv, std::move(env), [done, what](int status, std::string out) {
      if (status != 0) {
        done(makeError(Errc::kInternal, "{} failed (exit status {}): {}", what, status,
                       base::trim(out)));
        return;
      }
      done(std::move(out));
    });
  });
}

void DataServer::shutdown(std::function<void()> done) {
  timer_.reset();
  if (server_pid_ == 0) {
    state_ = State::kStopped;
    done();
    return;
  }
  state_ = State::kShuttingDown;
  on_stopped_ = std::move(done);
  (void)backend_.signal(server_pid_, recipe_.stop_signal);
}

void DataServer::destroy() {
  timer_.reset();
  ++generation_;  // its exit is expected
  if (container_) (void)backend_.destroy(recipe_.handle);
  container_ = false;
  server_pid_ = 0;
  state_ = State::kStopped;
  ip_.clear();
  finishWaiters(makeError(Errc::kUnavailable, "{} was removed", recipe_.name));
}

}  // namespace mcf::services::builtin
