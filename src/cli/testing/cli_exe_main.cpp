// cli_exe: the CLI alone (no platform linked in), for trying commands against a running
// `microcf up` while the CLI is developed; `up` only echoes its options.
#include <fmt/format.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return mcf::cli::cliMain(argc, argv, [](const mcf::cli::UpOptions& o) {
    fmt::print("up: port={} domain={} data_dir={} buildpacks_dir={}\n", o.port, o.domain,
               o.data_dir, o.buildpacks_dir);
    return 0;
  });
}
