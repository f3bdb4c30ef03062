// Column layout of tables and key/value blocks.
#include "cli/table.h"

#include <doctest/doctest.h>

using mcf::cli::formatKeyValues;
using mcf::cli::formatTable;

TEST_CASE("formatTable pads columns to the widest cell plus three spaces") {
  std::string out = formatTable({{"name", "requested state", "processes", "routes"},
                                 {"hello", "started", "web:1/1", "http://hello.localhost:8080"},
                                 {"a", "stopped", "web:0/1", ""}});
  CHECK(out ==
        "name    requested state   processes   routes\n"
        "hello   started           web:1/1     http://hello.localhost:8080\n"
        "a       stopped           web:0/1\n");
}

TEST_CASE("instance table header starts like cf's with an empty first column") {
  std::string out = formatTable({{"", "state", "since"}, {"#0", "running", "2024"}});
  CHECK(out == "     state     since\n#0   running   2024\n");
}

TEST_CASE("formatTable with indent and UTF-8 cells") {
  CHECK(formatTable({{"ä", "b"}, {"cc", "d"}}, 1, "\t") == "\tä  b\n\tcc d\n");
}

TEST_CASE("formatKeyValues aligns values after the longest key") {
  CHECK(formatKeyValues({{"name", "hello"}, {"requested state", "started"}, {"buildpacks", ""}}) ==
        "name:              hello\n"
        "requested state:   started\n"
        "buildpacks:\n");
}
