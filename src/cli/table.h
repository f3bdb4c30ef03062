// Column formatting for the tables and "key:   value" blocks the CLI prints, as cf does.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mcf::cli {

// Pads every column but the last to its widest cell plus `gap` spaces; lines carry no
// trailing blanks. Rows may have fewer cells than the header.
std::string formatTable(const std::vector<std::vector<std::string>>& rows, size_t gap = 3,
                        const std::string& indent = "");

// "name:              hello": values start after the longest key, its colon and 3 spaces.
std::string formatKeyValues(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace mcf::cli
