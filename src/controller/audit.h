// Audit events the controller records for what users do (CC's audit.* events).
#pragma once

#include <string>

#include "controller/api.h"

namespace mcf::controller {

// What an event is about.
struct EventTarget {
  std::string type;  // "app", "route", "service_instance", "space", "organization", "user", ...
  std::string guid;
  std::string name;
};

// Records an event of type about target by the caller (actor = the token's user, or the
// token's client when there is no user). space_guid may be "" (org- or platform-wide events);
// org_guid "" is looked up from the space. Failures are logged, never returned: an event
// that cannot be written must not undo what the user asked for.
void recordEvent(Api& api, const Call& call, const std::string& type, const EventTarget& target,
                 const std::string& space_guid, json data = json::object(),
                 const std::string& org_guid = "");

// Records an event about app (target type "app", the app's space).
void recordAppEvent(Api& api, const Call& call, const std::string& type, const model::App& app,
                    json data = json::object());

// Records an event about route (target type "route", named by its host, the route's space).
void recordRouteEvent(Api& api, const Call& call, const std::string& type,
                      const model::Route& route, json data = json::object());

// Records audit.app.map-route / audit.app.unmap-route on the destination's app.
void recordRouteMapping(Api& api, const Call& call, const char* type,
                        const model::RouteDestination& dest);

// A request body as an audit event shows it: secrets (environment_variables, credentials,
// parameters) replaced by "[PRIVATE DATA HIDDEN]", as Cloud Controller does.
json redactRequest(const json& body);

}  // namespace mcf::controller
