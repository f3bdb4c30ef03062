// The data directory's layout and the folders microcf ships (buildpacks, stemcell).
#pragma once

#include <string>

#include "base/result.h"
#include "daemon/daemon.h"

namespace mcf::daemon {

struct Paths {
  std::string home;           // $MICROCF_HOME
  std::string database;       // microcf.db
  std::string blobs;          // blobs/: packages and droplets by sha256
  std::string resource_pool;  // resources/: app files by sha1, for resource matching
  std::string depot;          // depot/: one folder per container
  std::string droplets;       // droplets/: extracted droplets
  std::string staging;        // staging/: one folder per running build
  std::string caches;         // caches/: build artifacts cache per app
  std::string lifecycle;      // lifecycle/: microcf and its launcher/builder links
  std::string daemon_file;    // daemon.json: how the CLI finds this platform
  std::string buildpacks;     // admin buildpacks shipped with microcf
  std::string stemcell;       // stack definitions shipped with microcf
};

base::Result<Paths> resolvePaths(const DaemonOptions& options);
base::Status prepareDataDir(const Paths& paths);
// Copies the running binary into lifecycle/ (containers see it at /tmp/lifecycle) and links
// launcher, builder and static-server to it.
base::Status installLifecycle(const Paths& paths);

}  // namespace mcf::daemon
