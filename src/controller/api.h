// Api: the context every handler of the controller shares, the Call a handler answers, and the
// small helpers (bodies, replies, authorization, lookups) that keep handlers short.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/login_limiter.h"
#include "auth/roles.h"
#include "auth/token_service.h"
#include "base/clock.h"
#include "base/result.h"
#include "controller/controller.h"
#include "controller/jobs.h"
#include "controller/platform.h"
#include "controller/service_operations.h"
#include "http/message.h"
#include "model/model.h"

namespace mcf::controller {

using nlohmann::json;
using Reply = base::Result<http::Response>;

// One request being answered: what the route table matched and who asks.
struct Call {
  http::Request request;
  std::map<std::string, std::string> params;          // ":guid" of the pattern -> value
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::optional<auth::Claims> claims;                 // set on endpoints that need a token
  std::string request_id;                             // X-Vcap-Request-Id of the answer
  // Non-fatal warnings for the caller: answered as X-Cf-Warnings (CF-CONTRACT §1.2), also
  // when the handler answers later. Shared so that a const Call can add to them.
  std::shared_ptr<std::vector<std::string>> warnings =
      std::make_shared<std::vector<std::string>>();

  void warn(std::string text) const { warnings->push_back(std::move(text)); }
  // "scheme://host:port" the client reached the API on (see baseUrlFor); links use it.
  std::string base_url;
  // The caller's roles, read from the store once per request (Api::callerRoles), so that a
  // role given or taken applies to the next request; and the orgs of spaces looked up.
  mutable std::optional<std::vector<model::Role>> roles;
  mutable std::map<std::string, std::string> space_orgs;

  const std::string& param(const std::string& name) const;
  // The first value of a query parameter, or nullptr.
  const std::string* queryValue(std::string_view name) const;
};

// What a caller may do with an object; auth/roles.cpp holds the role table of CF-CONTRACT §8.
using auth::Action;

// The guids of the spaces or orgs a caller may see; all of them for the global readers.
struct Visible {
  bool all = false;
  std::set<std::string> guids;
  bool has(const std::string& guid) const { return all || guids.count(guid) > 0; }
};

// Who the caller is for ownership (jobs): the user's guid, or "client:<id>" for a client.
std::string jobOwner(const Call& call);

// True when the token carries scope (e.g. "cloud_controller.admin").
bool hasScope(const auth::Claims& c, std::string_view scope);

struct Api {
  Api(loop::Loop& loop, ControllerConfig config, store::Store& store,
      blobstore::Blobstore& blobs, blobstore::ResourcePool& pool, auth::TokenService& tokens,
      logs::LogStore& logs, Stager& stager, Runtime& runtime, Routing& routing, Stacks& stacks,
      const base::Clock& clock);

  loop::Loop& loop;
  ControllerConfig config;
  store::Store& store;
  blobstore::Blobstore& blobs;
  blobstore::ResourcePool& pool;
  auth::TokenService& tokens;
  logs::LogStore& logs;
  Stager& stager;
  Runtime& runtime;
  Routing& routing;
  Stacks& stacks;
  const base::Clock& clock;
  JobStore jobs;
  std::unique_ptr<ServiceOperations> service_ops;  // managed services' broker work
  auth::LoginLimiter logins{clock};  // brakes on password and client-secret checks
  // Users deleted through /v3/users whose UAA record the cf CLI deletes next (DELETE
  // /Users/:id): Cloud Controller and UAA keep users apart, microcf in one table, so the
  // second delete finds the first one's user here once.
  std::map<std::string, model::User> deleted_users;
  int64_t started_ns;  // for log-cache's vm_uptime
  // Callbacks that outlive a request (thread-pool work, staging) hold a weak_ptr to this and
  // do nothing once the controller is gone.
  std::shared_ptr<int> alive = std::make_shared<int>(0);

  std::string url(std::string_view path) const { return config.api_url + std::string(path); }
  int64_t nowSeconds() const { return clock.nowNs() / 1000000000; }

