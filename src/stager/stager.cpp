// Staging: package → staging container running the builder → droplet.
#include "stager/stager.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "base/buildpack_url.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strutil.h"
#include "logs/line_splitter.h"
#include "runner/disk_quota.h"
#include "stager/build_cache.h"
#include "stager/buildpack_fetch.h"

namespace mcf::stager {

using base::Errc;
using base::makeError;

namespace {

constexpr size_t kTailLines = 20;
// Where the staging container sees the custom buildpacks fetched for its build.
constexpr const char* kDownloadsInContainer = "/tmp/buildpack-downloads";

// The staging container's processes run as vcap and must write these trees.
base::Status chownTree(const std::string& root, runner::HostIds vcap) {
  return base::chownTree(root, static_cast<int>(vcap.uid), static_cast<int>(vcap.gid));
}

}  // namespace

struct Stager::Run {
  Job job;
  std::function<void(base::Result<Outcome>)> done;
  std::string dir;
  std::string handle;
  std::vector<std::string> order;  // buildpack names given to the builder
  bool skip_detect = false;
  std::deque<std::string> tail;    // the builder's last lines, for error messages
  std::unique_ptr<loop::Timer> timeout;
  std::unique_ptr<logs::LineSplitter> out;
  std::unique_ptr<logs::LineSplitter> err;
  bool started = false;  // holds a slot (else it waits in waiting_)
  bool limited_dir = false;  // dir is its own file system of the staging's disk size
  bool container_created = false;
  bool timed_out = false;
  bool canceled = false;     // the app was deleted while it ran
  bool clear_cache = false;  // clear_buildpack_cache came while it ran: its cache is not saved
};

Stager::Stager(loop::Loop& loop, runner::Backend& backend, blobstore::Blobstore& blobs,
               logs::LogStore& logs, const BuildpackRegistry& buildpacks, StagerConfig config)
    : loop_(loop),
      backend_(backend),
      blobs_(blobs),
      logs_(logs),
      buildpacks_(buildpacks),
      config_(std::move(config)) {}

Stager::~Stager() {
  for (auto& [guid, run] : runs_) {
    if (run->container_created) (void)backend_.destroy(run->handle);
    if (run->started) (void)backend_.removeScratchDir(run->dir);
  }
}

void Stager::stg(const Run& run, const std::string& line, bool is_err) {
  logs_.emit(run.job.app_guid, "STG", "0", is_err, line);
}

void Stager::stage(const Job& job, std::function<void(base::Result<Outcome>)> done) {
  auto run = std::make_unique<Run>();
  run->job = job;
  run->done = std::move(done);
  run->dir = base::joinPath(config_.staging_root, job.build_guid);
  run->handle = "staging-" + job.build_guid;
  if (job.buildpacks.empty()) {
    run->order = buildpacks_.names(job.stack);
  } else {
    for (const auto& name : job.buildpacks) {
      if (base::isBuildpackUrl(name)) continue;
      if (auto usable = buildpacks_.checkRequested(name, job.stack); !usable.ok()) {
        auto cb = std::move(run->done);
        cb(usable.takeError());
        return;
      }
    }
    run->order = job.buildpacks;
    run->skip_detect = true;
  }
  Run& r = *run;
  runs_[job.build_guid] = std::move(run);
  if (config_.max_stagings > 0 && running_ >= config_.max_stagings) {
    stg(r, fmt::format("Waiting for a staging slot ({} staging{} running, {} ahead of this one)",
                       running_, running_ == 1 ? "" : "s", waiting_.size()));
    waiting_.push_back(job.build_guid);
    return;
  }
  begin(r);
}

void Stager::begin(Run& run) {
  run.started = true;
  ++running_;
  stg(run, "Downloading app package...");
  prepare(run);
}

void Stager::startWaiting() {
  while (!waiting_.empty() && (config_.max_stagings <= 0 || running_ < config_.max_stagings)) {
    std::string build_guid = waiting_.front();
    waiting_.pop_front();
    auto it = runs_.find(build_guid);
    if (it != runs_.end()) begin(*it->second);
  }
}

void Stager::cancel(const std::string& app_guid) {
  // Collected first: stop and finish may end runs at once, which erases them from runs_.
  std::vector<std::string> dropped, stopped;
  for (auto& [guid, run] : runs_) {
    if (run->job.app_guid != app_guid) continue;
    if (!run->started) {
      dropped.push_back(guid);
      continue;
    }
    run->canceled = true;  // prepare's end or the builder's exit fails the staging
    if (run->container_created) stopped.push_back(run->handle);
  }
  for (const auto& handle : stopped) (void)backend_.stop(handle, true);
  for (const auto& guid : dropped)
    finish(guid, makeError(Errc::kStagingError,
                           "Staging was canceled: the app was deleted while its staging waited "
                           "for a slot"));
}

void Stager::prepare(Run& run) {
  struct Prepared {
    base::Status status;
    base::Status fetched;  // custom buildpacks: its message is the user's error as it is
    int64_t bytes = 0;
    bool limited_dir = false;
  };
  auto result = std::make_shared<Prepared>();
  // Custom buildpacks (URLs) are fetched into <dir>/buildpacks/<key of the URL>.
  std::vector<std::string> urls;
  for (const auto& name : run.order)
    if (base::isBuildpackUrl(name) && std::find(urls.begin(), urls.end(), name) == urls.end())
      urls.push_back(name);
  for (const auto& url : urls) stg(run, fetchStartLine(url));
  std::string dir = run.dir;
  std::string package = run.job.package_path;
  std::string saved_cache = savedCacheDir(config_.caches_dir, run.job.app_guid, run.job.stack);
  std::string build_guid = run.job.build_guid;
  runner::HostIds vcap = backend_.vcapHostIds();
  runner::Backend* backend = &backend_;
  int disk_mb = run.job.disk_mb;
  loop::queueWork(
      loop_,
      [result, dir, package, saved_cache, vcap, urls, backend, disk_mb] {
        auto step = [&]() -> base::Status {
          // The package, the droplet and the cache count against the staging's disk limit as
          // much as what the build writes in the container's own layer.
          auto scratch = backend->makeScratchDir(dir, disk_mb);
          if (!scratch.ok()) return scratch.takeError();
          result->limited_dir = *scratch;
          for (const char* sub : {"app", "droplet", "output"})
            MCF_TRY(base::makeDirs(base::joinPath(dir, sub)));
          MCF_TRY(archive::extract(package, base::joinPath(dir, "app")));
          MCF_TRY(restoreCache(saved_cache, base::joinPath(dir, "cache")));
          for (const char* sub : {"app", "droplet", "output", "cache"})
            MCF_TRY(chownTree(base::joinPath(dir, sub), vcap));
          return {};
        };
        result->status = step();
        struct stat st;
        if (::stat(package.c_str(), &st) == 0) result->bytes = st.st_size;
        if (!result->status.ok()) return;
        std::string downloads = base::joinPath(dir, "buildpacks");
        for (const auto& url : urls) {
          result->fetched =
              fetchBuildpack(url, base::joinPath(downloads, base::buildpackUrlKey(url)));
          if (!result->fetched.ok()) return;
        }
        if (urls.empty()) return;
        if (auto owned = chownTree(downloads, vcap); !owned.ok())
          result->fetched = makeError(Errc::kStagingError, "{}", owned.error().message);
      },
      [this, result, build_guid] {
        auto it = runs_.find(build_guid);
        if (it == runs_.end()) return;
        if (it->second->canceled) {
          finish(build_guid, makeError(Errc::kStagingError,
                                       "Staging was canceled: the app was deleted"));
          return;
        }
        if (!result->status.ok()) {
          finish(build_guid, makeError(Errc::kStagingError, "Downloading the app package failed: {}",
                                       result->status.error().message));
          return;
        }
        if (!result->fetched.ok()) {
          finish(build_guid, result->fetched.takeError());
          return;
        }
        it->second->limited_dir = result->limited_dir;
        stg(*it->second, fmt::format("Downloaded app package ({})", base::humanBytes(result->bytes)));
        startContainer(build_guid);
      });
}

void Stager::startContainer(const std::string& build_guid) {
  Run& run = *runs_.at(build_guid);
  runner::ContainerSpec spec;
  spec.handle = run.handle;
  spec.stack = run.job.stack;
  spec.limits.memory_mb = run.job.memory_mb;
  spec.limits.disk_mb = run.job.disk_mb;
  spec.net_out = config_.net_out;
  spec.properties = {{"app_guid", run.job.app_guid}, {"build_guid", build_guid}, {"kind", "staging"}};
  spec.bind_mounts = {
      {base::joinPath(run.dir, "app"), "/tmp/app", false},
      {base::joinPath(run.dir, "droplet"), "/tmp/droplet", false},
      {base::joinPath(run.dir, "output"), "/tmp/output", false},
      {base::joinPath(run.dir, "cache"), "/tmp/cache", false},
  };
  bool custom = false;
  for (const auto& name : run.order) {
    if (base::isBuildpackUrl(name)) {
      custom = true;
      continue;
    }
    const AdminBuildpack* bp = buildpacks_.find(name, run.job.stack);
    if (!bp) {  // deleted by an admin while the package was downloaded
      finish(build_guid, makeError(Errc::kStagingError, "Buildpack '{}' was deleted while the "
                                   "app staged; push again", name));
      return;
    }
    spec.bind_mounts.push_back({bp->dir, "/tmp/buildpacks/" + name, true});
  }
  // Writable, as in Cloud Foundry, where buildpacks are downloaded inside the container: some
  // build their own tools into their folder. The folder is this build's copy.
  if (custom) {
    spec.bind_mounts.push_back(
        {base::joinPath(run.dir, "buildpacks"), kDownloadsInContainer, false});
  }

  auto created = backend_.create(spec);
  if (!created.ok()) {
    finish(build_guid, makeError(Errc::kStagingError, "Creating the staging container failed: {}",
                                 created.error().message));
    return;
  }
  run.container_created = true;

  auto on_line = [this, build_guid](bool is_err) {
    return [this, build_guid, is_err](std::string_view line) {
      auto it = runs_.find(build_guid);
      if (it == runs_.end()) return;
      Run& r = *it->second;
      r.tail.emplace_back(line);
      if (r.tail.size() > kTailLines) r.tail.pop_front();
      stg(r, std::string(line), is_err);
    };
  };
  run.out = std::make_unique<logs::LineSplitter>(on_line(false));
  run.err = std::make_unique<logs::LineSplitter>(on_line(true));

  runner::ProcessSpec proc;
  proc.path = "/tmp/lifecycle/builder";
  proc.args = {"-buildDir=/tmp/app",
               "-buildpacksDir=/tmp/buildpacks",
               "-buildpackOrder=" + base::join(run.order, ","),
               "-buildArtifactsCacheDir=/tmp/cache",
               "-outputDroplet=/tmp/droplet",
               "-outputMetadata=/tmp/output/result.json",
               std::string("-skipDetect=") + (run.skip_detect ? "true" : "false")};
  if (custom) proc.args.push_back(std::string("-buildpacksDownloadDir=") + kDownloadsInContainer);
  proc.env = run.job.env;
  proc.dir = "/tmp/app";
  proc.user = "vcap";
  runner::ProcessIO io;
  io.on_stdout = [this, build_guid](std::string_view chunk) {
    auto it = runs_.find(build_guid);
    if (it != runs_.end()) it->second->out->feed(chunk);
  };
  io.on_stderr = [this, build_guid](std::string_view chunk) {
    auto it = runs_.find(build_guid);
    if (it != runs_.end()) it->second->err->feed(chunk);
  };
  auto pid = backend_.run(run.handle, proc, std::move(io),
                          [this, build_guid](const runner::ProcessExit& e) { onBuilderExit(build_guid, e); });
  if (!pid.ok()) {
    finish(build_guid, makeError(Errc::kStagingError, "Starting the builder failed: {}",
                                 pid.error().message));
    return;
  }
  run.timeout = std::make_unique<loop::Timer>(loop_);
  run.timeout->start(config_.timeout_ms, 0, [this, build_guid] {
    auto it = runs_.find(build_guid);
    if (it == runs_.end()) return;
    it->second->timed_out = true;
    (void)backend_.stop(it->second->handle, true);
  });
}

void Stager::onBuilderExit(const std::string& build_guid, const runner::ProcessExit& exit) {
  auto it = runs_.find(build_guid);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  run.out->flush();
  run.err->flush();
  if (run.canceled) {
    finish(build_guid, makeError(Errc::kStagingError, "Staging was canceled: the app was deleted"));
    return;
  }
  if (run.timed_out) {
    uint64_t ms = config_.timeout_ms;
    std::string limit = fmt::format("{} milliseconds", ms);
    if (ms % 60000 == 0)
      limit = fmt::format("{} minute{}", ms / 60000, ms == 60000 ? "" : "s");
    else if (ms % 1000 == 0)
      limit = fmt::format("{} seconds", ms / 1000);
    finish(build_guid, makeError(Errc::kStagingError,
                                 "StagingTimeExpired: staging did not finish within {}. The "
                                 "platform's staging timeout is set with 'microcf up "
                                 "--staging-timeout'.",
                                 limit));
    return;
  }
  // The memory limit often kills a child of the builder (npm, pip, a compiler): the builder
  // then fails on its own, and the container's count of such kills says why.
  bool out_of_memory = exit.out_of_memory;
  bool disk_full = false;
  if (exit.status != 0) {
    if (auto info = backend_.info(run.handle); info.ok()) {
      out_of_memory = out_of_memory || info->usage.oom_kills > 0;
      // The file system's own metadata takes a little of the image: nearly full is full.
      uint64_t limit = uint64_t(std::max(run.job.disk_mb, 0)) << 20;
      disk_full = limit > 0 && info->usage.disk_bytes >= limit / 100 * 95;
    }
    if (run.limited_dir) {
      auto space = runner::diskUsage(run.dir);
      disk_full = disk_full || (space.ok() && space->total_bytes > 0 &&
                                space->used_bytes >= space->total_bytes / 100 * 95);
    }
  }
  if (exit.status != 0 || out_of_memory) {
    std::string tail = base::join(std::vector<std::string>(run.tail.begin(), run.tail.end()), "\n");
    if (out_of_memory) finish(build_guid, outOfMemoryError(run.job.memory_mb, tail));
    else if (disk_full) finish(build_guid, diskFullError(run.job.disk_mb, tail));
    else finish(build_guid, builderError(exit.status, run.order, tail));
    return;
  }
  auto result_json = base::readFile(base::joinPath(run.dir, "output/result.json"));
  if (!result_json.ok()) {
    finish(build_guid, makeError(Errc::kStagingError, "The builder wrote no result: {}",
                                 result_json.error().message));
    return;
  }
  auto parsed = parseResult(*result_json);
  if (!parsed.ok()) {
    finish(build_guid, parsed.takeError());
    return;
  }
  stg(run, "Uploading droplet, build artifacts cache...");

  struct Packed {
    base::Status status;
    std::string key;
    int64_t bytes = 0;
  };
  auto packed = std::make_shared<Packed>();
  std::string contents = base::joinPath(run.dir, "droplet");
  std::string tgz = base::joinPath(run.dir, "droplet.tgz");
  std::string extracted = base::joinPath(config_.droplets_dir, run.job.droplet_guid);
  auto outcome = std::make_shared<Outcome>(std::move(parsed).value());
  runner::HostIds vcap = backend_.vcapHostIds();
  // Only a successful staging saves its cache, and not one whose cache was cleared meanwhile.
  std::string cache = run.clear_cache ? "" : base::joinPath(run.dir, "cache");
  std::string saved_cache = savedCacheDir(config_.caches_dir, run.job.app_guid, run.job.stack);
  loop::queueWork(
      loop_,
      [this, packed, contents, tgz, extracted, vcap, cache, saved_cache, build_guid] {
        auto step = [&]() -> base::Status {
          MCF_TRY(base::makeDirs(base::joinPath(contents, "tmp")));
          MCF_TRY(base::makeDirs(base::joinPath(contents, "logs")));
          MCF_TRY(chownTree(contents, vcap));
          MCF_TRY(archive::create(contents, tgz, archive::Format::kTarGz));
          struct stat st;
          if (::stat(tgz.c_str(), &st) == 0) packed->bytes = st.st_size;
          auto key = blobs_.put(tgz, true);
          if (!key.ok()) return key.takeError();
          packed->key = *key;
          // The extracted tree is what instances run from: keep it instead of unpacking again.
          MCF_TRY(base::makeDirs(config_.droplets_dir));
          MCF_TRY(base::removeTree(extracted));
          if (::rename(contents.c_str(), extracted.c_str()) != 0) {
            // The staging folder is its own file system when it has a disk limit.
            if (errno != EXDEV)
              return makeError(Errc::kIo, "cannot move the droplet to {}: {}", extracted,
                               strerror(errno));
            MCF_TRY(base::copyTree(contents, extracted));
            MCF_TRY(chownTree(extracted, vcap));
          }
          // The droplet is what counts: a cache that cannot be saved only makes the next
          // staging start without it.
          if (!cache.empty()) {
            if (auto saved = saveCache(cache, saved_cache, build_guid); !saved.ok())
              MCF_WARN("stager", "the build cache of build {} was not saved: {}", build_guid,
                       saved.error().message);
          }
          return {};
        };
        packed->status = step();
      },
      [this, build_guid, packed, outcome] {
        auto it = runs_.find(build_guid);
        if (it == runs_.end()) return;
        if (!packed->status.ok()) {
          finish(build_guid, makeError(Errc::kStagingError, "Uploading the droplet failed: {}",
                                       packed->status.error().message));
          return;
        }
        stg(*it->second, fmt::format("Uploaded droplet ({})", base::humanBytes(packed->bytes)));
        stg(*it->second, "Uploading complete");
        outcome->droplet_blob_key = packed->key;
        outcome->droplet_sha256 = packed->key;
        finish(build_guid, std::move(*outcome));
      });
}

base::Status Stager::clearCache(const std::string& app_guid) {
  if (app_guid.empty() || app_guid.find('/') != std::string::npos || app_guid == "." ||
      app_guid == "..")
    return makeError(Errc::kInvalid, "invalid app guid '{}'", app_guid);
  for (auto& [guid, run] : runs_)
    if (run->job.app_guid == app_guid) run->clear_cache = true;
  removeCache(app_guid);
  return {};
}

void Stager::removeCache(const std::string& app_guid) {
  std::string cache = base::joinPath(config_.caches_dir, app_guid);
  struct stat st;
  if (::lstat(cache.c_str(), &st) != 0) return;
  // Renamed first so that a staging started right after does not see a half-deleted cache.
  std::string trash = fmt::format("{}.deleting-{}", cache, ::getpid());
  for (int n = 1; ::access(trash.c_str(), F_OK) == 0; ++n)
    trash = fmt::format("{}.deleting-{}-{}", cache, ::getpid(), n);
  if (::rename(cache.c_str(), trash.c_str()) != 0) {
    MCF_WARN("stager", "cannot move the build cache {} away: {}", cache, strerror(errno));
    trash = cache;
  }
  loop::queueWork(
      loop_,
      [trash] {
        if (auto st = base::removeTree(trash); !st.ok())
          MCF_WARN("stager", "removing the build cache {}: {}", trash, st.error().message);
      },
      [] {});
}

void Stager::finish(const std::string& build_guid, base::Result<Outcome> outcome) {
  auto it = runs_.find(build_guid);
  if (it == runs_.end()) return;
  std::unique_ptr<Run> run = std::move(it->second);
  runs_.erase(it);
  if (run->started) {
    --running_;
  } else {
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), build_guid), waiting_.end());
  }
  if (run->container_created) {
    if (auto st = backend_.destroy(run->handle); !st.ok())
      MCF_WARN("stager", "destroying staging container {}: {}", run->handle, st.error().message);
  }
  std::string dir = run->dir;
  if (run->started) {
    runner::Backend* backend = &backend_;
    loop::queueWork(
        loop_,
        [backend, dir] {
          if (auto removed = backend->removeScratchDir(dir); !removed.ok())
            MCF_WARN("stager", "removing staging folder {}: {}", dir, removed.error().message);
        },
        [] {});
  }
  // A cache saved just before clear_buildpack_cache came goes too.
  if (run->clear_cache && outcome.ok()) removeCache(run->job.app_guid);
  startWaiting();
  auto done = std::move(run->done);
  done(std::move(outcome));
}

