// The admin buildpacks between the store and the stager: the shipped ones are seeded into the
// buildpacks table, and the stager's registry is reloaded from the table after every change.
#pragma once

#include <string>

#include "base/result.h"
#include "stager/buildpacks.h"
#include "store/store.h"

namespace mcf::daemon {

// Adds the shipped buildpacks (of BuildpackRegistry::load) that were never seeded before at the
// end of the table, READY and pointing at their shipped folder. One already in the table keeps
// its position, enabled and locked (its folder is refreshed unless bits were uploaded for it);
// one an admin deleted stays deleted.
base::Status seedShippedBuildpacks(store::Store& store, const stager::BuildpackRegistry& shipped);

// Replaces the registry's list with the table's READY buildpacks, in position order.
base::Status reloadBuildpacks(store::Store& store, stager::BuildpackRegistry& registry);

}  // namespace mcf::daemon