  // The authorization hooks, deciding by the role table (auth/roles.h) with the caller's
  // scopes and roles. A caller who cannot see the object gets kNotFound ("<what> not found"),
  // as Cloud Controller answers; one who sees it but may not do this gets kForbidden
  // (CF-NotAuthorized). authorize checks an object in a space (org-scoped actions use the
  // space's org; platform-wide ones ignore space_guid), authorizeOrg one in an org.
  base::Status authorize(const Call& call, Action action, const std::string& space_guid,
                         const char* what) const;
  base::Status authorizeOrg(const Call& call, Action action, const std::string& org_guid,
                            const char* what) const;
  // For lists: objects the caller may not read are left out.
  bool canRead(const Call& call, const std::string& space_guid) const;
  bool canReadOrg(const Call& call, const std::string& org_guid) const;
  // The orgs the caller may read (any role in them): for lists and their filters.
  Visible visibleOrgs(const Call& call) const;
  // The caller's platform-wide powers (token scopes) and roles (store, once per request).
  auth::Powers powers(const Call& call) const;
  const std::vector<model::Role>& callerRoles(const Call& call) const;

  // Lookups that also authorize; not found and not readable look the same.
  base::Result<model::App> app(const Call& call, const std::string& guid, Action action);
  base::Result<model::Space> space(const Call& call, const std::string& guid, Action action);
  base::Result<model::Process> process(const Call& call, const std::string& guid, Action action,
                                       model::App* app_out = nullptr);
};

// The absolute base of the links answered to request: the Host the client used (so
// `cf api http://localhost:8080` gets links on localhost:8080, no DNS needed) with the scheme
// the router saw (X-Forwarded-Proto, which the router always sets itself). Only the API's own
// names (api.<domain>, <domain>, localhost, 127.0.0.1, api_url's host) on the listener's port
// are taken; any other Host, or none, gives config.api_url.
std::string baseUrlFor(const ControllerConfig& config, const http::Request& request);
// Links are built on config.api_url; this moves the answer's links ("href" values and
// Location) onto base when the client used another one.
void rebaseLinks(const ControllerConfig& config, const std::string& base, http::Response& r);

// Request bodies: an empty body is {}; anything but a JSON object is kParse.
base::Result<json> parseBody(const http::Request& request);
// body[key] as a string / int if present; kInvalid "<Label> must be a string" otherwise.
base::Result<std::optional<std::string>> optString(const json& body, const char* key,
                                                   const char* label);
base::Result<std::optional<int64_t>> optInt(const json& body, const char* key, const char* label);
// body.relationships.<name>.data.guid, or "".
std::string relationshipGuid(const json& body, const char* name);

// Strict bodies (CF-CONTRACT §1.2): kInvalid "Unknown field(s): 'x', 'y'" for keys of body
// not in known. "metadata", when known and present, must be an object. "relationships", when
// known and present, must be an object whose members are among relationships and each
// {"data": {"guid": "..."}} (or {"data": null}); otherwise kInvalid naming the relationship.
base::Status checkFields(const json& body, std::initializer_list<std::string_view> known,
                         std::initializer_list<std::string_view> relationships = {});
// Names of apps, spaces, orgs, service instances, tasks ...: at most max characters (code
// points, not bytes) and no control characters; any other unicode is fine. Blank names are
// the handler's own message ("Name can't be blank").
base::Status checkName(std::string_view name, const char* label = "Name", size_t max = 255);

// A taken name as Cloud Controller reports it: kConflict becomes 422 CF-UnprocessableEntity
// with the same words; anything else passes through.
base::Status uniqueAsInvalid(base::Status st);

// Replies. JSON with invalid UTF-8 in user data is replaced, never thrown.
std::string dumpJson(const json& j);
http::Response jsonReply(int status, const json& j);
http::Response accepted(const Api& api, const std::string& job_guid);  // 202 + Location
http::Response noContent();

}  // namespace mcf::controller
