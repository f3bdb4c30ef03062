// POST /v3/packages/:guid/upload: checks the zip, merges pooled resources, stores the package.
//
// The multipart body is parsed, checked and stored on the libuv thread pool (it may be 1 GiB);
// the loop only flips the package's state before and after. The request is answered when the
// package is READY or FAILED, so a malicious archive is refused with 422 right away.
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "blobstore/blobstore.h"
#include "blobstore/digest.h"
#include "blobstore/resource_pool.h"
#include "controller/api.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/presenters.h"
#include "http/multipart.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

constexpr int64_t kMaxPackageBytes = int64_t(1) << 30;  // Cloud Controller's limit

struct Resource {
  std::string sha1;
  std::string path;
  int64_t size = -1;  // -1: not given
  int mode = 0644;
};

// A path inside the package: relative, no "..", no empty or "." segments.
base::Status checkRelative(const std::string& path) {
  bool ok = !path.empty() && path[0] != '/';
  for (const auto& seg : base::split(path, '/'))
    ok = ok && !seg.empty() && seg != "." && seg != "..";
  if (ok) return {};
  return base::makeError(Errc::kInvalid, "The resource path '{}' is not allowed: paths must stay "
                                         "inside the app directory", path);
}

// v3 {checksum:{value}, size_in_bytes, path, mode} or v2 {sha1, size, fn, mode}.
base::Result<std::vector<Resource>> parseResources(const std::string& text) {
  json list = json::parse(text, nullptr, false);
  if (list.is_discarded() || !list.is_array())
    return base::makeError(Errc::kParse, "Request invalid due to parse error: 'resources' must "
                                         "be a JSON list");
  std::vector<Resource> out;
  for (const auto& r : list) {
    if (!r.is_object()) continue;
    Resource res;
    if (auto c = r.find("checksum"); c != r.end() && c->is_object())
      res.sha1 = c->value("value", "");
    else
      res.sha1 = r.value("sha1", "");
    res.path = r.contains("path") ? r.value("path", "") : r.value("fn", "");
    for (const char* key : {"size_in_bytes", "size"}) {  // v3, then v2
      auto s = r.find(key);
      if (res.size < 0 && s != r.end() && s->is_number_integer()) res.size = s->get<int64_t>();
    }
    if (auto m = r.find("mode"); m != r.end() && m->is_string()) {
      res.mode = static_cast<int>(strtol(m->get<std::string>().c_str(), nullptr, 8)) & 0777;
    }
    if (res.mode == 0) res.mode = 0644;
    MCF_TRY(checkRelative(res.path));
    out.push_back(std::move(res));
  }
  return out;
}

// Removes the upload's scratch directory however processing ends.
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    if (!path.empty()) (void)base::removeTree(path);
  }
};

// Puts a pooled file at its path in the package, checked against its SHA-1 on the way.
base::Status copyResource(blobstore::ResourcePool& pool, const Resource& r,
                          const std::string& tree) {
  std::filesystem::path dest = std::filesystem::path(tree) / r.path;
  std::error_code ec;
  std::filesystem::create_directories(dest.parent_path(), ec);
  std::filesystem::remove(dest, ec);  // never write through a symlink the zip put there
  auto copied = pool.copyOut(r.sha1, r.size, dest.string(), r.mode);
  if (copied.ok()) return {};
  if (copied.error().code == Errc::kNotFound)
    return base::makeError(Errc::kInvalid, "The resource '{}' (sha1 {}) is no longer cached; "
                                           "push again to upload it", r.path, r.sha1);
  return base::makeError(copied.error().code, "Cannot copy the cached resource '{}' into the "
                                              "package: {}", r.path, copied.error().message);
}

struct Uploaded {
  std::string blob_key;        // of the stored package zip
  std::string content_digest;  // of its files (blobstore::digestTree)
};

