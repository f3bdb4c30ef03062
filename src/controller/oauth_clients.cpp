// UAA's client administration for admins: POST /oauth/clients, GET /oauth/clients,
// DELETE /oauth/clients/:id, in UAA's JSON (client_id, client_secret, scope,
// authorized_grant_types, authorities) and UAA's error shape.
#include "auth/password.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "store/store.h"

namespace mcf::controller {

namespace {

http::Response uaaError(int status, const char* error, const std::string& description) {
  return jsonReply(status, {{"error", error}, {"error_description", description}});
}

// Cloud Controller's or UAA's admin (microcf's admin user holds the first). clients.write
// alone is not enough: a client could give a new client more than it holds.
bool clientAdmin(const Call& call) {
  for (const char* s : {"cloud_controller.admin", "uaa.admin"})
    if (hasScope(*call.claims, s)) return true;
  return false;
}

http::Response insufficientScope() {
  return jsonReply(403, {{"error", "insufficient_scope"},
                         {"error_description", "Insufficient scope for this resource: only "
                                               "admins manage OAuth clients"},
                         {"scope", "cloud_controller.admin uaa.admin"}});
}

json present(const model::OauthClient& c) {
  return {{"client_id", c.client_id},
          {"scope", c.scope.empty() ? std::vector<std::string>{"uaa.none"} : c.scope},
          {"resource_ids", {"none"}},
          {"authorized_grant_types", c.grant_types},
          {"authorities", c.authorities},
          {"autoapprove", json::array()},
          {"lastModified", c.updated_at * 1000}};
}

// A list of strings given as a JSON array or one space/comma-separated string.
base::Result<std::vector<std::string>> stringList(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  auto add = [&](const std::string& s) {
    std::string word;
    for (char c : s + " ") {
      if (c == ' ' || c == ',') {
        if (!word.empty()) out.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
  };
  if (it->is_string()) {
    add(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) return base::makeError(base::Errc::kInvalid, "{} must be a list", key);
  for (const auto& v : *it) {
    if (!v.is_string()) return base::makeError(base::Errc::kInvalid, "{} must be strings", key);
    add(v.get<std::string>());
  }
  return out;
}

bool validId(const std::string& id) {
  if (id.empty() || id.size() > 255) return false;
  for (unsigned char c : id)
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  return true;
}

}  // namespace

Reply postOauthClient(Api& api, const Call& call) {
  if (!clientAdmin(call)) return insufficientScope();
  json body = json::parse(call.request.body, nullptr, false);
  if (!body.is_object()) return uaaError(400, "invalid_client", "The body must be a JSON object");
  model::OauthClient c;
  auto id = body.find("client_id");
  if (id == body.end() || !id->is_string() || !validId(id->get<std::string>()))
    return uaaError(400, "invalid_client", "client_id is required: a name without spaces or ':'");
  c.client_id = id->get<std::string>();
  if (c.client_id == "cf")
    return uaaError(409, "invalid_client", "Client already exists: cf");
  auto secret = body.find("client_secret");
  if (secret == body.end() || !secret->is_string() || secret->get<std::string>().empty())
    return uaaError(400, "invalid_client", "client_secret is required for client_credentials");
  for (auto [key, field] : {std::pair{"scope", &c.scope}, std::pair{"authorities", &c.authorities},
                            std::pair{"authorized_grant_types", &c.grant_types}}) {
    auto list = stringList(body, key);
    if (!list.ok()) return uaaError(400, "invalid_client", list.error().message);
    *field = std::move(*list);
  }
  if (c.grant_types.empty()) c.grant_types = {"client_credentials"};
  for (const auto& g : c.grant_types) {
    if (g != "client_credentials")
      return uaaError(400, "invalid_client",
                      fmt::format("Unsupported grant type '{}': microcf's clients use "
                                  "client_credentials; users log in through client 'cf'", g));
  }
  c.secret_hash = auth::hashPassword(secret->get<std::string>());
  auto created = api.store.createClient(std::move(c));
  if (!created.ok()) {
    if (created.error().code == base::Errc::kConflict)
      return uaaError(409, "invalid_client", created.error().message);
    return created.takeError();
  }
  return jsonReply(201, present(*created));
}

Reply listOauthClients(Api& api, const Call& call) {
  if (!clientAdmin(call)) return insufficientScope();
  auto clients = api.store.listClients();
  if (!clients.ok()) return clients.takeError();
  json resources = json::array();
  for (const auto& c : *clients) resources.push_back(present(c));
  return jsonReply(200, {{"resources", resources},
                         {"startIndex", 1},
                         {"itemsPerPage", resources.size()},
                         {"totalResults", resources.size()},
                         {"schemas", {"http://cloudfoundry.org/schema/scim/oauth-clients-1.0"}}});
}

Reply deleteOauthClient(Api& api, const Call& call) {
  if (!clientAdmin(call)) return insufficientScope();
  auto client = api.store.getClient(call.param("id"));
  if (!client.ok()) {
    if (client.error().code == base::Errc::kNotFound)
      return uaaError(404, "not_found", fmt::format("No client with requested id: {}",
                                                    call.param("id")));
    return client.takeError();
  }
  if (auto st = api.store.deleteClient(client->client_id); !st.ok()) return st.takeError();
  return jsonReply(200, present(*client));
}

}  // namespace mcf::controller
