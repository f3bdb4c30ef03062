// Seeding and reloading the admin buildpacks (see admin_buildpacks.h).
#include "daemon/admin_buildpacks.h"

#include <algorithm>

#include "base/strutil.h"

namespace mcf::daemon {

namespace {

// Names of the shipped buildpacks seeded so far, so that a deleted one is not seeded again.
constexpr const char* kSeededKey = "shipped_buildpacks_seeded";

}  // namespace

base::Status seedShippedBuildpacks(store::Store& store, const stager::BuildpackRegistry& shipped) {
  auto seeded_setting = store.getSetting(kSeededKey);
  if (!seeded_setting.ok()) return seeded_setting.takeError();
  std::vector<std::string> seeded;
  if (*seeded_setting)
    for (const auto& n : base::split(**seeded_setting, ',')) if (!n.empty()) seeded.push_back(n);
  auto table = store.listBuildpacks();
  if (!table.ok()) return table.takeError();
  bool changed = false;
  for (const auto& bp : shipped.all()) {
    auto row = std::find_if(table->begin(), table->end(), [&](const model::Buildpack& b) {
      return b.name == bp.name && b.stack.empty();
    });
    if (row != table->end()) {
      if (row->filename.empty() && row->path != bp.dir) {  // microcf moved: follow its folder
        row->path = bp.dir;
        row->ready = true;
        MCF_TRY(store.updateBuildpack(*row));
      }
    } else if (std::find(seeded.begin(), seeded.end(), bp.name) == seeded.end()) {
      model::Buildpack b;
      b.name = bp.name;
      b.position = 0;  // last
      b.ready = true;
      b.path = bp.dir;
      auto made = store.createBuildpack(b);
      if (!made.ok()) return made.takeError();
    }
    if (std::find(seeded.begin(), seeded.end(), bp.name) == seeded.end()) {
      seeded.push_back(bp.name);
      changed = true;
    }
  }
  if (changed) MCF_TRY(store.setSetting(kSeededKey, base::join(seeded, ",")));
  return {};
}

base::Status reloadBuildpacks(store::Store& store, stager::BuildpackRegistry& registry) {
  auto table = store.listBuildpacks();
  if (!table.ok()) return table.takeError();
  std::vector<stager::AdminBuildpack> list;
  for (const auto& b : *table) {
    if (!b.ready || b.path.empty()) continue;
    list.push_back({b.name, b.path, b.position, b.stack, b.enabled});
  }
  registry.replace(std::move(list));
  return {};
}

}  // namespace mcf::daemon
