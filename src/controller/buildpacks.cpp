// Admin buildpacks: /v3/buildpacks in Cloud Controller's shape. Everyone with a token reads
// them; only admins write. Positions are 1..N without gaps: creating or moving one to position
// p moves the others down (the store does the shifting); a position past the end means last.
// Uploaded bits are checked and extracted on the thread pool into
// <data>/buildpacks/<guid>/, which is replaced in one rename on a new upload. After every
// change ControllerConfig::buildpacks_changed tells the stager's side.
#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "archive/archive.h"
#include "base/buildpack_url.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "http/multipart.h"
#include "loop/loop.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

const std::initializer_list<const char*> kBuildpackOrder = {"position", "name", "created_at",
                                                            "updated_at"};
constexpr int64_t kMaxBuildpackBytes = int64_t(1) << 30;

json presentBuildpack(const Api& api, const model::Buildpack& bp) {
  std::string self = "/v3/buildpacks/" + bp.guid;
  json filename = bp.filename.empty() ? json(nullptr) : json(bp.filename);
  if (bp.filename.empty() && bp.ready) filename = bp.name;  // shipped with microcf
  return {{"guid", bp.guid},
          {"created_at", base::formatTimestamp(bp.created_at)},
          {"updated_at", base::formatTimestamp(bp.updated_at)},
          {"name", bp.name},
          {"stack", bp.stack.empty() ? json(nullptr) : json(bp.stack)},
          {"state", bp.ready ? "READY" : "AWAITING_UPLOAD"},
          {"filename", filename},
          {"position", bp.position},
          {"lifecycle", "buildpack"},
          {"enabled", bp.enabled},
          {"locked", bp.locked},
          {"metadata", presentMetadata(api, meta::kBuildpack, bp.guid)},
          {"links",
           {{"self", {{"href", api.url(self)}}},
            {"upload", {{"href", api.url(self + "/upload")}, {"method", "POST"}}}}}};
}

// Writes are for admins: others get 403, as Cloud Controller answers for buildpacks (which
// every user may read).
base::Status mayWrite(const Api& api, const Call& call) {
  auto st = api.authorize(call, Action::kWriteGlobal, "", "Buildpack");
  if (st.ok() || st.error().code != Errc::kForbidden) return st;
  return base::makeError(Errc::kForbidden, "You are not authorized to perform the requested "
                                           "action. Only admins manage buildpacks.");
}

void changed(Api& api) {
  if (api.config.buildpacks_changed) api.config.buildpacks_changed();
}

base::Result<model::Buildpack> find(Api& api, const std::string& guid) {
  auto bp = api.store.getBuildpack(guid);
  if (!bp.ok() && bp.error().code == Errc::kNotFound)
    return base::makeError(Errc::kNotFound, "Buildpack not found");
  return bp;
}

// Cloud Controller words a taken (name, stack) as a validation error (422, 10008).
base::Status uniqueness(base::Status st) {
  if (st.ok() || st.error().code != Errc::kConflict) return st;
  return base::makeError(Errc::kInvalid, "{}", st.error().message);
}

base::Status validateName(const std::string& name) {
  if (name.empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  if (name.size() > 250)
    return base::makeError(Errc::kInvalid, "Name is too long (maximum is 250 characters)");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok)
      return base::makeError(Errc::kInvalid, "Name can only contain alphanumeric characters, "
                                             "dashes and underscores");
  }
  return {};
}

// Applies the writable fields of a POST or PATCH body to bp.
base::Status applyFields(Api& api, const json& body, model::Buildpack& bp) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    static const char* const kKnown[] = {"name", "stack", "position", "enabled", "locked",
                                         "metadata", "lifecycle"};
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) return base::makeError(Errc::kInvalid, "Unknown field(s): '{}'", it.key());
  }
  auto name = optString(body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (*name) {
    MCF_TRY(validateName(**name));
    bp.name = **name;
  }
  if (body.contains("stack")) {
    if (body["stack"].is_null()) {
      bp.stack.clear();
    } else {
      auto stack = optString(body, "stack", "Stack");
      if (!stack.ok()) return stack.takeError();
      auto resolved = api.stacks.resolve(**stack);
      if (!resolved.ok())
        return base::makeError(Errc::kInvalid, "Stack '{}' does not exist", **stack);
      bp.stack = *resolved;
    }
  }
  if (body.contains("position")) {
    if (!body["position"].is_number_integer() || body["position"].get<int64_t>() < 1)
      return base::makeError(Errc::kInvalid, "Position must be greater than or equal to 1");
    int64_t p = body["position"].get<int64_t>();
    bp.position = p > 1000000 ? 1000000 : static_cast<int>(p);
  }
  for (const char* key : {"enabled", "locked"}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_boolean())
      return base::makeError(Errc::kInvalid, "{} must be a boolean",
                             std::string(key) == "enabled" ? "Enabled" : "Locked");
    (std::string(key) == "enabled" ? bp.enabled : bp.locked) = body[key].get<bool>();
  }
  if (body.contains("lifecycle") && body["lifecycle"] != "buildpack")
    return base::makeError(Errc::kInvalid, "Lifecycle must be 'buildpack': microcf has no "
                                           "cloud native buildpacks");
  return {};
}

