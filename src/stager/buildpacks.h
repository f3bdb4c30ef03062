// BuildpackRegistry: the admin buildpacks, by name, in detection order.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::stager {

struct AdminBuildpack {
  std::string name;     // Cloud Foundry's admin name, e.g. "staticfile_buildpack"
  std::string dir;      // folder with bin/detect, bin/release, ...
  int position = 0;     // 1-based detection order
};

class BuildpackRegistry {
 public:
  // Reads <dir>/order (one name per line) and checks that each has bin/detect or bin/compile;
  // folders not named in order are appended in name order.
  static base::Result<BuildpackRegistry> load(const std::string& dir);

  const std::vector<AdminBuildpack>& all() const { return buildpacks_; }
  const AdminBuildpack* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<AdminBuildpack> buildpacks_;
};

}  // namespace mcf::stager
