// DropletCache: droplets unpacked once on the host, for containers to show read-only at
// /home/vcap (instances and tasks alike).
//
// Owns: the extracted trees under one folder (by droplet guid) and the extractions in flight.
// Does not own: the droplet archives (blobstore/) or the containers that use the trees.
// Thread: the loop's; archive work runs on the thread pool.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "blobstore/blobstore.h"
#include "loop/loop.h"
#include "runner/backend.h"

namespace mcf::scheduler {

class DropletCache {
 public:
  // dir: where the stager leaves droplets it made and where missing ones are unpacked.
  DropletCache(loop::Loop& loop, blobstore::Blobstore& blobs, runner::Backend& backend,
               std::string dir)
      : loop_(loop), blobs_(blobs), backend_(backend), dir_(std::move(dir)) {}

  // The extracted tree of a droplet (present once ensure() succeeded).
  std::string path(const std::string& droplet_guid) const;

  // done runs once the droplet's tree is at path(), or with the error that prevented it; at
  // once when it is there already. After a restart the tree may be gone: the stored archive
  // (blob_key) is unpacked once, however many callers wait for it, and owned by vcap.
  void ensure(const std::string& droplet_guid, const std::string& blob_key,
              std::function<void(base::Status)> done);

 private:
  loop::Loop& loop_;
  blobstore::Blobstore& blobs_;
  runner::Backend& backend_;
  std::string dir_;
  std::map<std::string, std::vector<std::function<void(base::Status)>>> extracting_;
};

}  // namespace mcf::scheduler
