// Droplets unpacked for containers, once per droplet.
#include "scheduler/droplet_cache.h"

#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "archive/archive.h"
#include "base/fs.h"

namespace mcf::scheduler {

using base::Errc;
using base::makeError;

std::string DropletCache::path(const std::string& droplet_guid) const {
  return base::joinPath(dir_, droplet_guid);
}

void DropletCache::ensure(const std::string& droplet_guid, const std::string& blob_key,
                          std::function<void(base::Status)> done) {
  std::string dir = path(droplet_guid);
  if (base::isDirectory(dir)) {
    done({});
    return;
  }
  auto& waiters = extracting_[droplet_guid];
  waiters.push_back(std::move(done));
  if (waiters.size() > 1) return;
  std::string blob = blobs_.path(blob_key);
  auto status = std::make_shared<base::Status>();
  runner::HostIds vcap = backend_.vcapHostIds();
  loop::queueWork(
      loop_,
      [status, dir, blob, vcap] {
        std::string tmp = dir + ".extracting";
        auto step = [&]() -> base::Status {
          MCF_TRY(base::removeTree(tmp));
          archive::Limits droplet;  // made by the stager: its links resolve in containers
          droplet.container_symlinks = true;
          droplet.max_total_bytes = int64_t{4} << 30;
          MCF_TRY(archive::extract(blob, tmp, droplet));
          // Containers run as vcap and write their own files through the overlay.
          MCF_TRY(base::chownTree(tmp, static_cast<int>(vcap.uid), static_cast<int>(vcap.gid)));
          if (::rename(tmp.c_str(), dir.c_str()) != 0)
            return makeError(Errc::kIo, "cannot move droplet into place: {}", strerror(errno));
          return {};
        };
        *status = step();
      },
      [this, status, droplet_guid] {
        auto waiters = std::move(extracting_[droplet_guid]);
        extracting_.erase(droplet_guid);
        for (auto& w : waiters) w(*status);
      });
}

}  // namespace mcf::scheduler
