// Admin buildpack commands, as the cf CLI has them: buildpacks, create-buildpack,
// update-buildpack, delete-buildpack. A folder given as the buildpack is zipped here (with its
// file modes) and uploaded as the `bits` of POST /v3/buildpacks/:guid/upload.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "base/fs.h"
#include "base/ids.h"
#include "base/strutil.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/package.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "cli/table.h"
#include "http/multipart.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

void flushOut() { std::fflush(stdout); }

// The zip to upload for path: a .zip file as it is, a folder zipped.
base::Result<std::pair<std::string, std::string>> buildpackBits(const std::string& path) {
  if (base::isDirectory(path)) {
    auto data = zipApp(path, {});
    if (!data) return data.takeError();
    std::string name = std::filesystem::path(path).lexically_normal().filename().string();
    if (name.empty() || name == ".")
      name = std::filesystem::absolute(path).lexically_normal().parent_path().filename().string();
    return std::pair{name + ".zip", std::move(*data)};
  }
  if (!base::pathExists(path))
    return base::makeError(base::Errc::kInvalid, "Incorrect Usage: The specified path '{}' does "
                                                 "not exist.", path);
  auto data = base::readFile(path);
  if (!data) return data.takeError();
  return std::pair{std::filesystem::path(path).filename().string(), std::move(*data)};
}

base::Status uploadBits(Session& session, const std::string& guid, const std::string& path) {
  auto bits = buildpackBits(path);
  if (!bits) return bits.takeError();
  std::vector<http::Part> parts = {{"bits", bits->first, "application/zip", std::move(bits->second)}};
  std::string boundary = "microcf-" + base::randomHex(16);
  http::Headers headers = {{"Content-Type", "multipart/form-data; boundary=" + boundary}};
  auto response = session.send("POST", "/v3/buildpacks/" + guid + "/upload",
                               http::buildMultipart(parts, boundary), headers, 600000);
  if (!response) return response.takeError();
  if (response->status / 100 != 2)
    return base::Error{base::Errc::kInvalid, apiErrorMessage(*response)};
  return {};
}

// The buildpack called name (with more than one, by stack: the one without a stack first).
base::Result<json> findBuildpack(Session& session, const std::string& name) {
  auto list = session.listAll("/v3/buildpacks?names=" + base::urlEncode(name) + "&per_page=5000");
  if (!list) return list.takeError();
  if (list->empty())
    return base::makeError(base::Errc::kNotFound, "Buildpack '{}' does not exist.", name);
  for (const auto& b : *list)
    if (b["stack"].is_null()) return b;
  return list->front();
}