std::string buildpacksRoot(const Api& api) {
  return base::joinPath(api.config.data_dir.empty() ? "/tmp" : api.config.data_dir, "buildpacks");
}

// Bits replaced or deleted while a staging has them bind-mounted must stay whole until that
// staging ends: they move to <root>/.retired and go once older than the longest staging
// (24 h, the largest --staging-timeout), or when microcf starts.
constexpr auto kRetiredFor = std::chrono::hours(25);

std::string retiredRoot(const std::string& root) { return base::joinPath(root, ".retired"); }

// Removes retired bits older than kRetiredFor. Blocking: run it off the loop.
void sweepRetired(const std::string& root) {
  std::error_code ec;
  auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& e : std::filesystem::directory_iterator(retiredRoot(root), ec)) {
    std::error_code age_ec;
    auto written = std::filesystem::last_write_time(e.path(), age_ec);
    if (!age_ec && now - written > kRetiredFor) (void)base::removeTree(e.path().string());
  }
}

// Moves a buildpack's bits out of the way (see kRetiredFor).
base::Status retire(const std::string& root, const std::string& dir) {
  MCF_TRY(base::makeDirs(retiredRoot(root)));
  std::string to = base::joinPath(retiredRoot(root),
                                  std::filesystem::path(dir).filename().string() + "-" +
                                      base::randomHex(8));
  std::error_code ec;
  std::filesystem::rename(dir, to, ec);
  if (ec) return base::makeError(Errc::kIo, "Cannot move {} aside: {}", dir, ec.message());
  std::filesystem::last_write_time(to, std::filesystem::file_time_type::clock::now(), ec);
  return {};
}

struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    if (!path.empty()) (void)base::removeTree(path);
  }
};

struct Uploaded {
  std::string filename;
  std::string path;
};

// The blocking part of an upload: checks the zip, extracts it and puts it in place of the
// buildpack's previous bits in one rename.
base::Result<Uploaded> storeBits(const std::string& root, const std::string& guid,
                                 const std::string& body, const std::string& content_type) {
  auto parts = http::parseMultipart(body, content_type);
  if (!parts.ok()) return parts.takeError();
  const http::Part* bits = nullptr;
  for (const auto& p : *parts)
    if (p.name == "bits") bits = &p;
  if (!bits)
    return base::makeError(Errc::kInvalid, "Bits can't be blank: upload the buildpack zip as "
                                           "the multipart field 'bits'");
  if (static_cast<int64_t>(bits->data.size()) > kMaxBuildpackBytes)
    return base::makeError(Errc::kTooLarge, "The buildpack is larger than 1 GiB");
  std::string filename = bits->filename.empty() ? "buildpack.zip" : bits->filename;
  if (bits->data.size() < 4 || bits->data.compare(0, 2, "PK") != 0)
    return base::makeError(Errc::kInvalid, "{} is not a zip: a buildpack is uploaded as a zip "
                                           "of its folder (bin/detect, bin/compile, ...)",
                           filename);
  MCF_TRY(base::makeDirs(root));
  std::string tmpl = base::joinPath(root, "." + guid + "-XXXXXX");
  if (!mkdtemp(tmpl.data()))
    return base::makeError(Errc::kIo, "Cannot create a scratch directory in {}: {}", root,
                           strerror(errno));
  ScratchDir scratch{tmpl};
  std::string zip = base::joinPath(scratch.path, "bits.zip");
  std::string tree = base::joinPath(scratch.path, "tree");
  MCF_TRY(base::writeFileAtomic(zip, bits->data, 0600));
  MCF_TRY(archive::validate(zip));
  MCF_TRY(archive::extract(zip, tree));
  std::string top = base::buildpackTop(tree);
  if (top.empty())
    return base::makeError(Errc::kInvalid, "{} is not a buildpack: it has no bin/detect, "
                                           "bin/compile or bin/finalize at its top",
                           filename);
  std::string dest = base::joinPath(root, guid);
  sweepRetired(root);
  if (base::pathExists(dest)) MCF_TRY(retire(root, dest));
  std::error_code ec;
  std::filesystem::rename(top, dest, ec);
  if (ec) return base::makeError(Errc::kIo, "Cannot move the buildpack to {}: {}", dest, ec.message());
  return Uploaded{filename, dest};
}

}  // namespace

