// Questions to the person at the terminal: only when stdin is a TTY, never in scripts.
#pragma once

#include <optional>
#include <string>

namespace mcf::cli {

bool stdinIsTty();
// Prints label (e.g. "Email: ") and reads a line; secret turns echo off. nullopt on EOF.
std::optional<std::string> promptLine(const std::string& label, bool secret);
// "Really delete the app x? [yN]: " → true only for y/yes.
bool confirm(const std::string& question);

}  // namespace mcf::cli