std::string orEmpty(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

int listBuildpacks(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Getting buildpacks as {}...\n\n", session.userName());
  auto list = session.listAll("/v3/buildpacks?per_page=5000");
  if (!list) return fail(list.error());
  if (list->empty()) {
    fmt::print("No buildpacks found\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"position", "name", "stack", "enabled", "locked", "state", "filename"}};
  for (const auto& b : *list) {
    rows.push_back({std::to_string(jint(b, "position")), jstr(b, "name"), orEmpty(b, "stack"),
                    b.value("enabled", false) ? "true" : "false",
                    b.value("locked", false) ? "true" : "false", jstr(b, "state"),
                    orEmpty(b, "filename")});
  }
  fmt::print("{}", formatTable(rows));
  return 0;
}

struct CreateArgs {
  std::string name;
  std::string path;
  int position = 0;
  bool disable = false;
  bool enable = false;
};

int createBuildpack(const Context& ctx, const CreateArgs& a) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  if (!base::pathExists(a.path))
    return fail(fmt::format("Incorrect Usage: The specified path '{}' does not exist.", a.path));
  fmt::print("Creating buildpack {} as {}...\n", a.name, session.userName());
  flushOut();
  json body = {{"name", a.name}, {"enabled", !a.disable}};
  if (a.position > 0) body["position"] = a.position;
  auto created = session.api("POST", "/v3/buildpacks", body);
  if (!created) return fail(created.error());
  fmt::print("OK\n\nUploading buildpack {} as {}...\n", a.name, session.userName());
  flushOut();
  if (auto s = uploadBits(session, jstr(*created, "guid"), a.path); !s) {
    // Leave no buildpack without bits behind, as the cf CLI's create does not either.
    (void)session.startJob("DELETE", "/v3/buildpacks/" + jstr(*created, "guid"));
    return fail(s.error());
  }
  fmt::print("Done uploading\nOK\n");
  return 0;
}

struct UpdateArgs {
  std::string name;
  std::string path;
  int position = 0;
  bool enable = false, disable = false, lock = false, unlock = false;
  std::string rename;
};

int updateBuildpack(const Context& ctx, const UpdateArgs& a) {
  if (a.enable && a.disable)
    return fail("Incorrect Usage: The following arguments cannot be used together: --enable, "
                "--disable");
  if (a.lock && a.unlock)
    return fail("Incorrect Usage: The following arguments cannot be used together: --lock, "
                "--unlock");
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  auto bp = findBuildpack(session, a.name);
  if (!bp) return fail(bp.error());
  std::string guid = jstr(*bp, "guid");
  std::string name = a.name;
  json body = json::object();
  if (a.position > 0) body["position"] = a.position;
  if (a.enable || a.disable) body["enabled"] = a.enable;
  if (a.lock || a.unlock) body["locked"] = a.lock;
  if (!a.rename.empty()) {
    body["name"] = a.rename;
    fmt::print("Renaming buildpack {} to {} as {}...\n", a.name, a.rename, session.userName());
    name = a.rename;
  } else {
    fmt::print("Updating buildpack {} as {}...\n", a.name, session.userName());
  }
  flushOut();
  if (!body.empty()) {
    auto updated = session.api("PATCH", "/v3/buildpacks/" + guid, body);
    if (!updated) return fail(updated.error());
  }
  fmt::print("OK\n");
  if (!a.path.empty()) {
    fmt::print("\nUploading buildpack {} as {}...\n", name, session.userName());
    flushOut();
    if (auto s = uploadBits(session, guid, a.path); !s) return fail(s.error());
    fmt::print("Done uploading\nOK\n");
  }
  return 0;
}

struct DeleteArgs {
  std::string name;
  bool force = false;
};

int deleteBuildpack(const Context& ctx, const DeleteArgs& a) {
  if (!a.force) {
    if (!stdinIsTty())
      return fail(fmt::format("Not deleting buildpack {}: there is no terminal to confirm on. "
                              "Use 'microcf delete-buildpack {} -f' to delete without "
                              "confirmation.",
                              a.name, a.name));
    if (!confirm(fmt::format("Really delete the buildpack {}? [yN]: ", a.name))) {
      fmt::print("Delete cancelled\n");
      return 0;
    }
  }
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Deleting buildpack {} as {}...\n", a.name, session.userName());
  flushOut();
  auto bp = findBuildpack(session, a.name);
  if (!bp) {
    if (bp.error().code != base::Errc::kNotFound) return fail(bp.error());
    fmt::print("Buildpack '{}' does not exist.\nOK\n", a.name);
    return 0;
  }
  auto job = session.startJob("DELETE", "/v3/buildpacks/" + jstr(*bp, "guid"));
  if (!job) return fail(job.error());
  if (!job->empty())
    if (auto s = session.waitJob(*job); !s) return fail(s.error());
  fmt::print("OK\n");
  return 0;
}

}  // namespace

void addBuildpackCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  table.add(app.add_subcommand("buildpacks", "List all admin buildpacks, in detection order"),
            [&ctx] { return listBuildpacks(ctx); });

  auto c = std::make_shared<CreateArgs>();
  CLI::App* create = app.add_subcommand("create-buildpack", "Create an admin buildpack from a "
                                                            "folder or zip (admins only)");
  create->add_option("BUILDPACK", c->name, "Buildpack name")->required();
  create->add_option("PATH", c->path, "Folder or zip of the buildpack")->required();
  create->add_option("POSITION", c->position,
                     "Position in the detection order (1 = first; past the end = last)")
      ->required();
  create->add_flag("--disable", c->disable, "Disable the buildpack from being used for staging");
  create->add_flag("--enable", c->enable, "Enable the buildpack (the default)");
  table.add(create, [&ctx, c] { return createBuildpack(ctx, *c); });

  auto u = std::make_shared<UpdateArgs>();
  CLI::App* update = app.add_subcommand("update-buildpack", "Update an admin buildpack: bits, "
                                                            "position, enabled, locked, name");
  update->add_option("BUILDPACK", u->name, "Buildpack name")->required();
  update->add_option("-p,--path", u->path, "Folder or zip of new bits for the buildpack");
  update->add_option("-i,--position", u->position, "The buildpack's new position (1 = first)");
  update->add_flag("--enable", u->enable, "Enable the buildpack to be used for staging");
  update->add_flag("--disable", u->disable, "Disable the buildpack from being used for staging");
  update->add_flag("--lock", u->lock, "Lock the buildpack: no new bits until unlocked");
  update->add_flag("--unlock", u->unlock, "Unlock the buildpack");
  update->add_option("--rename", u->rename, "Rename the buildpack");
  table.add(update, [&ctx, u] { return updateBuildpack(ctx, *u); });

  auto d = std::make_shared<DeleteArgs>();
  CLI::App* del = app.add_subcommand("delete-buildpack", "Delete an admin buildpack");
  del->add_option("BUILDPACK", d->name, "Buildpack name")->required();
  del->add_flag("-f,--force", d->force, "Force deletion without confirmation");
  table.add(del, [&ctx, d] { return deleteBuildpack(ctx, *d); });
}

}  // namespace mcf::cli
