// Stager: turns a package into a droplet by running buildpacks in a staging container.
//
// Owns: staging folders, the staging container of each build, the queue of stagings waiting
// for a slot, STG log lines, the build artifacts cache of each (app, stack), the custom
// buildpacks fetched for a build (buildpack_fetch.h), and the droplet tgz and its extracted
// tree.
// Does not own: builds and droplets in the store (the controller records the outcome).
// Thread: the loop's; extraction and packing run on the thread pool.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "blobstore/blobstore.h"
#include "logs/log_store.h"
#include "loop/loop.h"
#include "model/model.h"
#include "runner/backend.h"
#include "stager/buildpacks.h"

namespace mcf::stager {

struct StagerConfig {
  std::string staging_root;  // <data>/staging: one folder per build while it runs
  std::string droplets_dir;  // <data>/droplets: extracted droplets, one folder per droplet guid
  // <data>/caches: build artifacts caches, <app guid>/<stack>.cache, saved by successful
  // stagings only.
  std::string caches_dir;
  // Cloud Foundry's staging timeout. It counts from when the builder starts: time spent
  // waiting for a slot and unpacking the package does not count.
  uint64_t timeout_ms = 15 * 60 * 1000;
  // Stagings that run at once; the others wait in the order they came. 0 = no limit.
  int max_stagings = 0;
  // Outbound traffic staging containers may start (the platform's staging security groups).
  std::vector<runner::NetOutRule> net_out;
};

struct Job {
  std::string app_guid;
  std::string build_guid;
  std::string droplet_guid;
  std::string package_path;            // zip of the app bits
  // Requested admin names and URLs (custom buildpacks, fetched into the build); empty =
  // detect in admin order.
  std::vector<std::string> buildpacks;
  std::string stack;
  std::vector<std::string> env;        // staging environment "K=V"
  int memory_mb = 1024;
  int disk_mb = 4096;
};

struct Outcome {
  std::string droplet_blob_key;
  std::string droplet_sha256;
  std::map<std::string, std::string> process_types;
  std::vector<model::DropletBuildpack> buildpacks;
  std::string execution_metadata;
};

class Stager {
 public:
  Stager(loop::Loop& loop, runner::Backend& backend, blobstore::Blobstore& blobs,
         logs::LogStore& logs, const BuildpackRegistry& buildpacks, StagerConfig config);
  ~Stager();

  // done runs exactly once on the loop. Errors: kNoAppDetected, kBuildpackCompileFailed,
  // kBuildpackReleaseFailed, kStagingError, each with the message a user should see.
  void stage(const Job& job, std::function<void(base::Result<Outcome>)> done);

  // Removes the app's build artifacts caches: the folder is renamed away at once (the next
  // staging starts without a cache) and deleted on the thread pool. A running staging of the
  // app works on its own copy of the cache, which it then does not save.
  base::Status clearCache(const std::string& app_guid);

  // The app is gone: its stagings that wait for a slot are dropped, the running ones killed.
  // Their done runs with a kStagingError.
  void cancel(const std::string& app_guid);

  // Stagings not finished yet, waiting ones included (for shutdown and tests).
  size_t active() const { return runs_.size(); }
  // Stagings that hold a slot.
  int running() const { return running_; }
  const StagerConfig& config() const { return config_; }

 private:
  struct Run;
  void begin(Run& run);
  void startWaiting();
  void prepare(Run& run);
  void startContainer(const std::string& build_guid);
  void onBuilderExit(const std::string& build_guid, const runner::ProcessExit& exit);
  void finish(const std::string& build_guid, base::Result<Outcome> outcome);
  void removeCache(const std::string& app_guid);
  void stg(const Run& run, const std::string& line, bool is_err = false);

  loop::Loop& loop_;
  runner::Backend& backend_;
  blobstore::Blobstore& blobs_;
  logs::LogStore& logs_;
  const BuildpackRegistry& buildpacks_;
  StagerConfig config_;
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by build guid
  std::deque<std::string> waiting_;                   // build guids waiting for a slot, FIFO
  int running_ = 0;                                   // stagings holding a slot
};

// Maps a builder exit status to the error Cloud Foundry reports (222 → NoAppDetectedError with
// what each buildpack looks for, as the builder's last lines list it; 223, 225 and 226 →
// BuildpackCompileFailed; 224 → BuildpackReleaseFailed; 227, a broken Procfile → StagingError
// naming its line). last_lines is the end of the builder's output, shown to the user.
base::Error builderError(int exit_status, const std::vector<std::string>& tried,
                         const std::string& last_lines);

// The error of a builder that its container's memory limit killed: says the limit and how to
// raise it. last_lines as for builderError.
base::Error outOfMemoryError(int memory_mb, const std::string& last_lines);

// The error of a builder that failed with its container's disk (nearly) full: says the limit
// and how to raise it. last_lines as for builderError.
base::Error diskFullError(int disk_mb, const std::string& last_lines);

// Reads the builder's result.json into an Outcome (blob fields left empty).
base::Result<Outcome> parseResult(const std::string& result_json);

}  // namespace mcf::stager
