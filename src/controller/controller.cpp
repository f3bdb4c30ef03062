// Controller: request ids, authentication, dispatch through the route table, error mapping.
#include "controller/audit.h"
#include "controller/controller.h"

#include "auth/password.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "controller/api.h"
#include "controller/errors.h"
#include "controller/route_table.h"
#include "http/url.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

Controller::Controller(loop::Loop& loop, ControllerConfig config, store::Store& store,
                       blobstore::Blobstore& blobs, blobstore::ResourcePool& pool,
                       auth::TokenService& tokens, logs::LogStore& logs, Stager& stager,
                       Runtime& runtime, Routing& routing, Stacks& stacks, const base::Clock& clock)
    : api_(std::make_unique<Api>(loop, std::move(config), store, blobs, pool, tokens, logs,
                                 stager, runtime, routing, stacks, clock)) {}

Controller::~Controller() = default;

namespace {

// Find-or-create: a restart of microcf must find what the first start made.
template <typename T, typename Find, typename Create>
base::Result<T> ensure(Find find, Create create) {
  auto found = find();
  if (found.ok() || found.error().code != Errc::kNotFound) return found;
  return create();
}

base::Result<auth::Claims> authenticate(Api& api, const http::Request& request) {
  const std::string* header = request.header("Authorization");
  if (!header || base::trim(*header).empty())
    return base::makeError(Errc::kUnauthenticated, "Authentication error");
  std::string value = base::trim(*header);
  size_t space = value.find(' ');
  if (space == std::string::npos || !base::iequals(value.substr(0, space), "bearer"))
    return base::makeError(Errc::kInvalidToken, "Invalid auth token: use 'Authorization: bearer "
                                                "<token>' with a token from /oauth/token");
  auto claims = api.tokens.verify(base::trim(value.substr(space + 1)));
  if (!claims.ok()) {
    // TokenService's message already reads "Invalid auth token: <why>".
    return base::Error{Errc::kInvalidToken, claims.error().message + "; log in again"};
  }
  if (claims->refresh)
    return base::makeError(Errc::kInvalidToken, "Invalid auth token: a refresh token cannot be "
                                                "used as an access token; log in again");
  // The token's user or client must still exist (one lookup by primary key); a user's admin
  // scope follows the user as stored now, not as it was at login.
  if (claims->client) {
    auto client = api.store.getClient(claims->client_id);
    if (!client.ok() && client.error().code == Errc::kNotFound)
      return base::makeError(Errc::kInvalidToken, "Invalid auth token: the client '{}' no longer "
                                                  "exists", claims->client_id);
    if (!client.ok()) return client.takeError();
  } else {
    auto user = api.store.getUser(claims->user_id);
    if (!user.ok() && user.error().code == Errc::kNotFound)
      return base::makeError(Errc::kInvalidToken, "Invalid auth token: the user of this token no "
                                                  "longer exists; log in again");
    if (!user.ok()) return user.takeError();
    // Global scopes follow the user as stored now, not as when the token was issued.
    if (!user->admin) std::erase(claims->scopes, std::string("cloud_controller.admin"));
    for (const char* scope :
         {"cloud_controller.admin_read_only", "cloud_controller.global_auditor"}) {
      if (user->global_scope != scope) std::erase(claims->scopes, std::string(scope));
    }
  }
  return claims;
}

}  // namespace

base::Result<std::string> Controller::seed() {
  store::Store& store = api_->store;
  auto org = ensure<model::Org>([&] { return store.findOrgByName("microcf"); }, [&] {
    model::Org o;
    o.name = "microcf";
    return store.createOrg(o);
  });
  if (!org.ok()) return org.takeError();
  auto space = ensure<model::Space>([&] { return store.findSpaceByName(org->guid, "dev"); }, [&] {
    model::Space s;
    s.name = "dev";
    s.org_guid = org->guid;
    return store.createSpace(s);
  });
  if (!space.ok()) return space.takeError();
  auto domain = ensure<model::Domain>(
      [&] { return store.findDomainByName(api_->config.domain); }, [&] {
        model::Domain d;
        d.name = api_->config.domain;
        return store.createDomain(d);
      });
  if (!domain.ok()) return domain.takeError();
  auto admin = store.findUserByName("admin");
  if (admin.ok()) return std::string();
  if (admin.error().code != Errc::kNotFound) return admin.takeError();
  std::string password = base::randomHex(12);
  model::User user;
  user.username = "admin";
  user.email = "admin";
  user.admin = true;
  user.password_hash = auth::hashPassword(password);
  auto created = store.createUser(user);
  if (!created.ok()) return created.takeError();
  MCF_INFO("controller", "created org 'microcf', space 'dev', domain '{}' and user 'admin'",
           api_->config.domain);
  return password;
}

