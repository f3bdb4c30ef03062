// Stack commands: `stacks` (the cf CLI's table) and `stemcell build` (runs
// stemcell/build-bookworm.sh, which writes the tarball the platform then offers).
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/install.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

int stacks(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting stacks as {}...\n\n", session.userName());
  auto list = session.listAll("/v3/stacks?order_by=name&per_page=5000");
  if (!list) return fail(list.error());
  std::vector<std::vector<std::string>> rows = {{"name", "description"}};
  for (const auto& s : *list) {
    std::string description = jstr(s, "description");
    if (s.value("default", false)) description += " (default)";
    rows.push_back({jstr(s, "name"), description});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

struct BuildOptions {
  std::string output;  // default: $MICROCF_HOME/stemcells
  std::string mirror;
};

int stemcellBuild(const Context& ctx, const BuildOptions& o) {
  std::string script = base::joinPath(base::shippedDir("MICROCF_STEMCELL_DIR", "stemcell"), "build-bookworm.sh");
  if (::access(script.c_str(), X_OK) != 0)
    return fail(fmt::format("{} not found or not executable: set MICROCF_STEMCELL_DIR to "
                            "microcf's stemcell/ folder",
                            script));
  std::string output = o.output.empty() ? base::joinPath(ctx.home.dir(), "stemcells") : o.output;
  std::vector<std::string> args = {script, "--output", output};
  if (!o.mirror.empty()) args.insert(args.end(), {"--mirror", o.mirror});
  fmt::print("Building stemcell bookworm into {}...\n", output);
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid < 0) return fail("cannot start the stemcell build: fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(script.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail("the stemcell build failed (see above)");
  fmt::print("OK\n\nA running platform offers the stack once it has verified and extracted it: "
             "microcf stacks\n");
  return 0;
}

}  // namespace

void addStackCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  table.add(app.add_subcommand("stacks", "List all stacks (a stack is the root filesystem apps "
                                         "run on)"),
            [&ctx] { return stacks(ctx); });
  CLI::App* stemcell = app.add_subcommand("stemcell", "Build stemcells (stack root filesystems)");
  stemcell->require_subcommand(1);
  auto o = std::make_shared<BuildOptions>();
  CLI::App* build = stemcell->add_subcommand(
      "build", "Build the bookworm stack (Debian 12 with debootstrap; needs root and the "
               "Debian mirror)");
  build->add_option("--output", o->output, "Where the tarball goes (default $MICROCF_HOME/stemcells)");
  build->add_option("--mirror", o->mirror, "Debian mirror (default: the one apt uses)");
  table.add(build, [o, &ctx] { return stemcellBuild(ctx, *o); });
}

}  // namespace mcf::cli
