// Dispatch of `microcf __container <command> ...`.
#include "runner/container_main.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mcf::runner {

namespace {
char* g_args = nullptr;  // argv[1] .. the end of the last argument, as the kernel laid them out
size_t g_args_len = 0;
}  // namespace

void hideArguments() {
  if (g_args) std::memset(g_args, 0, g_args_len);
}

int containerMain(int argc, char** argv) {
  if (argc > 1) {
    g_args = argv[1];
    g_args_len = static_cast<size_t>(argv[argc - 1] + std::strlen(argv[argc - 1]) - argv[1]);
  }
  int i = 1;
  if (i < argc && std::string(argv[i]) == "__container") ++i;
  std::string command = i < argc ? argv[i] : "";
  if (command == "init" && argc - i >= 2) {
    int ready_fd = argc - i >= 3 ? std::atoi(argv[i + 2]) : -1;
    int control = argc - i >= 4 ? std::atoi(argv[i + 3]) : -1;
    return initMain(argv[i + 1], ready_fd, control);
  }
  if (command == "factory" && argc - i >= 2) return factoryMain(std::atoi(argv[i + 1]));
  std::fprintf(stderr,
               "usage: microcf __container init <depot dir> [ready fd] [control fd]\n"
               "       microcf __container factory <control fd>\n"
               "These are microcf's own container helpers; `microcf up` runs them.\n");
  return 2;
}

}  // namespace mcf::runner
