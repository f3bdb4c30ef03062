// runner_helper: `microcf __container ...` for runner tests, which cannot reach src/main.cpp.
#include "runner/container_main.h"

int main(int argc, char** argv) { return mcf::runner::containerMain(argc, argv); }
