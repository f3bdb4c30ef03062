// Controller: the Cloud Controller v3 API (and the UAA and log-cache endpoints the cf CLI needs).
//
// Owns: the REST API as a route table, validation, authorization, orchestration of the platform's
// seams (Stager, Runtime, Routing, Stacks), API jobs. Does not own: persistence (store/), staging or
// running (through platform.h), HTTP sockets (http/). Thread: the loop's; handle() answers later
// only for uploads and staging, whose blocking work goes to the libuv thread pool.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "controller/platform.h"
#include "http/message.h"

namespace mcf::loop {
class Loop;
}
namespace mcf::store {
class Store;
}
namespace mcf::blobstore {
class Blobstore;
class ResourcePool;
}  // namespace mcf::blobstore
namespace mcf::auth {
class TokenService;
}
namespace mcf::logs {
class LogStore;
}
namespace mcf::services {
class OsbClient;
}

namespace mcf::controller {

struct ControllerConfig {
  std::string domain = "localhost";                   // shared domain, apps at APP.<domain>
  std::string api_url = "http://api.localhost:8080";  // absolute base of every link
  std::string data_dir;                               // for temp files (uploads in progress)
  int tls_port = 0;  // the HTTPS listener's port (--tls-port); 0 = none
  int ssh_port = 0;  // the ssh endpoint's port for links.app_ssh; 0 = none (ssh disabled)
  // Told after an app's service bindings changed (bound, unbound, instance updated, app
  // deleted), so that its syslog drains follow at once. Unset = nobody listens.
  std::function<void(const std::string& app_guid)> bindings_changed;
  // Told after the admin buildpacks changed in the store (created, updated, uploaded,
  // deleted), so that the next staging uses them. Unset = nobody listens.
  std::function<void()> buildpacks_changed;
  // GET /metrics (Prometheus text exposition); unset = 404.
  std::function<std::string()> metrics;
  // The service brokers' client (borrowed); unset = managed services answer that microcf
  // has no broker client.
  services::OsbClient* osb = nullptr;
};

// What an ssh session may reach once its token and app check out.
struct SshTarget {
  std::string app_name;
  std::string process_guid;  // the app's web process
  int instances = 0;         // the process's desired instance count
};

struct Api;

class Controller {
 public:
  // Every reference is borrowed and must outlive the Controller.
  Controller(loop::Loop& loop, ControllerConfig config, store::Store& store,
             blobstore::Blobstore& blobs, blobstore::ResourcePool& pool,
             auth::TokenService& tokens, logs::LogStore& logs, Stager& stager, Runtime& runtime,
             Routing& routing, Stacks& stacks, const base::Clock& clock);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // First start: org "microcf", space "dev", shared domain <domain>, user "admin" (admin) with
  // a random password. Returns the new admin password, or "" when the admin already existed.
  base::Result<std::string> seed();

  // The API, as an http::Handler. Answers exactly once, maybe after returning.
  void handle(http::Request&& request, http::Responder responder);

  // Authorizes `microcf ssh`: an access token (given as "bearer X" or just X) of a user who
  // may change the app (a space developer; today the admin). kInvalidToken, or kNotFound
  // "App not found" for an app that does not exist or that the user cannot see.
  base::Result<SshTarget> authorizeSsh(const std::string& token, const std::string& app_guid);

  // Service brokers (CF-CONTRACT §7). registerBuiltinBroker makes sure a broker called name
  // with url (builtin://name) exists and fetches its catalog, its plans public; done runs
  // once it is in the store (or failed). resumeServiceOperations polls again, after a
  // restart, every broker operation still in progress.
  void registerBuiltinBroker(const std::string& name, const std::string& url,
                             std::function<void(base::Status)> done);
  void resumeServiceOperations();

 private:
  std::unique_ptr<Api> api_;
};

}  // namespace mcf::controller
