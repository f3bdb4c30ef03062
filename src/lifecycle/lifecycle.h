// Lifecycle programs: what runs INSIDE containers, reached through /tmp/lifecycle/<name>.
//
// Owns: the builder (buildpacks → droplet contents), the launcher (droplet → app process) and
// the static file server that staticfile_buildpack's droplets start.
// Does not own: containers, packing or storing droplets (runner/, stager/), or the platform loop.
// Thread: each main runs as its own process's main thread; src/main.cpp dispatches to them
// on argv[0]'s basename.
#pragma once

namespace mcf::lifecycle {

// builder -buildDir=... -buildpacksDir=... -buildpackOrder=a,b -buildArtifactsCacheDir=...
//         -outputDroplet=DIR -outputMetadata=FILE -skipDetect=BOOL
int builderMain(int argc, char** argv);
// launcher APP_DIR START_COMMAND [METADATA]; cwd is the droplet root (/home/vcap). Execs bash.
int launcherMain(int argc, char** argv);
// static-server [--host-dot-files] [ROOT]: serves ROOT (default: cwd) on 0.0.0.0:$PORT.
int staticServerMain(int argc, char** argv);

}  // namespace mcf::lifecycle
