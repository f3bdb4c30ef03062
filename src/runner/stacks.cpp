// Stacks: aliases, the host stack, stemcell metadata and the registry of extracted stemcells.
#include "runner/stacks.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "blobstore/digest.h"
#include "loop/loop.h"

namespace mcf::runner {

using base::Errc;
using base::makeError;
using nlohmann::json;

namespace {

// A name or version that can be a single path component.
bool safeComponent(const std::string& s) {
  if (s.empty() || s.size() > 100 || s[0] == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

bool statFile(const std::string& path, int64_t& size, int64_t& mtime_ns) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  size = st.st_size;
  mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return true;
}

std::string osPrettyName(const std::string& os_release) {
  for (const auto& line : base::split(os_release, '\n')) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v[0] == '"' || v[0] == '\'') && v.back() == v[0])
      v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

// The marker written beside an extracted rootfs: which tarball (by checksum, size and mtime)
// it came from, so that the next scan trusts it without hashing the tarball again.
std::string markerPath(const std::string& version_dir) { return version_dir + "/stemcell.json"; }

bool markerMatches(const std::string& version_dir, const std::string& sha256, int64_t size,
                   int64_t mtime_ns) {
  auto text = base::readFile(markerPath(version_dir));
  if (!text.ok() || !base::isDirectory(version_dir + "/rootfs")) return false;
  json j = json::parse(*text, nullptr, false);
  return j.is_object() && j.value("sha256", "") == sha256 && j.value("size", int64_t(-1)) == size &&
         j.value("mtime_ns", int64_t(-1)) == mtime_ns;
}

// Runs on the thread pool: verify the tarball, extract it into a temp dir beside the final
// one, write the marker, rename into place. Touches nothing but the files it is given.
base::Status verifyAndExtract(const StemcellMeta& meta, const std::string& version_dir,
                              int64_t size, int64_t mtime_ns) {
  auto sha = blobstore::hashFile(meta.tarball, blobstore::DigestAlgo::kSha256);
  if (!sha.ok()) return sha.takeError();
  if (*sha != meta.sha256) {
    return makeError(Errc::kInvalid,
                     "{} has sha256 {} but its metadata says {}: the file is damaged or was "
                     "changed; build the stemcell again (microcf stemcell build) or remove it",
                     meta.tarball, *sha, meta.sha256);
  }
  std::string parent = version_dir.substr(0, version_dir.rfind('/'));
  MCF_TRY(base::makeDirs(parent, 0755));
  std::string tmp = fmt::format("{}/.{}.tmp-{}", parent, meta.version, base::randomHex(4));
  archive::Limits limits;
  limits.max_total_bytes = int64_t(16) << 30;
  limits.max_entries = 2000000;
  // A root filesystem's links are absolute or climb to its root ("/usr/bin/python3",
  // "../lib/x"): they resolve inside the container. Extraction never writes through them.
  limits.container_symlinks = true;
  base::Status st = archive::extract(meta.tarball, tmp + "/rootfs", limits);
  if (st.ok()) {
    json marker = {{"name", meta.name}, {"version", meta.version}, {"sha256", meta.sha256},
                   {"size", size}, {"mtime_ns", mtime_ns}};
    st = base::writeFileAtomic(markerPath(tmp), marker.dump(2) + "\n", 0644);
  }
  if (st.ok() && base::pathExists(version_dir)) {
    // A stale tree of the same version (no marker, or another tarball's): move it aside first.
    std::string old = fmt::format("{}/.{}.old-{}", parent, meta.version, base::randomHex(4));
    if (::rename(version_dir.c_str(), old.c_str()) != 0)
      st = makeError(Errc::kIo, "cannot move {} aside: {}", version_dir, strerror(errno));
    else
      (void)base::removeTree(old);
  }
  if (st.ok() && ::rename(tmp.c_str(), version_dir.c_str()) != 0)
    st = makeError(Errc::kIo, "cannot rename {} to {}: {}", tmp, version_dir, strerror(errno));
  if (!st.ok()) (void)base::removeTree(tmp);
  return st;
}

}  // namespace

std::string canonicalStackName(const std::string& name) {
  if (name.empty() || name == "cflinuxfs4" || name == "cflinuxfs3") return kDefaultStack;
  return name;
}

base::Result<Stack> findStack(const std::vector<Stack>& stacks, const std::string& name) {
  std::string wanted = canonicalStackName(name);
  std::vector<std::string> names;
  for (const auto& s : stacks) {
    if (s.name == wanted) return s;
    names.push_back(s.name);
  }
  return makeError(Errc::kInvalid, "Stack '{}' not found. Available stacks: {}.", name,
                   base::join(names, ", "));
}

Stack hostStack(const std::string& stemcell_dir) {
  Stack s;
  s.name = kDefaultStack;
  s.kind = StackKind::kHost;
  s.dir = base::joinPath(stemcell_dir, "host");
  auto os = base::readFile("/etc/os-release");
  std::string pretty = os.ok() ? osPrettyName(*os) : "";
  s.description = fmt::format("This machine's own userland{} read-only, with microcf's users",
                              pretty.empty() ? "" : " (" + pretty + ")");
  return s;
}

base::Status checkHostStemcell(const std::string& stack_dir) {
  for (const char* file : {"etc/passwd", "etc/group"}) {
    std::string path = base::joinPath(stack_dir, file);
    if (!base::pathExists(path)) {
      return makeError(Errc::kUnavailable,
                       "stack 'host' is incomplete: {} is missing; point the runner's "
                       "stemcell_dir at microcf's stemcell/ folder",
                       path);
    }
  }
  return {};
}

base::Result<StemcellMeta> parseStemcellMeta(const std::string& text, const std::string& dir) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return makeError(Errc::kInvalid, "it is not a JSON object");
  StemcellMeta m;
  auto str = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  m.name = str("name");
  m.version = str("version");
  m.sha256 = str("sha256");
  m.description = str("description");
  std::string tarball = str("tarball");
  if (!safeComponent(m.name)) return makeError(Errc::kInvalid, "'name' is missing or not a plain name");
  if (canonicalStackName(m.name) == kDefaultStack)
    return makeError(Errc::kInvalid, "'name' {} is the host stack's name; pick another", m.name);
  if (!safeComponent(m.version))
    return makeError(Errc::kInvalid, "'version' is missing or not a plain name");
  if (m.sha256.size() != 64 || m.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    return makeError(Errc::kInvalid, "'sha256' is not 64 lowercase hex digits");
  if (tarball.empty()) tarball = m.name + "-" + m.version + ".tar.gz";
  if (!safeComponent(tarball))
    return makeError(Errc::kInvalid, "'tarball' must be a file name in the same folder");
  m.tarball = base::joinPath(dir, tarball);
  if (m.description.empty()) m.description = m.name + " root filesystem " + m.version;
  return m;
}

StackRegistry::StackRegistry(loop::Loop& loop, StackRegistryConfig config)
    : loop_(loop), config_(std::move(config)), host_(hostStack(config_.stemcell_dir)) {}

StackRegistry::~StackRegistry() = default;

base::Result<std::unique_ptr<StackRegistry>> StackRegistry::open(loop::Loop& loop,
                                                                 StackRegistryConfig config) {
  MCF_TRY(checkHostStemcell(hostStack(config.stemcell_dir).dir));
  return std::make_unique<StackRegistry>(loop, std::move(config));
}

std::vector<Stack> StackRegistry::list() const {
  std::map<std::string, const Entry*> newest;
  for (const auto& [key, e] : ready_) {
    auto& best = newest[e.meta.name];
    if (!best || e.meta_mtime_ns > best->meta_mtime_ns ||
        (e.meta_mtime_ns == best->meta_mtime_ns && e.meta.version > best->meta.version))
      best = &e;
  }
  std::vector<Stack> out = {host_};
  for (const auto& [name, e] : newest) {
    out.push_back(Stack{e->meta.name, e->meta.description, StackKind::kRootfs, e->rootfs,
                        e->meta.version});
  }
  return out;
}

base::Result<Stack> StackRegistry::find(const std::string& name) {
  auto found = findStack(list(), name);
  if (found.ok()) return found;
  rescan();
  found = findStack(list(), name);
  if (found.ok()) return found;
  for (const auto& key : pending_) {
    if (key.substr(0, key.find('/')) == name) {
      return makeError(Errc::kUnavailable,
                       "Stack '{}' is being prepared (its stemcell is being verified and "
                       "extracted); try again in a minute",
                       name);
    }
  }
  for (const auto& [key, refused] : refused_) {
    if (key.substr(0, key.find('/')) == name) {
      return makeError(Errc::kInvalid, "Stack '{}' is not offered: {}", name, refused.why);
    }
  }
  return found;
}

void StackRegistry::rescan(std::function<void()> done) {
  if (done) waiting_.push_back(std::move(done));
  if (DIR* d = ::opendir(config_.stemcells_dir.c_str())) {
    std::vector<std::string> metas;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n[0] != '.' && n.compare(n.size() - 5, 5, ".json") == 0)
        metas.push_back(base::joinPath(config_.stemcells_dir, n));
    }
    ::closedir(d);
    std::sort(metas.begin(), metas.end());
    for (const auto& m : metas) consider(m);
  }
  if (pending_.empty()) {
    auto callbacks = std::move(waiting_);
    waiting_.clear();
    for (auto& cb : callbacks) cb();
  }
}