void Controller::registerBuiltinBroker(const std::string& name, const std::string& url,
                                       std::function<void(base::Status)> done) {
  registerBuiltin(*api_, name, url, std::move(done));
}

void Controller::resumeServiceOperations() { api_->service_ops->resume(); }

base::Result<SshTarget> Controller::authorizeSsh(const std::string& token,
                                                 const std::string& app_guid) {
  http::Request request;
  std::string value = base::trim(token);
  if (value.find(' ') == std::string::npos) value = "bearer " + value;
  request.headers.push_back({"Authorization", value});
  auto claims = authenticate(*api_, request);
  if (!claims.ok()) return claims.takeError();
  Call call;
  call.claims = std::move(*claims);
  auto app = api_->app(call, app_guid, Action::kWriteDev);
  if (!app.ok()) return app.takeError();
  recordAppEvent(*api_, call, "audit.app.ssh-authorized", *app, {{"index", 0}});
  auto processes = api_->store.listProcesses(app_guid);
  if (!processes.ok()) return processes.takeError();
  for (const auto& process : *processes) {
    if (process.type == "web") return SshTarget{app->name, process.guid, process.instances};
  }
  return base::makeError(Errc::kNotFound, "App '{}' has no web process", app->name);
}

void Controller::handle(http::Request&& request, http::Responder responder) {
  const std::string* given = request.header("X-Vcap-Request-Id");
  std::string request_id = given && !given->empty() ? *given : base::newGuid();
  Call call;
  std::string base_url = baseUrlFor(api_->config, request);
  // The caller, once authenticated: a 202's job becomes theirs (JobStore::setOwnerOf).
  auto owner = std::make_shared<std::string>();
  Done finish = [responder, request_id, warnings = call.warnings, base_url, owner,
                 alive = std::weak_ptr<int>(api_->alive), api = api_.get()](Reply reply) mutable {
    http::Response r = reply.ok() ? std::move(*reply) : errorResponse(reply.error());
    if (r.status == 202 && !owner->empty() && !alive.expired()) {
      if (const std::string* location = r.header("Location"))
        api->jobs.setOwnerOf(*location, *owner);
    }
    if (!alive.expired()) rebaseLinks(api->config, base_url, r);
    r.set("X-Vcap-Request-Id", request_id);
    if (!warnings->empty()) {
      std::string header;
      for (const auto& w : *warnings) header += (header.empty() ? "" : ",") + base::urlEncode(w);
      r.set("X-Cf-Warnings", header);
    }
    responder.send(std::move(r));
  };

  std::string path = request.path.empty() ? "/" : request.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const Endpoint* endpoint = findEndpoint(request.method, path, call.params);
  if (!endpoint) return finish(unknownRequest());
  if (endpoint->access == Access::kToken) {
    auto claims = authenticate(*api_, request);
    if (!claims.ok()) return finish(claims.takeError());
    call.claims = std::move(*claims);
    *owner = jobOwner(call);
  }
  call.query = http::parseQuery(request.query);
  call.request = std::move(request);
  call.request_id = request_id;
  call.base_url = base_url;
  // Library exceptions stop here (STYLE.md): a handler bug answers 500, never unwinds the loop.
  try {
    if (endpoint->sync) {
      finish(endpoint->sync(*api_, call));
    } else if (endpoint->stream) {
      if (auto st = endpoint->stream(*api_, std::move(call), responder); !st.ok())
        finish(st.takeError());
    } else {
      endpoint->async(*api_, std::move(call), finish);
    }
  } catch (const nlohmann::json::parse_error& e) {
    // The library's text names its internals, not the request: say what the client can fix.
    MCF_WARN("controller", "{} {}: {}", endpoint->method, endpoint->pattern, e.what());
    finish(base::makeError(Errc::kParse, "Request invalid due to parse error: the body is not "
                                         "valid JSON"));
  } catch (const nlohmann::json::exception& e) {
    MCF_WARN("controller", "{} {}: {}", endpoint->method, endpoint->pattern, e.what());
    finish(base::makeError(Errc::kInvalid, "The request body has a field of the wrong type or "
                                           "shape; check each field against the API "
                                           "documentation (strings, integers, objects)"));
  } catch (const std::exception& e) {
    MCF_ERROR("controller", "{} {}: {}", endpoint->method, endpoint->pattern, e.what());
    finish(base::makeError(Errc::kInternal, "{}", e.what()));
  }
}

}  // namespace mcf::controller
