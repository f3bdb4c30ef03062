// cliMain as a user meets it: exit codes and messages, with no platform running.
#include "cli/cli.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/ids.h"
#include "base/unique_fd.h"

namespace {

using mcf::base::UniqueFd;

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs cliMain with stdout/stderr captured and stdin at /dev/null (no TTY).
Run run(std::vector<std::string> args,
        const std::function<int(const mcf::cli::UpOptions&)>& up = nullptr) {
  std::string base = "/tmp/microcf-cli-run-" + mcf::base::randomHex(6);
  std::fflush(stdout);
  std::fflush(stderr);
  std::cout.flush();
  UniqueFd saved_out(::dup(1)), saved_err(::dup(2)), saved_in(::dup(0));
  {
    UniqueFd out(::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    UniqueFd err(::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
    UniqueFd in(::open("/dev/null", O_RDONLY));
    ::dup2(out.get(), 1);
    ::dup2(err.get(), 2);
    ::dup2(in.get(), 0);
  }
  args.insert(args.begin(), "microcf");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Run r;
  r.code = mcf::cli::cliMain(static_cast<int>(args.size()), argv.data(), up);
  std::fflush(stdout);
  std::fflush(stderr);
  std::cout.flush();
  std::cerr.flush();
  ::dup2(saved_out.get(), 1);
  ::dup2(saved_err.get(), 2);
  ::dup2(saved_in.get(), 0);
  r.out = mcf::base::readFile(base + ".out").value();
  r.err = mcf::base::readFile(base + ".err").value();
  ::unlink((base + ".out").c_str());
  ::unlink((base + ".err").c_str());
  return r;
}

struct TempHome {
  std::string dir = "/tmp/microcf-cli-home-" + mcf::base::randomHex(6);
  TempHome() {
    REQUIRE(mcf::base::makeDirs(dir).ok());
    ::setenv("MICROCF_HOME", dir.c_str(), 1);
  }
  ~TempHome() {
    ::unsetenv("MICROCF_HOME");
    (void)mcf::base::removeTree(dir);
  }
  void write(const std::string& rel, const std::string& text) {
    std::string path = mcf::base::joinPath(dir, rel);
    REQUIRE(mcf::base::makeDirs(path.substr(0, path.rfind('/'))).ok());
    REQUIRE(mcf::base::writeFileAtomic(path, text).ok());
  }
  void daemonAt(int port) {
    write("daemon.json", "{\"api\":\"http://api.localhost:" + std::to_string(port) +
                             "\",\"port\":" + std::to_string(port) + ",\"pid\":1}");
    write("admin-credentials", R"({"username":"admin","password":"pw"})");
  }
};

// A loopback listener that never answers: tells whether anyone connected.
struct Listener {
  UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)};
  int port = 0;
  Listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd.get(), 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
  }
  bool contacted() {
    int c = ::accept(fd.get(), nullptr, nullptr);
    if (c >= 0) ::close(c);
    return c >= 0;
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("--version and --help exit 0; no command prints the help") {
  Run v = run({"--version"});
  CHECK(v.code == 0);
  CHECK(has(v.out, "microcf version " MICROCF_VERSION));
  Run h = run({"--help"});
  CHECK(h.code == 0);
  CHECK(has(h.out, "push"));
  CHECK(has(h.out, "up"));
  Run none = run({});
  CHECK(none.code == 0);
  CHECK(has(none.out, "Subcommands:"));
}

TEST_CASE("unknown commands and wrong flags exit 1 with CLI11's message") {
  Run unknown = run({"frobnicate"});
  CHECK(unknown.code == 1);
  CHECK(has(unknown.err, "frobnicate"));
  Run flag = run({"push", "--no-such-flag"});
  CHECK(flag.code == 1);
  CHECK(has(flag.err, "--no-such-flag"));
  Run missing = run({"app"});
  CHECK(missing.code == 1);
  CHECK(has(missing.err, "name is required"));
}

TEST_CASE("up passes its flags to the platform's function") {
  mcf::cli::UpOptions seen;
  auto up = [&](const mcf::cli::UpOptions& o) {
    seen = o;
    return 7;
  };
  Run r = run({"up", "--port", "9090", "--domain", "example.test", "--data-dir", "/d",
               "--buildpacks-dir", "/b"},
              up);
  CHECK(r.code == 7);
  CHECK(seen.port == 9090);
  CHECK(seen.domain == "example.test");
  CHECK(seen.data_dir == "/d");
  CHECK(seen.buildpacks_dir == "/b");
  Run defaults = run({"up"}, up);
  CHECK(seen.port == 8080);
  CHECK(seen.domain == "localhost");
  CHECK(run({"up", "--port", "http"}, up).code == 1);
}

TEST_CASE("up takes the staging slots and timeout, and refuses bad values with the reason") {
  mcf::cli::UpOptions seen;
  auto up = [&](const mcf::cli::UpOptions& o) {
    seen = o;
    return 7;
  };
  CHECK(run({"up"}, up).code == 7);
  CHECK(seen.max_stagings == 0);
  CHECK(seen.staging_timeout_ms == 15 * 60 * 1000);
  CHECK(run({"up", "--max-stagings", "1", "--staging-timeout", "90s"}, up).code == 7);
  CHECK(seen.max_stagings == 1);
  CHECK(seen.staging_timeout_ms == 90 * 1000);
  CHECK(run({"up", "--staging-timeout", "1h30m"}, up).code == 7);
  CHECK(seen.staging_timeout_ms == 90 * 60 * 1000);
  CHECK(run({"up", "--max-stagings", "0"}, up).code == 1);
  Run no_unit = run({"up", "--staging-timeout", "90"}, up);
  CHECK(no_unit.code == 1);
  CHECK(has(no_unit.err, "--staging-timeout: '90' is not a duration: a unit is missing"));
  CHECK(has(no_unit.err, "e.g. 90s, 15m or 1h30m"));
  Run zero = run({"up", "--staging-timeout", "0s"}, up);
  CHECK(zero.code == 1);
  CHECK(has(zero.err, "must be between 1s and 24h"));
  CHECK_FALSE(mcf::cli::parseDuration("15x").ok());
  CHECK_FALSE(mcf::cli::parseDuration("m").ok());
  CHECK(*mcf::cli::parseDuration("2m5s") == 125000);
}

TEST_CASE("without a platform and without login: what to do") {
  TempHome home;
  Run r = run({"apps"});
  CHECK(r.code == 1);
  CHECK(has(r.err, "Not logged in. Start the platform with 'microcf up' (or use 'microcf login "
                   "-a URL')."));
  CHECK(has(r.out, "FAILED"));
}

TEST_CASE("a platform that is not running: cannot reach the API") {
  TempHome home;
  int port;
  {
    Listener gone;  // a port that was free a moment ago
    port = gone.port;
  }
  home.daemonAt(port);
  Run r = run({"apps"});
  CHECK(r.code == 1);
  CHECK(has(r.err, "Cannot reach the microcf API at http://api.localhost:" +
                       std::to_string(port)));
  CHECK(has(r.err, "Is 'microcf up' running?"));
}

TEST_CASE("a bad manifest is reported in full without contacting the API") {
  TempHome home;
  Listener api;
  home.daemonAt(api.port);
  home.write("app/manifest.yml",
             "applications:\n- name: hello\n  memory: 12\n  instances: many\n");
  home.write("app/index.html", "hi");
  for (const auto& args : {std::vector<std::string>{"push", "-f", home.dir + "/app/manifest.yml"},
                           std::vector<std::string>{"push", home.dir + "/app"}}) {
    Run r = run(args);
    CHECK(r.code == 1);
    CHECK(has(r.err, "manifest"));
    CHECK(has(r.err, "line 3"));
    CHECK(has(r.err, "line 4"));
  }
  CHECK_FALSE(api.contacted());
}

TEST_CASE("push NAME -p DIR does not read DIR's manifest, as with the cf CLI") {
  TempHome home;
  int closed_port = Listener().port;  // nothing listens there once the listener is gone
  home.daemonAt(closed_port);
  home.write("app/manifest.yml", "applications:\n- name: other\n  memory: 12\n");
  home.write("app/index.html", "hi");
  Run r = run({"push", "mine", "-p", home.dir + "/app"});
  // The bad manifest in DIR would have stopped the push before any connection.
  CHECK(has(r.err, "Cannot reach the microcf API"));
  CHECK_FALSE(has(r.err, "line 3"));
}

TEST_CASE("push checks paths and flags before contacting the API") {
  TempHome home;
  Listener api;
  home.daemonAt(api.port);
  Run missing = run({"push", "hello", "-p", home.dir + "/nope"});
  CHECK(missing.code == 1);
  CHECK(has(missing.err, "does not exist"));
  Run bad_memory = run({"push", "hello", "-p", home.dir, "-m", "12"});
  CHECK(bad_memory.code == 1);
  CHECK(has(bad_memory.err, "-m 12"));
  Run no_manifest = run({"push", "-f", home.dir + "/missing.yml"});
  CHECK(no_manifest.code == 1);
  CHECK(has(no_manifest.err, "missing.yml"));
  CHECK_FALSE(api.contacted());
}

TEST_CASE("delete without -f and without a terminal refuses") {
  TempHome home;
  Listener api;
  home.daemonAt(api.port);
  Run r = run({"delete", "hello"});
  CHECK(r.code == 1);
  CHECK(has(r.err, "microcf delete hello -f"));
  CHECK_FALSE(api.contacted());
}

TEST_CASE("login without a terminal needs -u and -p") {
  TempHome home;
  Listener api;
  Run r = run({"login", "-a", "http://api.localhost:" + std::to_string(api.port)});
  CHECK(r.code == 1);
  CHECK(has(r.err, "-u USER -p PASSWORD"));
  CHECK_FALSE(api.contacted());
}

TEST_CASE("task commands check their arguments before asking the API") {
  TempHome home;
  Listener api;
  home.daemonAt(api.port);
  Run none = run({"run-task", "hello"});
  CHECK(none.code == 1);
  CHECK(has(none.err, "the task needs a command"));
  Run twice = run({"run-task", "hello", "echo a", "--command", "echo b"});
  CHECK(twice.code == 1);
  CHECK(has(twice.err, "give the task's command once"));
  Run memory = run({"run-task", "hello", "true", "-m", "12"});
  CHECK(memory.code == 1);
  CHECK(has(memory.err, "-m 12"));
  Run id = run({"terminate-task", "hello", "first"});
  CHECK(id.code == 1);
  CHECK(has(id.err, "Value for TASK_ID must be integer"));
  Run missing = run({"terminate-task", "hello"});
  CHECK(missing.code == 1);
  CHECK_FALSE(api.contacted());
}

TEST_CASE("quota commands check sizes and counts before asking the API") {
  TempHome home;
  Listener api;
  home.daemonAt(api.port);
  Run memory = run({"create-org-quota", "small", "-m", "12"});
  CHECK(memory.code == 1);
  CHECK(has(memory.err, "invalid value '12' for -m: use a size such as 512M or 1G, or -1 for "
                        "unlimited."));
  Run count = run({"create-space-quota", "tiny", "-r", "many"});
  CHECK(count.code == 1);
  CHECK(has(count.err, "invalid value 'many' for -r: use a whole number, or -1 for unlimited."));
  Run both = run({"update-org-quota", "small", "--allow-paid-service-plans",
                  "--disallow-paid-service-plans"});
  CHECK(both.code == 1);
  CHECK(has(both.err, "cannot be used together"));
  CHECK_FALSE(api.contacted());
}
