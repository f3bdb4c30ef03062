// The data dir and the shipped folders.
#include "base/install.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"

#ifndef MICROCF_SOURCE_DIR
#define MICROCF_SOURCE_DIR ""
#endif
#ifndef MICROCF_DATA_DIR
#define MICROCF_DATA_DIR "/usr/local/share/microcf"
#endif

namespace mcf::base {

std::string defaultHome() {
  if (const char* env = std::getenv("MICROCF_HOME"); env && *env) return env;
  const char* home = std::getenv("HOME");
  if (home && *home) return joinPath(home, ".microcf");
  const passwd* pw = ::getpwuid(::geteuid());
  return joinPath(pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/root", ".microcf");
}

std::string shippedDir(const char* env_name, const std::string& sub) {
  if (const char* env = std::getenv(env_name); env && *env) return env;
  std::string source = joinPath(MICROCF_SOURCE_DIR, sub);
  if (std::string(MICROCF_SOURCE_DIR).size() && isDirectory(source)) return source;
  return joinPath(MICROCF_DATA_DIR, sub);
}

}  // namespace mcf::base