Reply listBuildpacks(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kBuildpackOrder, {"names", "guids", "stacks"});
  if (!q.ok()) return q.takeError();
  auto all = api.store.listBuildpacks();
  if (!all.ok()) return all.takeError();
  std::vector<json> out;
  for (const auto& bp : *all) {
    if (!q->matches("names", bp.name) || !q->matches("guids", bp.guid)) continue;
    if (q->has("stacks")) {
      // stacks= matches the stored name and what the platform resolves a name to.
      bool hit = false;
      for (const auto& s : *q->filter("stacks")) {
        auto resolved = api.stacks.resolve(s);
        hit = hit || s == bp.stack || (resolved.ok() && *resolved == bp.stack) ||
              (s.empty() && bp.stack.empty());
      }
      if (!hit) continue;
    }
    out.push_back(presentBuildpack(api, bp));
  }
  return jsonReply(200, paginate(api, "/v3/buildpacks", *q, std::move(out)));
}

Reply getBuildpack(Api& api, const Call& call) {
  auto bp = find(api, call.param("guid"));
  if (!bp.ok()) return bp.takeError();
  return jsonReply(200, presentBuildpack(api, *bp));
}

Reply createBuildpack(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(mayWrite(api, call));
  if (!body->contains("name")) return base::makeError(Errc::kInvalid, "Name can't be blank");
  model::Buildpack bp;
  bp.position = 0;  // last unless given
  MCF_TRY(applyFields(api, *body, bp));
  auto made = api.store.createBuildpack(bp);
  if (!made.ok()) return uniqueness(made.takeError()).takeError();
  changed(api);
  return jsonReply(201, presentBuildpack(api, *made));
}

Reply updateBuildpack(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  auto bp = find(api, call.param("guid"));
  if (!bp.ok()) return bp.takeError();
  MCF_TRY(mayWrite(api, call));
  MCF_TRY(applyFields(api, *body, *bp));
  auto metadata = metadataUpdate(api, meta::kBuildpack, bp->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  MCF_TRY(uniqueness(api.store.updateBuildpack(*bp)));
  MCF_TRY(saveMetadata(api, meta::kBuildpack, bp->guid, *metadata));
  changed(api);
  auto now = api.store.getBuildpack(bp->guid);
  if (!now.ok()) return now.takeError();
  return jsonReply(200, presentBuildpack(api, *now));
}

// Deleted at once (the stager's next staging no longer sees it); its bits are retired, as a
// running staging may still use them. Answers with a job, as Cloud Controller does.
Reply deleteBuildpack(Api& api, const Call& call) {
  auto bp = find(api, call.param("guid"));
  if (!bp.ok()) return bp.takeError();
  MCF_TRY(mayWrite(api, call));
  MCF_TRY(api.store.deleteBuildpack(bp->guid));
  changed(api);
  std::string root = buildpacksRoot(api);
  std::string dir = base::joinPath(root, bp->guid);
  if (bp->path == dir && base::pathExists(dir)) {
    if (auto retired = retire(root, dir); !retired.ok())
      MCF_WARN("controller", "deleted buildpack {}: {}", bp->name, retired.error().message);
    loop::queueWork(api.loop, [root] { sweepRetired(root); }, [] {});
  }
  return accepted(api, api.jobs.add("buildpack.delete", "/v3/buildpacks/" + bp->guid,
                                    api.nowSeconds()));
}

void uploadBuildpack(Api& api, Call&& call, Done done) {
  auto bp = find(api, call.param("guid"));
  if (!bp.ok()) return done(bp.takeError());
  if (auto st = mayWrite(api, call); !st.ok()) return done(st.takeError());
  if (bp->locked)
    return done(base::makeError(Errc::kInvalid, "Buildpack is locked: unlock it first (microcf "
                                                "update-buildpack {} --unlock)", bp->name));
  const std::string* ct = call.request.header("Content-Type");
  std::string content_type = ct ? *ct : "";
  auto job = std::make_shared<std::pair<http::Request, base::Result<Uploaded>>>(
      std::move(call.request), base::Result<Uploaded>(Uploaded{}));
  std::string root = buildpacksRoot(api);
  std::weak_ptr<int> alive = api.alive;
  Api* self = &api;
  std::string guid = bp->guid;
  loop::queueWork(
      api.loop,
      [job, root, guid, content_type] {
        job->second = storeBits(root, guid, job->first.body, content_type);
        job->first.body = std::string();
      },
      [job, alive, self, guid, done] {
        if (alive.expired()) return done(base::makeError(Errc::kUnavailable, "shutting down"));
        Api& api = *self;
        if (!job->second.ok()) return done(job->second.takeError());
        auto bp = api.store.getBuildpack(guid);  // deleted meanwhile?
        if (!bp.ok()) {
          (void)base::removeTree(job->second->path);
          return done(base::makeError(Errc::kNotFound, "Buildpack not found"));
        }
        bp->ready = true;
        bp->filename = job->second->filename;
        bp->path = job->second->path;
        if (auto st = api.store.updateBuildpack(*bp); !st.ok()) return done(st.takeError());
        changed(api);
        auto now = api.store.getBuildpack(guid);
        if (!now.ok()) return done(now.takeError());
        done(jsonReply(200, presentBuildpack(api, *now)));
      });
}

}  // namespace mcf::controller
