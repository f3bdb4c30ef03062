// The runner's benchmark driver: the LinuxBackend on a loop, timed from inside.
#include "daemon/runner_bench.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/strutil.h"
#include "daemon/paths.h"
#include "loop/loop.h"
#include "runner/linux_backend.h"

namespace mcf::daemon {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// KiB of memory in use by the whole machine (MemTotal - MemAvailable).
long usedKib() {
  auto text = base::readFile("/proc/meminfo");
  long total = 0, avail = 0;
  if (!text.ok()) return 0;
  for (const auto& line : base::split(*text, '\n')) {
    if (line.rfind("MemTotal:", 0) == 0) total = std::atol(line.c_str() + 9);
    if (line.rfind("MemAvailable:", 0) == 0) avail = std::atol(line.c_str() + 13);
  }
  return total - avail;
}

long selfRssKib() {
  auto text = base::readFile("/proc/self/status");
  if (!text.ok()) return 0;
  for (const auto& line : base::split(*text, '\n')) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: microcf __runner-bench runs N [--network]\n"
               "       microcf __runner-bench sleepers N [--network]\n");
  return 2;
}

struct Bench {
  loop::Loop loop;
  std::string root;
  std::unique_ptr<runner::LinuxBackend> backend;
  bool network = false;
  int next = 0;

  base::Status open() {
    char tmpl[] = "/tmp/microcf-runner-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) return base::makeError(base::Errc::kIo, "cannot make a temp dir");
    root = tmpl;
    DaemonOptions options;
    options.data_dir = root;
    auto paths = resolvePaths(options);
    if (!paths.ok()) return paths.takeError();
    runner::LinuxBackendConfig config;
    config.depot_dir = root + "/depot";
    config.stemcell_dir = paths->stemcell;
    config.max_containers = 4096;
    // Its own subnet, so that it runs beside a microcf; none without --network.
    config.subnet = network ? "10.254.252.0/22" : "";
    auto b = runner::LinuxBackend::open(loop, config);
    if (!b.ok()) return b.takeError();
    backend = std::move(*b);
    return {};
  }
  ~Bench() {
    backend.reset();
    if (!root.empty()) (void)base::removeTree(root);
  }

  base::Result<std::string> create() {
    runner::ContainerSpec spec;
    spec.handle = "bench-" + std::to_string(next++);
    spec.network = network;
    return backend->create(spec);
  }

  // Runs path in the container and waits for its exit; returns the status.
  base::Result<int> runToExit(const std::string& handle, const std::string& path) {
    int status = -1;
    auto pid = backend->run(handle, {.path = path}, {},
                            [&](const runner::ProcessExit& e) { status = e.status; });
    if (!pid.ok()) return pid.takeError();
    loop.runUntil([&] { return status >= 0; });
    return status;
  }
};

int runs(Bench& b, int n) {
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    auto handle = b.create();
    if (!handle.ok()) return std::fprintf(stderr, "create: %s\n", handle.error().message.c_str()), 1;
    double created = msSince(start);
    auto status = b.runToExit(*handle, "/bin/true");
    double ran = msSince(start);
    if (!status.ok() || *status != 0) {
      std::fprintf(stderr, "run /bin/true: %s\n",
                   status.ok() ? ("exit " + std::to_string(*status)).c_str()
                               : status.error().message.c_str());
      return 1;
    }
    if (auto st = b.backend->destroy(*handle); !st.ok()) {
      return std::fprintf(stderr, "destroy: %s\n", st.error().message.c_str()), 1;
    }
    double total = msSince(start);
    // Total first (what bench/containers.sh reads), then each step.
    std::printf("run %.3f create %.3f run %.3f destroy %.3f\n", total, created, ran - created,
                total - ran);
    std::fflush(stdout);
  }
  return 0;
}

int sleepers(Bench& b, int n) {
  long used_before = usedKib();
  long rss_before = selfRssKib();
  auto start = Clock::now();
  std::vector<std::string> handles;
  for (int i = 0; i < n; ++i) {
    auto handle = b.create();
    if (!handle.ok()) return std::fprintf(stderr, "create: %s\n", handle.error().message.c_str()), 1;
    auto pid = b.backend->run(*handle, {.path = "/bin/sleep", .args = {"600"}}, {},
                              [](const runner::ProcessExit&) {});
    if (!pid.ok()) return std::fprintf(stderr, "run: %s\n", pid.error().message.c_str()), 1;
    handles.push_back(*handle);
  }
  double secs = msSince(start) / 1000.0;
  ::sleep(1);  // let the sleepers settle before reading memory
  double kernel_kib = double(usedKib() - used_before) / n;
  double rss_kib = double(selfRssKib() - rss_before) / n;
  std::printf("sleepers %d %.3f %.1f %.1f\n", n, secs, kernel_kib, rss_kib);
  for (const auto& h : handles) (void)b.backend->destroy(h);
  // As in microcf: the loop reaps what destroy killed, and the runner removes their cgroups.
  loop::Timer settle(b.loop);
  bool settled = false;
  settle.start(500, 0, [&] { settled = true; });
  b.loop.runUntil([&] { return settled; });
  return 0;
}

}  // namespace

int runnerBenchMain(int argc, char** argv) {
  // argv: microcf __runner-bench MODE N [--network]
  if (argc < 4) return usage();
  std::string mode = argv[2];
  int n = std::atoi(argv[3]);
  if (n <= 0 || (mode != "runs" && mode != "sleepers")) return usage();
  Bench b;
  for (int i = 4; i < argc; ++i) {
    if (strcmp(argv[i], "--network") == 0) b.network = true;
    else return usage();
  }
  if (auto st = b.open(); !st.ok()) {
    std::fprintf(stderr, "microcf: %s\n", st.error().message.c_str());
    return 1;
  }
  return mode == "runs" ? runs(b, n) : sleepers(b, n);
}

}  // namespace mcf::daemon
