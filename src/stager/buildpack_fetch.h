// Custom buildpacks given by URL (`push -b <url>`): fetching one into a folder of the staging.
//
// Owns: the forms a buildpack URL may take and how each is fetched: file:// folder (copied),
// file:// .zip (extracted), git repository (cloned, #ref = branch, tag or commit), http(s)
// .zip (downloaded with curl).
// Does not own: where the folder goes or how the builder sees it (stager.cpp).
// Thread: fetchBuildpack blocks (git, curl, copying): run it on the thread pool.
#pragma once

#include <string>

#include "base/result.h"

namespace mcf::stager {

enum class FetchKind { kDirectory, kZip, kGit, kHttpZip };

// How url would be fetched; source is the folder, file or address to fetch from, ref the
// git ref ("" = the default branch). Does not look at the file system.
struct FetchPlan {
  FetchKind kind;
  std::string source;
  std::string ref;
};
FetchPlan planFetch(const std::string& url);

// The STG line said before fetching: "Cloning <url> at <ref>..." or "Downloading buildpack
// <url>...".
std::string fetchStartLine(const std::string& url);

struct FetchOptions {
  int timeout_s = 300;  // for git and curl each
};

// Fetches the buildpack at url into dest (replaced if present). A buildpack that sits in the
// one top-level folder of the zip or repository is moved up to dest. Errors (kStagingError):
// "Buildpack <url> not found", "Failed to clone git repository at <url>: <git's last line>",
// "<url> is not a buildpack: it has no bin/detect, ...".
base::Status fetchBuildpack(const std::string& url, const std::string& dest,
                            const FetchOptions& options = {});

}  // namespace mcf::stager
