// Stacks: the root filesystems containers run on, and the registry that finds them.
//
// Owns: the stack list the runner and the API see: `host` (always there, the default: the
// host's /usr read-only with stemcell/host's users) and one rootfs stack per name for the
// stemcell tarballs in stemcells_dir whose sha256 matches their metadata, each extracted once
// into stacks_dir/<name>/<version>/rootfs.
// Does not own: building stemcells (stemcell/build-bookworm.sh), mount plans (rootfs_plan.h),
// which stack an app asks for (controller/).
// Thread: the loop's; checksums and extraction run on the libuv thread pool.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::loop {
class Loop;
}

namespace mcf::runner {

enum class StackKind { kHost, kRootfs };

struct Stack {
  std::string name;  // "host", "bookworm"
  std::string description;
  StackKind kind = StackKind::kHost;
  // kHost: the stemcell folder holding etc/passwd and etc/group (stemcell/host);
  // kRootfs: the extracted root filesystem.
  std::string dir;
  std::string version;  // kRootfs: the stemcell's version; "" for host
};

inline constexpr const char* kDefaultStack = "host";

// Cloud Foundry's stack names ("cflinuxfs4", "cflinuxfs3") and "" name the default stack, so
// Cloud Foundry manifests work unchanged; every other name is itself.
std::string canonicalStackName(const std::string& name);
// name (aliases resolved) in stacks; kInvalid "Stack 'x' not found. Available stacks: a, b."
base::Result<Stack> findStack(const std::vector<Stack>& stacks, const std::string& name);
// The host stack served from stemcell_dir/host; its description names the host's OS.
Stack hostStack(const std::string& stemcell_dir);
// kUnavailable naming the missing file when stack_dir lacks etc/passwd or etc/group.
base::Status checkHostStemcell(const std::string& stack_dir);

// A built stemcell as its metadata file (<name>-<version>.json) describes it.
struct StemcellMeta {
  std::string name;
  std::string version;
  std::string tarball;  // absolute path (the metadata names it relative to its folder)
  std::string sha256;
  std::string description;
};
// Parses metadata JSON found in dir; kInvalid naming what is missing or unsafe.
base::Result<StemcellMeta> parseStemcellMeta(const std::string& text, const std::string& dir);

struct StackRegistryConfig {
  std::string stemcell_dir;   // microcf's stemcell/ folder (host/etc/passwd, host/etc/group)
  std::string stemcells_dir;  // built stemcells: <name>-<version>.{tar.gz,json}
  std::string stacks_dir;     // extracted stacks: <name>/<version>/rootfs
};

class StackRegistry {
 public:
  StackRegistry(loop::Loop& loop, StackRegistryConfig config);
  ~StackRegistry();
  StackRegistry(const StackRegistry&) = delete;
  StackRegistry& operator=(const StackRegistry&) = delete;

  // kUnavailable when the host stemcell's files are missing. Does not scan yet (rescan does).
  static base::Result<std::unique_ptr<StackRegistry>> open(loop::Loop& loop,
                                                           StackRegistryConfig config);

  // host first, then the rootfs stacks by name (the newest ready stemcell of each name).
  std::vector<Stack> list() const;
  // The stack name names (aliases resolved). A miss rescans first, so that a stemcell built
  // while microcf runs is found. kInvalid "Stack 'x' not found. Available stacks: ..." or
  // naming a stemcell refused for its checksum; kUnavailable while it is being extracted.
  base::Result<Stack> find(const std::string& name);
  // Reads stemcells_dir without blocking: stemcells extracted before (and unchanged since) are
  // offered at once; new ones are verified and extracted on the thread pool and offered when
  // done. A checksum mismatch is logged and the stemcell is not offered. done runs on the loop
  // once nothing this scan started is still running.
  void rescan(std::function<void()> done = nullptr);
  // Whether verification or extraction is running.
  bool busy() const { return !pending_.empty(); }

 private:
  struct Entry {
    StemcellMeta meta;
    int64_t size = 0;      // the tarball's size and mtime when verified
    int64_t mtime_ns = 0;
    int64_t meta_mtime_ns = 0;  // newest metadata wins among versions of one name
    std::string rootfs;
  };
  struct Refused {
    int64_t size = 0;
    int64_t mtime_ns = 0;
    std::string why;
  };
  void consider(const std::string& meta_path);
  void prepare(Entry entry);

  loop::Loop& loop_;
  StackRegistryConfig config_;
  Stack host_;
  std::map<std::string, Entry> ready_;      // by "<name>/<version>"
  std::map<std::string, Refused> refused_;  // by "<name>/<version>": not offered, and why
  std::set<std::string> pending_;           // "<name>/<version>" being prepared
  std::set<std::string> warned_;            // bad metadata files already logged
  std::vector<std::function<void()>> waiting_;  // rescan callbacks until pending_ empties
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mcf::runner
