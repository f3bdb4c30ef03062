// lifecycle_exe: a test-only binary that dispatches like src/main.cpp, or on its first argument.
#include <cstdio>
#include <cstring>
#include <string>

#include "lifecycle/lifecycle.h"

namespace {

int dispatch(const std::string& name, int argc, char** argv) {
  if (name == "builder") return mcf::lifecycle::builderMain(argc, argv);
  if (name == "launcher") return mcf::lifecycle::launcherMain(argc, argv);
  if (name == "static-server") return mcf::lifecycle::staticServerMain(argc, argv);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string self = argc > 0 ? argv[0] : "";
  std::string base = self.substr(self.rfind('/') == std::string::npos ? 0 : self.rfind('/') + 1);
  if (int rc = dispatch(base, argc, argv); rc != -1) return rc;
  if (argc > 1) {
    if (int rc = dispatch(argv[1], argc - 1, argv + 1); rc != -1) return rc;
  }
  std::fprintf(stderr, "usage: lifecycle_exe builder|launcher|static-server ARGS...\n");
  return 2;
}