base::Error builderError(int status, const std::vector<std::string>& tried,
                         const std::string& last_lines) {
  std::string tail = last_lines.empty() ? "" : "\n" + last_lines;
  std::vector<std::string> lines = base::split(last_lines, '\n');
  switch (status) {
    case 222: {
      // The builder ends with "Buildpacks tried:" and a line per buildpack saying what it
      // looks for (from the buildpack's manifest.yml); without them, just the names.
      std::vector<std::string> looks_for;
      auto header = std::find(lines.begin(), lines.end(), "Buildpacks tried:");
      for (auto it = header == lines.end() ? header : header + 1;
           it != lines.end() && it->starts_with("  "); ++it)
        looks_for.push_back(*it);
      if (looks_for.empty())
        for (const std::string& name : tried) looks_for.push_back("  " + name);
      return makeError(Errc::kNoAppDetected,
                       "An app was not successfully detected by any available buildpack. "
                       "Buildpacks tried:\n{}\nAdd to the app what one of them looks for, or "
                       "name a buildpack with -b.",
                       base::join(looks_for, "\n"));
    }
    case 223:
      return makeError(Errc::kBuildpackCompileFailed,
                       "App staging failed in the buildpack compile phase{}", tail);
    case 224:
      return makeError(Errc::kBuildpackReleaseFailed,
                       "App staging failed in the buildpack release phase{}", tail);
    // Cloud Controller reports a failed supply script as BuildpackCompileFailed; the builder's
    // last lines say which buildpack failed, or that it has no bin/supply for multi-buildpack use.
    case 225:
      return makeError(Errc::kBuildpackCompileFailed,
                       "App staging failed in the buildpack compile phase: a buildpack's "
                       "bin/supply failed, or a buildpack that is not the last one has no "
                       "bin/supply (it does not support multi-buildpack apps){}",
                       tail);
    case 226:
      return makeError(Errc::kBuildpackCompileFailed,
                       "App staging failed in the buildpack compile phase: the buildpack's "
                       "bin/finalize failed{}",
                       tail);
    case 227: {  // lifecycle::kExitProcfileInvalid
      constexpr std::string_view kPrefix = "Failed to read command from Procfile: ";
      std::string problem;
      for (const std::string& line : lines)
        if (line.starts_with(kPrefix)) problem = line.substr(kPrefix.size());
      if (problem.empty())
        return makeError(Errc::kStagingError,
                         "Staging error: staging failed: the app's Procfile is not valid. Each "
                         "line of a Procfile is 'TYPE: COMMAND' (web: ./start.sh); fix it and "
                         "push again.{}",
                         tail);
      return makeError(Errc::kStagingError,
                       "Staging error: staging failed: the app's Procfile is not valid: {}. Fix "
                       "it and push again.",
                       problem);
    }
    default:
      return makeError(Errc::kStagingError, "Staging failed: the builder exited with status {}{}",
                       status, tail);
  }
}