// The blocking part: stores the package zip.
base::Result<Uploaded> processUpload(blobstore::Blobstore& blobs, blobstore::ResourcePool& pool,
                                        const std::string& tmp_root, const std::string& body,
                                        const std::string& content_type) {
  auto parts = http::parseMultipart(body, content_type);
  if (!parts.ok()) return parts.takeError();
  const http::Part* bits = nullptr;
  const http::Part* resources_part = nullptr;
  for (const auto& p : *parts) {
    if (p.name == "bits") bits = &p;
    if (p.name == "resources") resources_part = &p;
  }
  if (!bits && !resources_part)
    return base::makeError(Errc::kInvalid, "Upload must include either resources or bits");
  if (bits && static_cast<int64_t>(bits->data.size()) > kMaxPackageBytes)
    return base::makeError(Errc::kTooLarge, "The package is larger than 1 GiB; leave big files "
                                            "out with .cfignore");
  std::vector<Resource> resources;
  if (resources_part) {
    auto parsed = parseResources(resources_part->data);
    if (!parsed.ok()) return parsed.takeError();
    resources = std::move(*parsed);
  }

  MCF_TRY(base::makeDirs(tmp_root));
  std::string tmpl = base::joinPath(tmp_root, "upload-XXXXXX");
  if (!mkdtemp(tmpl.data()))
    return base::makeError(Errc::kIo, "Cannot create a scratch directory in {}: {}", tmp_root,
                           strerror(errno));
  ScratchDir scratch{tmpl};
  std::string zip = base::joinPath(scratch.path, "bits.zip");
  std::string tree = base::joinPath(scratch.path, "tree");
  if (bits) {
    MCF_TRY(base::writeFileAtomic(zip, bits->data, 0600));
    // Checked before anything is written from it; extract() checks again while writing.
    MCF_TRY(archive::validate(zip));
    MCF_TRY(archive::extract(zip, tree));
  } else {
    MCF_TRY(base::makeDirs(tree));
  }
  // The zip's files, pooled below so that the next push can skip them.
  std::vector<std::string> uploaded;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(tree, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) uploaded.push_back(it->path().string());
  }
  // The pooled files first: pooling the new ones may evict old entries.
  for (const auto& r : resources) MCF_TRY(copyResource(pool, r, tree));
  // Failures only cost a later upload. The pool links these files: nothing writes to them.
  for (const auto& file : uploaded) (void)pool.add(file);
  if (!resources.empty() || !bits) {
    zip = base::joinPath(scratch.path, "package.zip");
    MCF_TRY(archive::create(tree, zip, archive::Format::kZip));
  }
  Uploaded out;
  auto digest = blobstore::digestTree(tree);
  if (!digest.ok()) return digest.takeError();
  out.content_digest = std::move(*digest);
  auto key = blobs.put(zip, true);
  if (!key.ok()) return key.takeError();
  out.blob_key = std::move(*key);
  return out;
}

}  // namespace

void uploadPackage(Api& api, Call&& call, Done done) {
  auto pkg = api.store.getPackage(call.param("guid"));
  if (!pkg.ok()) return done(pkg.takeError());
  auto app = api.app(call, pkg->app_guid, Action::kWriteDev);
  if (!app.ok()) {
    return done(app.error().code == Errc::kNotFound
                    ? base::makeError(Errc::kNotFound, "Package not found")
                    : app.takeError());
  }
  if (pkg->state != model::PackageState::kAwaitingUpload) {
    return done(base::makeError(Errc::kInvalid, "The package is {}; bits can be uploaded only "
                                                "once, to a package AWAITING_UPLOAD. Create a "
                                                "new package.", model::toString(pkg->state)));
  }
  pkg->state = model::PackageState::kProcessingUpload;
  if (auto st = api.store.updatePackage(*pkg); !st.ok()) return done(st.takeError());
  recordAppEvent(api, call, "audit.app.package.upload", *app, {{"package_guid", pkg->guid}});

  const std::string* ct = call.request.header("Content-Type");
  std::string content_type = ct ? *ct : "";
  auto job = std::make_shared<std::pair<http::Request, base::Result<Uploaded>>>(
      std::move(call.request), base::Result<Uploaded>(Uploaded{}));
  std::string tmp_root = base::joinPath(api.config.data_dir.empty() ? "/tmp" : api.config.data_dir,
                                        "tmp");
  blobstore::Blobstore* blobs = &api.blobs;
  blobstore::ResourcePool* pool = &api.pool;
  std::weak_ptr<int> alive = api.alive;
  Api* self = &api;
  std::string guid = pkg->guid;
  loop::queueWork(
      api.loop,
      [job, blobs, pool, tmp_root, content_type] {
        job->second = processUpload(*blobs, *pool, tmp_root, job->first.body, content_type);
        job->first.body = std::string();  // free the upload before the loop runs again
      },
      [job, alive, self, guid, done] {
        if (alive.expired()) return done(base::makeError(Errc::kUnavailable, "shutting down"));
        Api& api = *self;
        auto pkg = api.store.getPackage(guid);  // the app may have been deleted meanwhile
        if (!pkg.ok()) return done(pkg.takeError());
        if (!job->second.ok()) {
          pkg->state = model::PackageState::kFailed;
          pkg->error = job->second.error().message;
          (void)api.store.updatePackage(*pkg);
          return done(job->second.takeError());
        }
        pkg->state = model::PackageState::kReady;
        pkg->blob_key = job->second->blob_key;
        pkg->checksum_sha256 = job->second->blob_key;  // blob keys are the sha256 of the content
        pkg->content_digest = job->second->content_digest;
        pkg->error.clear();
        if (auto st = api.store.updatePackage(*pkg); !st.ok()) return done(st.takeError());
        done(jsonReply(200, presentPackage(api, *pkg)));
      });
}

}  // namespace mcf::controller
