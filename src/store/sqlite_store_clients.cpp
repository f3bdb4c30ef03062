// The oauth_clients table: clients of the token endpoint (client_credentials grant).
#include "base/strutil.h"
#include "store/sqlite_store.h"

namespace mcf::store {

using base::Errc;

#define MCF_CLIENT_COLS \
  "client_id, secret_hash, scope, authorities, grant_types, created_at, updated_at"

namespace {

constexpr const char* kClientNotFound = "Client not found";

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& w : base::split(s, ' '))
    if (!w.empty()) out.push_back(w);
  return out;
}

Result<model::OauthClient> readClient(Stmt& row) {
  model::OauthClient c;
  c.client_id = row.text(0);
  c.secret_hash = row.text(1);
  c.scope = words(row.text(2));
  c.authorities = words(row.text(3));
  c.grant_types = words(row.text(4));
  c.created_at = row.int64(5);
  c.updated_at = row.int64(6);
  return c;
}

}  // namespace

Result<model::OauthClient> SqliteStore::createClient(model::OauthClient client) {
  std::string no_guid = "-";
  stamp(no_guid, client);
  MCF_TRY(remap(db_->run("INSERT INTO oauth_clients (" MCF_CLIENT_COLS
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                         client.client_id, client.secret_hash, base::join(client.scope, " "),
                         base::join(client.authorities, " "), base::join(client.grant_types, " "),
                         client.created_at, client.updated_at),
                Errc::kConflict, fmt::format("Client already exists: {}", client.client_id)));
  return client;
}

Result<model::OauthClient> SqliteStore::getClient(const std::string& client_id) {
  return first<model::OauthClient>(
      db_->query("SELECT " MCF_CLIENT_COLS " FROM oauth_clients WHERE client_id = ?", client_id),
      readClient, kClientNotFound);
}

Result<std::vector<model::OauthClient>> SqliteStore::listClients() {
  return collect<model::OauthClient>(
      db_->query("SELECT " MCF_CLIENT_COLS " FROM oauth_clients ORDER BY client_id"), readClient);
}

Status SqliteStore::deleteClient(const std::string& client_id) {
  return requireChanged(db_->run("DELETE FROM oauth_clients WHERE client_id = ?", client_id),
                        kClientNotFound);
}

#undef MCF_CLIENT_COLS

}  // namespace mcf::store
