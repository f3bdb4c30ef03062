// Harness: a Controller on a real SqliteStore, TokenService, Blobstore and ResourcePool in a
// temporary directory, with fake Stager, Runtime and Routing; requests go through handle().
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "auth/token_service.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/testing/fake_clock.h"
#include "blobstore/blobstore.h"
#include "blobstore/resource_pool.h"
#include "controller/controller.h"
#include "controller/testing/fakes.h"
#include "http/message.h"
#include "http/multipart.h"
#include "http/url.h"
#include "logs/log_store.h"
#include "model/model.h"
#include "loop/loop.h"
#include "services/osb_client.h"
#include "store/testing/temp_store.h"

namespace mcf::controller {

using nlohmann::json;

inline std::string zipWithEntry(const std::string& name, const std::string& data);

class Harness {
 public:
  Harness() {
    base::setLogLevel(base::LogLevel::kWarn);  // seed()'s INFO line would repeat in every test
    char tmpl[] = "/tmp/mcf-controller-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    REQUIRE(store_.ok());
    auto b = blobstore::Blobstore::open(dir_ + "/blobs");
    REQUIRE(b.ok());
    blobs = std::move(*b);
    auto p = blobstore::ResourcePool::open(dir_ + "/pool");
    REQUIRE(p.ok());
    pool = std::move(*p);
    ControllerConfig config;
    config.data_dir = dir_;
    config.tls_port = 8443;
    config.bindings_changed = [this](const std::string& app) { bindings_changed.push_back(app); };
    config.metrics = [] { return std::string("# TYPE up gauge\nup 1\n"); };
    // Service brokers: tests register in-process ones (osb->addBuiltin) as builtin://NAME.
    osb = std::make_unique<services::OsbClient>(loop, "http://api.localhost:8080/v3/info", 2000);
    config.osb = osb.get();
    controller = std::make_unique<Controller>(loop, config, *store_, *blobs, *pool, tokens, logs,
                                              stager, runtime, routing, stacks, clock);
    auto seeded = controller->seed();
    REQUIRE(seeded.ok());
    admin_password = *seeded;
  }
  ~Harness() {
    controller.reset();
    (void)base::removeTree(dir_);
  }

  // One request through Controller::handle; runs the loop until it is answered.
  http::Response request(const std::string& method, const std::string& target,
                         const std::string& body = "", http::Headers headers = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = http::percentDecode(target.substr(0, q));
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.headers = std::move(headers);
    req.body = body;
    bool answered = false;
    http::Response response;
    controller->handle(std::move(req), http::Responder::toCallback([&](http::Response r) {
                         response = std::move(r);
                         answered = true;
                       }));
    loop.runUntil([&] { return answered; });
    REQUIRE(answered);
    return response;
  }

  // The same as the admin, with a bearer token from /oauth/token.
  http::Response as_admin(const std::string& method, const std::string& target,
                          const std::string& body = "", http::Headers headers = {}) {
    if (token_.empty()) token_ = login("admin", admin_password);
    headers.push_back({"Authorization", "bearer " + token_});
    return request(method, target, body, std::move(headers));
  }
  json call(const std::string& method, const std::string& target, const json& body = nullptr) {
    http::Response r = as_admin(method, target, body.is_null() ? "" : body.dump());
    return r.body.empty() ? json(nullptr) : json::parse(r.body);
  }

  std::string login(const std::string& user, const std::string& password) {
    http::Response r = request("POST", "/oauth/token",
                               "grant_type=password&username=" + user + "&password=" + password,
                               {{"Content-Type", "application/x-www-form-urlencoded"},
                                {"Authorization", "Basic Y2Y6"}});
    REQUIRE(r.status == 200);
    return json::parse(r.body).at("access_token").get<std::string>();
  }

  // Other users, made directly in the store, and requests as them. global_scope is "" or
  // cloud_controller.admin_read_only / cloud_controller.global_auditor.
  std::string makeUser(const std::string& username, const std::string& global_scope = "") {
    model::User user;
    user.username = username;
    user.email = username;
    user.password_hash = "unused";
    user.global_scope = global_scope;
    auto created = store().createUser(user);
    REQUIRE(created.ok());
    user_tokens_[username] = tokens.issueAccess(*created, "password");
    return created->guid;
  }
  // Gives user_guid a role: an org role in org_guid, or a space role in space_guid (whose org
  // is looked up).
  std::string grant(const std::string& user_guid, model::RoleType type, const std::string& guid) {
    model::Role role;
    role.type = type;
    role.user_guid = user_guid;
    if (model::isSpaceRole(type)) {
      auto space = store().getSpace(guid);
      REQUIRE(space.ok());
      role.space_guid = guid;
      role.org_guid = space->org_guid;
    } else {
      role.org_guid = guid;
    }
    auto created = store().createRole(role);
    REQUIRE(created.ok());
    return created->guid;
  }
  // A request with the bearer token of a user made by makeUser.
  http::Response as(const std::string& username, const std::string& method,
                    const std::string& target, const std::string& body = "",
                    http::Headers headers = {}) {
    REQUIRE(user_tokens_.count(username));
    headers.push_back({"Authorization", "bearer " + user_tokens_[username]});
    return request(method, target, body, std::move(headers));
  }
  std::string orgGuid() {
    return call("GET", "/v3/organizations?names=microcf")["resources"][0]["guid"]
        .get<std::string>();
  }

