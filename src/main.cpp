// microcf: one binary for the platform (`microcf up`), its CLI, and the lifecycle programs
// that run inside containers.
#include <cstdio>

int main() {
  std::puts("microcf");
  return 0;
}
