// .cfignore matching: which files of an app directory `microcf push` leaves out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcf::cli {

// gitignore-like rules as the cf CLI applies them: blank lines and `#` comments are skipped;
// `dir/` matches directories only; a pattern with a `/` (other than at its end) is anchored at
// the app root (a leading `/` just anchors); otherwise it matches a name at any depth; `*` and
// `?` stay within one path segment, `**` crosses segments, `[a-z]` is a class; `!pattern`
// re-includes what an earlier rule excluded (the last matching rule wins). Whatever is below
// an excluded directory stays excluded. The names cf always skips are skipped at any depth.
class CfIgnore {
 public:
  CfIgnore() = default;
  explicit CfIgnore(std::string_view cfignore_text);

  // rel_path: relative to the app root, '/'-separated, no leading or trailing '/'.
  bool ignored(const std::string& rel_path, bool is_dir) const;

  // .cfignore, .DS_Store, .git, .gitignore, .hg, .svn, _darcs, manifest.yml, manifest.yaml.
  static bool alwaysSkipped(std::string_view name);

 private:
  struct Rule {
    std::string pattern;
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;
  };
  // The verdict of the rules for this path alone (parents not considered).
  bool excludedByRules(const std::string& rel_path, bool is_dir) const;

  std::vector<Rule> rules_;
};

// Shell-style match with `*`, `?`, `[...]`, `**` (see CfIgnore); exposed for tests.
bool globMatch(std::string_view pattern, std::string_view text);

}  // namespace mcf::cli