void StackRegistry::consider(const std::string& meta_path) {
  auto text = base::readFile(meta_path);
  if (!text.ok()) return;
  auto meta = parseStemcellMeta(*text, config_.stemcells_dir);
  if (!meta.ok()) {
    if (warned_.insert(meta_path).second)
      MCF_WARN("stacks", "ignoring stemcell metadata {}: {}", meta_path, meta.error().message);
    return;
  }
  Entry e;
  e.meta = *meta;
  int64_t meta_size = 0;
  if (!statFile(meta_path, meta_size, e.meta_mtime_ns)) return;
  if (!statFile(e.meta.tarball, e.size, e.mtime_ns)) {
    if (warned_.insert(meta_path).second)
      MCF_WARN("stacks", "stemcell {}: its tarball {} is missing; the stack is not offered",
               meta_path, e.meta.tarball);
    return;
  }
  std::string key = e.meta.name + "/" + e.meta.version;
  std::string version_dir = base::joinPath(config_.stacks_dir, key);
  e.rootfs = version_dir + "/rootfs";
  if (pending_.count(key)) return;
  if (auto r = ready_.find(key); r != ready_.end()) {
    if (r->second.size == e.size && r->second.mtime_ns == e.mtime_ns &&
        r->second.meta.sha256 == e.meta.sha256) {
      r->second.meta_mtime_ns = e.meta_mtime_ns;
      return;
    }
    ready_.erase(r);  // rebuilt: verify again (running containers keep their mounts)
  }
  if (auto r = refused_.find(key);
      r != refused_.end() && r->second.size == e.size && r->second.mtime_ns == e.mtime_ns) {
    return;
  }
  refused_.erase(key);
  if (markerMatches(version_dir, e.meta.sha256, e.size, e.mtime_ns)) {
    ready_[key] = std::move(e);
    return;
  }
  prepare(std::move(e));
}

