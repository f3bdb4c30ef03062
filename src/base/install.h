// Where microcf keeps its state and finds what it ships, for the daemon and the CLI alike.
#pragma once

#include <string>

namespace mcf::base {

// The data dir: $MICROCF_HOME, else $HOME/.microcf, else .microcf in the home the password
// file gives this user (no $HOME: a service, sudo -i, setpriv).
std::string defaultHome();

// A folder microcf ships (stemcell, buildpacks, ...): $env_name if set, else sub in the source
// tree this binary was built from, else sub in the installed share folder.
std::string shippedDir(const char* env_name, const std::string& sub);

}  // namespace mcf::base
