// The one unit-test binary: every *_test.cpp links into it (ninja's layout).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
