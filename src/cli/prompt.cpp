// Terminal prompts (echo off for passwords).
#include "cli/prompt.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "base/strutil.h"

namespace mcf::cli {

bool stdinIsTty() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> promptLine(const std::string& label, bool secret) {
  std::fputs(label.c_str(), stdout);
  std::fflush(stdout);
  termios saved{};
  bool restore = false;
  if (secret && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stdout);
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool confirm(const std::string& question) {
  auto answer = promptLine(question, false);
  if (!answer) return false;
  std::string a = base::toLower(base::trim(*answer));
  return a == "y" || a == "yes";
}

}  // namespace mcf::cli