base::Error outOfMemoryError(int memory_mb, const std::string& last_lines) {
  std::string tail = last_lines.empty() ? "" : "\n" + last_lines;
  // Staging memory is the build's staging_memory_in_mb, by default the larger of the app's
  // web memory and 1024 MB (controller/builds.cpp): -m helps only above 1024 MB.
  return makeError(Errc::kStagingError,
                   "Staging ran out of memory: the builder exceeded its limit of {} MB and was "
                   "killed. Staging gets the larger of the app's memory and 1024 MB: push with a "
                   "larger memory (-m, e.g. -m {}M), or create the build with a larger "
                   "staging_memory_in_mb.{}",
                   memory_mb, std::max(memory_mb * 2, 2048), tail);
}

base::Error diskFullError(int disk_mb, const std::string& last_lines) {
  std::string tail = last_lines.empty() ? "" : "\n" + last_lines;
  return makeError(Errc::kStagingError,
                   "Staging exceeded its disk limit of {} MB: the build filled its staging "
                   "disk. Staging gets the larger of the app's disk and 4096 MB: "
                   "push with a larger disk quota (-k, e.g. -k {}M, or disk_quota in the "
                   "manifest), or create the build with a larger staging_disk_in_mb.{}",
                   disk_mb, std::max(disk_mb * 2, 8192), tail);
}

base::Result<Outcome> parseResult(const std::string& result_json) {
  try {
    auto j = nlohmann::json::parse(result_json);
    Outcome out;
    const auto types = j.value("process_types", nlohmann::json::object());
    for (const auto& [type, cmd] : types.items())
      out.process_types[type] = cmd.is_string() ? cmd.get<std::string>() : "";
    out.execution_metadata = j.value("execution_metadata", "");
    const auto& meta = j.value("lifecycle_metadata", nlohmann::json::object());
    std::string detected = meta.value("detected_buildpack", "");
    for (const auto& bp : meta.value("buildpacks", nlohmann::json::array())) {
      model::DropletBuildpack d;
      d.name = bp.value("key", "");
      d.buildpack_name = bp.value("name", d.name);
      d.version = bp.value("version", "");
      out.buildpacks.push_back(std::move(d));
    }
    if (!out.buildpacks.empty()) out.buildpacks.back().detect_output = detected;
    return out;
  } catch (const std::exception& e) {
    return makeError(Errc::kStagingError, "The builder's result.json is not valid: {}", e.what());
  }
}

}  // namespace mcf::stager
