// Archives: safe checking and extraction of uploaded zip/tar(.gz) files, and creation of them.
//
// Owns: everything libarchive does for microcf (packages, droplets, buildpacks, caches).
// Does not own: where archives are stored (blobstore/) or what is inside them (stager/).
// Thread: blocking calls; run them on the libuv thread pool or in the CLI, never on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace mcf::archive {

struct Limits {
  int64_t max_total_bytes = int64_t(1) << 30;  // sum of the regular files' sizes
  int64_t max_entries = 200000;
  // Keep symlink targets as they are, absolute or climbing out. Only for archives the
  // platform made itself (droplets): their links resolve inside a container's root, and
  // extraction still never writes through a link or below one.
  bool container_symlinks = false;
};

// Checks every entry of a zip or tar(.gz) archive without writing anything: no absolute paths,
// no "..", no symlink or hardlink whose target leaves the tree, no devices/fifos/sockets, sizes
// within limits. kInvalid with a message naming the bad entry; kTooLarge for limits.
//
// Stricter than a plain lexical check in one place: a symlink target may use ".." only at its
// start ("../../lib/x"), because "s/../x" escapes when "s" is itself a symlink to ".".
// Absolute symlink targets are refused even though they would point into a container's own
// root: on the host they point at the host.
base::Status validate(const std::string& archive_path, const Limits& limits = {});

// Extracts into dest (created if missing) with the same checks; never writes outside dest.
// Keeps permissions (never owners, set-id bits, xattrs or ACLs) and modification times.
// Directories get at least u+rwx so the tree can always be deleted; entries without a mode get
// 0644 (files) or 0755 (directories). On failure what this call created is removed again; dest
// itself only if this call created it.
base::Status extract(const std::string& archive_path, const std::string& dest,
                     const Limits& limits = {});

enum class Format { kZip, kTarGz };

// Should rel_path (relative, '/'-separated, dirs without trailing '/') go in? nullptr = all.
using Filter = std::function<bool(const std::string& rel_path, bool is_dir)>;

// Archives the contents of src_dir (paths relative to it); keeps modes and symlinks.
// Directories are entries of their own so that empty ones survive: in a zip with mode 0755
// as the cf CLI writes them, in a tar.gz with their own mode as `tar -czf` does. A directory
// the filter refuses is skipped with everything below it. Sockets, fifos and devices are left
// out. Entries are sorted by name so the same tree gives the same entry order. tar.gz uses
// gzip level 1 (twice as fast as the default, see PEERS-BENCH.md). out_path appears whole or
// not at all, and is never archived into itself.
base::Status create(const std::string& src_dir, const std::string& out_path, Format format,
                    const Filter& filter = nullptr);

}  // namespace mcf::archive
