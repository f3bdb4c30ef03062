// The data directory's layout and the folders microcf ships (buildpacks, stemcell).
#pragma once

#include <string>
#include <vector>

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
  std::string lifecycle_rootfs;  // lifecycle-rootfs/: the same for rootfs stacks (see below)
  std::string stemcells;      // stemcells/: built stemcell tarballs (microcf stemcell build)
  std::string stacks;         // stacks/: stemcells extracted, <name>/<version>/rootfs
  std::string daemon_file;    // daemon.json: how the CLI finds this platform
  std::string buildpacks;     // admin buildpacks shipped with microcf
  std::string stemcell;       // stack definitions shipped with microcf
};

base::Result<Paths> resolvePaths(const DaemonOptions& options);
base::Status prepareDataDir(const Paths& paths);
// Copies the running binary into lifecycle/ (containers see it at /tmp/lifecycle) and links
// launcher, builder and static-server to it. Also lays out lifecycle-rootfs/, what containers
// on a rootfs stack see at /tmp/lifecycle: the same binary, the host's dynamic loader and the
// shared libraries microcf has loaded in lib/, and launcher, builder and static-server as
// /bin/sh scripts that run the binary through that loader with --library-path lib.
//
// Why not install the libraries in the stemcell (apt-get install libuv1 ...): the binary is
// the host's build, so the host's libraries are the ones it was linked and tested against; a
// stemcell of another release, or one built before microcf changed its dependencies, would
// not have them. The host's loader with an explicit library path makes the lifecycle
// independent of the stack's own libc and libraries, and keeps them out of the app's way: the
// app's processes, started by the lifecycle with exec, use the stack's loader as usual.
base::Status installLifecycle(const Paths& paths);
// The shared objects (and the loader) mapped into this process, from /proc/self/maps.
std::vector<std::string> loadedLibraries();

}  // namespace mcf::daemon
