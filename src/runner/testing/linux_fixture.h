// The fixture of LinuxBackend's privileged tests: a scratch depot and a backend pointed at the
// helper this build made, plus small helpers. Root only: privileged() says so and skips.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/fs.h"
#include "loop/loop.h"
#include "runner/depot.h"
#include "runner/linux_backend.h"
#include "runner/runner_test_paths.h"

namespace mcf::runner::testing {

using mcf::base::readFile;


inline bool privileged() {
  if (::geteuid() == 0) return true;
  MESSAGE("skipped: LinuxBackend tests need root (namespaces, mounts)");
  return false;
}

struct Ran {
  std::string out;
  std::string err;
  int status = -1;
};

// A scratch depot, lifecycle dir and backend pointed at the test helper.
struct Fixture {
  mcf::loop::Loop loop;
  std::string root;
  std::string depot;
  std::string lifecycle;
  std::unique_ptr<LinuxBackend> backend;

  Fixture() {
    char tmpl[] = "/tmp/mcf-runner-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    root = tmpl;
    depot = root + "/depot";
    lifecycle = root + "/lifecycle";
    REQUIRE(mcf::base::makeDirs(lifecycle).ok());
    REQUIRE(mcf::base::writeFileAtomic(lifecycle + "/launcher", "#!/bin/sh\necho launched\n", 0755).ok());
    REQUIRE_MESSAGE(::access(MCF_RUNNER_HELPER, X_OK) == 0,
                    "build the helper first: ninja -C <build dir> microcf-container");
    auto b = LinuxBackend::open(loop, config());
    REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
    backend = std::move(*b);
  }
  ~Fixture() {
    backend.reset();
    (void)mcf::base::removeTree(root);
  }

  LinuxBackendConfig config() const {
    LinuxBackendConfig c;
    c.depot_dir = depot;
    c.lifecycle_dir = lifecycle;
    c.stemcell_dir = MCF_STEMCELL_DIR;
    c.helper_exe = MCF_RUNNER_HELPER;
    c.subnet = "10.254.248.0/22";  // not the default: a microcf may be running beside the tests
    return c;
  }

  // Runs until done() or until timeout_ms passes.
  void runUntil(const std::function<bool()>& done, uint64_t timeout_ms = 10000) {
    bool timed_out = false;
    mcf::loop::Timer timer(loop);
    timer.start(timeout_ms, 0, [&] { timed_out = true; });
    loop.runUntil([&] { return done() || timed_out; });
    REQUIRE_MESSAGE(!timed_out, "timed out");
  }

  Ran run(const std::string& handle, ProcessSpec spec) {
    Ran r;
    auto pid = backend->run(
        handle, spec, {[&](std::string_view s) { r.out += s; }, [&](std::string_view s) { r.err += s; }},
        [&](const ProcessExit& e) { r.status = e.status; });
    REQUIRE_MESSAGE(pid.ok(), (pid.ok() ? "" : pid.error().message));
    runUntil([&] { return r.status >= 0; });
    return r;
  }

  Ran sh(const std::string& handle, const std::string& script, const std::string& user = "vcap") {
    ProcessSpec spec;
    spec.path = "/bin/sh";
    spec.args = {"-c", script};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.user = user;
    return run(handle, spec);
  }

  std::string create(ContainerSpec spec = {}) {
    auto h = backend->create(spec);
    REQUIRE_MESSAGE(h.ok(), (h.ok() ? "" : h.error().message));
    return *h;
  }

  // Whether pid is gone within 5 s; runs the loop meanwhile, which reaps our own children.
  bool gone(int pid) {
    for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
      mcf::loop::Timer tick(loop);
      bool fired = false;
      tick.start(10, 0, [&] { fired = true; });
      loop.runUntil([&] { return fired; });
    }
    return ::kill(pid, 0) != 0;
  }

  DepotState state(const std::string& handle) {
    auto text = readFile(depot + "/" + handle + "/state.json");
    REQUIRE(text.ok());
    auto s = parseDepotState(*text);
    REQUIRE(s.ok());
    return *s;
  }
};

inline bool mountinfoMentions(const std::string& path) {
  auto text = readFile("/proc/self/mountinfo");
  return text.ok() && text->find(path) != std::string::npos;
}

inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace mcf::runner::testing