void StackRegistry::prepare(Entry entry) {
  std::string key = entry.meta.name + "/" + entry.meta.version;
  pending_.insert(key);
  MCF_INFO("stacks", "verifying and extracting stemcell {} into {}", entry.meta.tarball,
           entry.rootfs);
  auto result = std::make_shared<base::Status>();
  std::string version_dir = base::joinPath(config_.stacks_dir, key);
  std::weak_ptr<int> alive = alive_;
  loop::queueWork(
      loop_,
      [result, meta = entry.meta, version_dir, size = entry.size, mtime = entry.mtime_ns] {
        *result = verifyAndExtract(meta, version_dir, size, mtime);
      },
      [this, alive, result, key, entry] {
        if (alive.expired()) return;
        pending_.erase(key);
        if (result->ok()) {
          MCF_INFO("stacks", "stack {} {} is ready", entry.meta.name, entry.meta.version);
          ready_[key] = entry;
        } else {
          MCF_WARN("stacks", "stack {} {} is not offered: {}", entry.meta.name,
                   entry.meta.version, result->error().message);
          refused_[key] = Refused{entry.size, entry.mtime_ns, result->error().message};
        }
        if (pending_.empty()) {
          auto callbacks = std::move(waiting_);
          waiting_.clear();
          for (auto& cb : callbacks) cb();
        }
      });
}

}  // namespace mcf::runner