  std::string spaceGuid() {
    return call("GET", "/v3/spaces?names=dev")["resources"][0]["guid"].get<std::string>();
  }
  std::string createApp(const std::string& name) {
    json app = call("POST", "/v3/apps",
                    {{"name", name},
                     {"relationships", {{"space", {{"data", {{"guid", spaceGuid()}}}}}}}});
    return app.at("guid").get<std::string>();
  }

  // Uploads a package of the app and stages it through the fake stager as a droplet with these
  // process types, as the cf CLI does (package, upload, build); returns the droplet's guid.
  std::string stageDroplet(const std::string& app_guid,
                           const std::map<std::string, std::string>& process_types = {
                               {"web", "./run"}}) {
    json pkg = call("POST", "/v3/packages",
                    {{"type", "bits"},
                     {"relationships", {{"app", {{"data", {{"guid", app_guid}}}}}}}});
    REQUIRE(upload(pkg["guid"].get<std::string>(), zipWithEntry("run.sh", "echo hi\n")).status ==
            200);
    json build = call("POST", "/v3/builds", {{"package", {{"guid", pkg["guid"]}}}});
    StagingResult r;
    r.droplet_blob_key = std::string(64, 'a');
    r.droplet_sha256 = std::string(64, 'a');
    r.process_types = process_types;
    stager.finish(stager.requests.size() - 1, r);
    json staged = call("GET", "/v3/builds/" + build["guid"].get<std::string>());
    REQUIRE(staged["state"] == "STAGED");
    return staged["droplet"]["guid"].get<std::string>();
  }
  // A new app whose current droplet is a staged one (see stageDroplet); it stays STOPPED.
  std::string stagedApp(const std::string& name,
                        const std::map<std::string, std::string>& process_types = {
                            {"web", "./run"}}) {
    std::string app = createApp(name);
    http::Response set = as_admin("PATCH", "/v3/apps/" + app + "/relationships/current_droplet",
                                  json({{"data", {{"guid", stageDroplet(app, process_types)}}}}).dump());
    REQUIRE(set.status == 200);
    return app;
  }

  // POST /v3/packages/:guid/upload with a multipart `bits` part.
  http::Response upload(const std::string& package_guid, const std::string& zip_bytes,
                        const std::string& resources = "") {
    std::vector<http::Part> parts;
    if (!resources.empty()) parts.push_back({"resources", "", "", resources});
    if (!zip_bytes.empty()) parts.push_back({"bits", "package.zip", "application/zip", zip_bytes});
    std::string boundary = "mcf-test-boundary-0123456789abcdef";
    return as_admin("POST", "/v3/packages/" + package_guid + "/upload",
                    http::buildMultipart(parts, boundary),
                    {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  }

  const std::string& dir() const { return dir_; }
  // The database behind the API, for states only the runtime writes (a task's end).
  store::Store& store() { return *store_; }

  base::FakeClock clock;
  loop::Loop loop;
  std::unique_ptr<blobstore::Blobstore> blobs;
  std::unique_ptr<blobstore::ResourcePool> pool;
  auth::TokenService tokens{"test-signing-key", "http://api.localhost:8080/oauth/token", clock};
  logs::LogStore logs{clock};
  FakeStager stager;
  FakeRuntime runtime;
  FakeRouting routing;
  FakeStacks stacks;
  std::unique_ptr<services::OsbClient> osb;
  std::unique_ptr<Controller> controller;
  std::string admin_password;
  std::vector<std::string> bindings_changed;  // app guids the controller told about

 private:
  std::string dir_;
  store::TempStore store_;
  std::string token_;
  std::map<std::string, std::string> user_tokens_;  // username -> access token
};

// A zip with one stored entry, written byte by byte so that tests can make entries no archiver
// would write (such as "../escape.txt").
inline std::string zipWithEntry(const std::string& name, const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc = ~crc;
  std::string out;
  auto u16 = [&](uint32_t v) {
    out.push_back(char(v & 0xFF));
    out.push_back(char((v >> 8) & 0xFF));
  };
  auto u32 = [&](uint32_t v) { u16(v & 0xFFFF); u16(v >> 16); };
  auto size = static_cast<uint32_t>(data.size());
  auto name_len = static_cast<uint32_t>(name.size());
  u32(0x04034b50); u16(20); u16(0); u16(0); u16(0); u16(0x21);
  u32(crc); u32(size); u32(size); u16(name_len); u16(0);
  out += name;
  out += data;
  auto cd_offset = static_cast<uint32_t>(out.size());
  u32(0x02014b50); u16(0x031E); u16(20); u16(0); u16(0); u16(0); u16(0x21);
  u32(crc); u32(size); u32(size); u16(name_len); u16(0); u16(0); u16(0); u16(0);
  u32(0100644u << 16); u32(0);
  out += name;
  auto cd_size = static_cast<uint32_t>(out.size()) - cd_offset;
  u32(0x06054b50); u16(0); u16(0); u16(1); u16(1); u32(cd_size); u32(cd_offset); u16(0);
  return out;
}

}  // namespace mcf::controller
