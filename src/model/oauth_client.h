// OauthClient: a registered client of the token endpoint (UAA's /oauth/clients).
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace mcf::model {

// An OAuth client of the token endpoint (UAA's /oauth/clients), for client_credentials.
// Lists are UAA's: scopes asked for, authorities (the scopes its own tokens carry), grants.
struct OauthClient : Stamps {
  std::string client_id;
  std::string secret_hash;  // auth/password.h format, never shown
  std::vector<std::string> scope;
  std::vector<std::string> authorities;
  std::vector<std::string> grant_types;
};

}  // namespace mcf::model
