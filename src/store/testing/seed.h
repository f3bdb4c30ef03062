// Orgs, spaces and apps for store tests: what most of them need before the thing they test.
#pragma once

#include <string>

#include <doctest/doctest.h>

#include "model/model.h"
#include "store/store.h"
#include "store/testing/temp_store.h"

namespace mcf::store::testing {

inline std::string makeOrg(Store& s, const std::string& name = "org") {
  model::Org o;
  o.name = name;
  return s.createOrg(o).value().guid;
}

inline std::string makeSpace(Store& s, const std::string& org_guid, const std::string& name) {
  model::Space sp;
  sp.org_guid = org_guid;
  sp.name = name;
  return s.createSpace(sp).value().guid;
}

// A user with a placeholder password hash; its guid.
inline std::string makeUser(Store& s, const std::string& name) {
  model::User u;
  u.username = name;
  u.email = name;
  u.password_hash = "x";
  return s.createUser(u).value().guid;
}

// An org role (space "") or a space role of user, not yet stored.
inline model::Role role(model::RoleType type, const std::string& user, const std::string& org,
                        const std::string& space = "") {
  model::Role r;
  r.type = type;
  r.user_guid = user;
  r.org_guid = org;
  r.space_guid = space;
  return r;
}

// The space "dev" of a new org "org".
inline std::string devSpace(Store& s) { return makeSpace(s, makeOrg(s), "dev"); }

inline model::App makeApp(Store& s, const std::string& space_guid, const std::string& name) {
  model::App a;
  a.name = name;
  a.space_guid = space_guid;
  return s.createApp(a).value();
}

// A fresh store with the space "dev" of the org "org".
struct StoreWithSpace {
  TempStore s;
  std::string space;
  StoreWithSpace() {
    REQUIRE(s.ok());
    space = devSpace(*s);
  }
};

}  // namespace mcf::store::testing
