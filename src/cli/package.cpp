// Package upload for push: only what the platform does not already have goes over the wire.
#include "cli/package.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/ids.h"
#include "cli/json_util.h"
#include "cli/session.h"
#include "cli/sha1.h"
#include "cli/poll.h"
#include "http/multipart.h"

namespace mcf::cli {

namespace {

using nlohmann::json;
namespace stdfs = std::filesystem;

json resourceOf(const AppFile& f) {
  return {{"checksum", {{"value", f.sha1}}},
          {"size_in_bytes", f.size},
          {"path", f.path},
          {"mode", f.mode}};
}

// Asks POST /v3/resource_matches which of the files the platform has (microcf pools files of
// any size; Cloud Controller only those of 64 KiB or more). A platform that cannot match (old
// API, feature off) just means everything is uploaded.
std::set<std::string> matchResources(Session& session, const std::vector<AppFile>& files) {
  std::vector<const AppFile*> candidates;
  for (const auto& f : files)
    if (!f.sha1.empty()) candidates.push_back(&f);
  std::set<std::pair<std::string, int64_t>> known;
  for (size_t start = 0; start < candidates.size(); start += 5000) {
    json request = {{"resources", json::array()}};
    for (size_t i = start; i < std::min(candidates.size(), start + 5000); ++i)
      request["resources"].push_back(resourceOf(*candidates[i]));
    auto answer = session.api("POST", "/v3/resource_matches", request);
    if (!answer) return {};
    auto resources = answer->find("resources");
    if (resources == answer->end() || !resources->is_array()) continue;
    for (const auto& r : *resources) {
      auto checksum = r.find("checksum");
      auto size = r.find("size_in_bytes");
      if (checksum == r.end() || !checksum->is_object() || size == r.end() ||
          !size->is_number_integer())
        continue;
      auto value = checksum->find("value");
      if (value != checksum->end() && value->is_string())
        known.insert({value->get<std::string>(), size->get<int64_t>()});
    }
  }
  std::set<std::string> matched;
  for (const AppFile* f : candidates)
    if (known.count({f->sha1, f->size})) matched.insert(f->path);
  return matched;
}


base::Status waitForPackage(Session& session, const std::string& package_guid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  PollDelay delay;
  for (;;) {
    auto package = session.get("/v3/packages/" + package_guid);
    if (!package) return package.takeError();
    std::string state = jstr(*package, "state");
    if (state == "READY") return {};
    if (state == "FAILED" || state == "EXPIRED") {
      std::string error = jstr(jobj(*package, "data"), "error");
      return base::makeError(base::Errc::kInvalid, "The package is {}: {}", state,
                             error.empty() ? "the platform did not say why" : error);
    }
    if (std::chrono::steady_clock::now() > deadline)
      return base::makeError(base::Errc::kUnavailable,
                             "The package was not processed within 10 minutes");
    delay.sleep();
  }
}

}  // namespace

base::Result<std::string> zipApp(const std::string& dir, const archive::Filter& filter) {
  std::string tmp_root = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string tmp = base::joinPath(tmp_root, "microcf-push-" + base::randomHex(6));
  MCF_TRY(base::makeDirs(tmp, 0700));
  std::string zip = base::joinPath(tmp, "package.zip");
  auto created = archive::create(dir, zip, archive::Format::kZip, filter);
  base::Result<std::string> data = created ? base::readFile(zip) : created.takeError();
  (void)base::removeTree(tmp);
  return data;
}

base::Result<std::vector<AppFile>> scanAppDir(const std::string& dir, const CfIgnore& ignore) {
  std::vector<AppFile> files;
  std::error_code ec;
  stdfs::path root(dir);
  stdfs::recursive_directory_iterator it(root, ec), end;
  if (ec) return base::makeError(base::Errc::kIo, "cannot read {}: {}", dir, ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return base::makeError(base::Errc::kIo, "cannot read {}: {}", dir, ec.message());
    std::string rel = it->path().lexically_relative(root).generic_string();
    auto status = it->symlink_status();
    bool is_dir = stdfs::is_directory(status);
    if (ignore.ignored(rel, is_dir)) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir) continue;
    bool regular = stdfs::is_regular_file(status);
    if (!regular && !stdfs::is_symlink(status)) continue;  // sockets, fifos, devices
    AppFile f;
    f.path = rel;
    f.regular = regular;
    f.mode = fmt::format("{:o}", static_cast<unsigned>(status.permissions()) & 0777);
    if (regular) {
      f.size = static_cast<int64_t>(it->file_size(ec));
      auto sha = sha1File(it->path().string());
      if (!sha) return sha.takeError();
      f.sha1 = *sha;
    }
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const AppFile& a, const AppFile& b) { return a.path < b.path; });
  return files;
}

base::Result<UploadSummary> uploadPackage(Session& session, const std::string& package_guid,
                                          const std::string& app_path, bool match_resources) {
  UploadSummary summary;
  auto began = std::chrono::steady_clock::now();
  json resources = json::array();
  std::string bits;
  bool send_bits = true;
  if (!base::isDirectory(app_path)) {
    auto data = base::readFile(app_path);
    if (!data) return data.takeError();
    bits = std::move(*data);
    summary.files = 1;
    summary.bytes = static_cast<int64_t>(bits.size());
  } else {
    std::string cfignore_text;
    if (auto text = base::readFile(base::joinPath(app_path, ".cfignore"))) cfignore_text = *text;
    CfIgnore ignore(cfignore_text);
    auto files = scanAppDir(app_path, ignore);
    if (!files) return files.takeError();
    if (files->empty())
      return base::makeError(base::Errc::kInvalid,
                             "No app files found in '{}': the folder is empty{}. Push the folder "
                             "that holds your app (-p), or narrow .cfignore",
                             app_path, cfignore_text.empty() ? "" : " or .cfignore excludes every file in it");
    std::set<std::string> matched;
    if (match_resources) matched = matchResources(session, *files);
    for (const auto& f : *files) {
      ++summary.files;
      summary.bytes += f.size;
      if (!matched.count(f.path)) continue;
      ++summary.matched_files;
      summary.matched_bytes += f.size;
      resources.push_back(resourceOf(f));
    }
    send_bits = summary.matched_files < summary.files || summary.files == 0;
    if (send_bits) {
      auto zip = zipApp(app_path, [&](const std::string& rel, bool is_dir) {
        return !ignore.ignored(rel, is_dir) && (is_dir || !matched.count(rel));
      });
      if (!zip) return zip.takeError();
      bits = std::move(*zip);
    }
  }
  summary.sent_bytes = send_bits ? static_cast<int64_t>(bits.size()) : 0;
  summary.package_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - began)
                           .count();
  std::vector<http::Part> parts = {{"resources", "", "", resources.dump()}};
  if (send_bits) parts.push_back({"bits", "package.zip", "application/zip", std::move(bits)});
  std::string boundary = "microcf-" + base::randomHex(16);
  http::Headers headers = {{"Content-Type", "multipart/form-data; boundary=" + boundary}};
  auto response = session.send("POST", "/v3/packages/" + package_guid + "/upload",
                               http::buildMultipart(parts, boundary), headers, 600000);
  if (!response) return response.takeError();
  if (response->status / 100 != 2) {
    std::string message = apiErrorMessage(*response);
    bool stale = response->status == 422 && !resources.empty() &&
                 message.find("is no longer cached") != std::string::npos;
    return base::Error{stale ? base::Errc::kNotFound : base::Errc::kInvalid, message};
  }
  MCF_TRY(waitForPackage(session, package_guid));
  return summary;
}

}  // namespace mcf::cli
