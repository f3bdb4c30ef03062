// .cfignore matching (gitignore-like), used to pick the files a push uploads.
#include "cli/cfignore.h"

#include <array>

#include "base/strutil.h"

namespace mcf::cli {

namespace {

constexpr std::array<std::string_view, 9> kAlwaysSkipped = {
    ".cfignore", ".DS_Store", ".git", ".gitignore", ".hg", ".svn", "_darcs", "manifest.yml",
    "manifest.yaml"};

// Matches a `[...]` class at p[pi] against c; returns the index after the class, or npos
// when the class is unterminated (then `[` is literal).
size_t matchClass(std::string_view p, size_t pi, char c, bool& matched) {
  size_t i = pi + 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool hit = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) hit = true;
    ++i;
  }
  if (i >= p.size()) return std::string_view::npos;
  matched = (hit != negate) && c != '/';
  return i + 1;
}

bool matchAt(std::string_view p, size_t pi, std::string_view s, size_t si) {
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      if (pi + 1 < p.size() && p[pi + 1] == '*') {
        size_t rest = pi + 2;
        if (rest < p.size() && p[rest] == '/') {
          // "**/": zero or more whole directories.
          for (size_t k = si; k <= s.size(); ++k)
            if ((k == si || s[k - 1] == '/') && matchAt(p, rest + 1, s, k)) return true;
          return false;
        }
        for (size_t k = si; k <= s.size(); ++k)
          if (matchAt(p, rest, s, k)) return true;
        return false;
      }
      for (size_t k = si;; ++k) {
        if (matchAt(p, pi + 1, s, k)) return true;
        if (k == s.size() || s[k] == '/') return false;
      }
    }
    if (si >= s.size()) return false;
    if (c == '?') {
      if (s[si] == '/') return false;
    } else if (c == '[') {
      bool matched = false;
      size_t next = matchClass(p, pi, s[si], matched);
      if (next != std::string_view::npos) {
        if (!matched) return false;
        pi = next;
        ++si;
        continue;
      }
      if (s[si] != '[') return false;
    } else {
      if (c == '\\' && pi + 1 < p.size()) c = p[++pi];
      if (s[si] != c) return false;
    }
    ++pi;
    ++si;
  }
  return si == s.size();
}

std::string_view baseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view text) {
  return matchAt(pattern, 0, text, 0);
}

CfIgnore::CfIgnore(std::string_view cfignore_text) {
  for (std::string line : base::split(cfignore_text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Trailing blanks are not part of a pattern; leading ones are (as in git).
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line.erase(0, 1);
    } else if (line[0] == '\\' && line.size() > 1 && (line[1] == '#' || line[1] == '!')) {
      line.erase(0, 1);
    }
    while (line.size() > 1 && line.back() == '/') {
      rule.dir_only = true;
      line.pop_back();
    }
    if (line == "/" || line.empty()) continue;
    if (line.find('/') != std::string::npos) rule.anchored = true;
    while (!line.empty() && line[0] == '/') line.erase(0, 1);
    // "**/x" matches x at any depth, exactly like an unanchored "x".
    rule.pattern = std::move(line);
    rules_.push_back(std::move(rule));
  }
}

bool CfIgnore::alwaysSkipped(std::string_view name) {
  for (std::string_view skip : kAlwaysSkipped)
    if (name == skip) return true;
  return false;
}

bool CfIgnore::excludedByRules(const std::string& rel_path, bool is_dir) const {
  bool excluded = false;
  for (const Rule& rule : rules_) {
    if (rule.negate != excluded) continue;  // cannot change the verdict
    if (rule.dir_only && !is_dir) continue;
    bool hit = rule.anchored ? globMatch(rule.pattern, rel_path)
                             : globMatch(rule.pattern, baseName(rel_path));
    if (hit) excluded = !rule.negate;
  }
  return excluded;
}

bool CfIgnore::ignored(const std::string& rel_path, bool is_dir) const {
  size_t start = 0;
  for (;;) {
    size_t slash = rel_path.find('/', start);
    bool last = slash == std::string::npos;
    std::string_view segment =
        std::string_view(rel_path).substr(start, last ? std::string::npos : slash - start);
    if (alwaysSkipped(segment)) return true;
    std::string prefix = last ? rel_path : rel_path.substr(0, slash);
    if (excludedByRules(prefix, last ? is_dir : true)) return true;
    if (last) return false;
    start = slash + 1;
  }
}

}  // namespace mcf::cli
