// BuildpackRegistry: the admin buildpacks, by name, in detection order. load() reads the ones
// shipped with microcf; the daemon then replaces the list with the store's buildpacks table
// (and again after every change through the API), so staging always sees the current order.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::stager {

struct AdminBuildpack {
  std::string name;     // Cloud Foundry's admin name, e.g. "staticfile_buildpack"
  std::string dir;      // folder with bin/detect, bin/release, ...
  int position = 0;     // 1-based detection order
  std::string stack;    // "" = any stack
  bool enabled = true;
};

class BuildpackRegistry {
 public:
  // Reads <dir>/order (one name per line) and checks that each has bin/detect or bin/compile;
  // folders not named in order are appended in name order.
  static base::Result<BuildpackRegistry> load(const std::string& dir);

  // Replaces the list (in detection order; only buildpacks with bits).
  void replace(std::vector<AdminBuildpack> buildpacks) { buildpacks_ = std::move(buildpacks); }

  const std::vector<AdminBuildpack>& all() const { return buildpacks_; }
  // The buildpack of that name for the stack (one of that stack before one for any stack),
  // enabled or not; nullptr if none. stack "" matches every buildpack.
  const AdminBuildpack* find(const std::string& name, const std::string& stack = "") const;
  // Names of the enabled buildpacks for the stack, in detection order.
  std::vector<std::string> names(const std::string& stack = "") const;
  // Whether a staging may ask for name by name: kStagingError "not found" or "disabled", each
  // naming the enabled buildpacks.
  base::Status checkRequested(const std::string& name, const std::string& stack) const;

 private:
  std::vector<AdminBuildpack> buildpacks_;
};

}  // namespace mcf::stager
