// Audit events: recording them for user actions, and GET /v3/audit_events.
#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "controller/api.h"
#include "controller/audit.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "store/store.h"

namespace mcf::controller {

void recordEvent(Api& api, const Call& call, const std::string& type, const EventTarget& target,
                 const std::string& space_guid, json data, const std::string& org_guid) {
  model::AuditEvent e;
  e.type = type;
  if (call.claims) {
    e.actor_guid = call.claims->user_id;
    e.actor_name = call.claims->user_name;
  }
  e.actor_type = call.claims && call.claims->client ? "client" : "user";
  e.target_guid = target.guid;
  e.target_type = target.type;
  e.target_name = target.name;
  e.space_guid = space_guid;
  e.org_guid = org_guid;
  if (e.org_guid.empty() && !space_guid.empty())
    if (auto space = api.store.getSpace(space_guid); space.ok()) e.org_guid = space->org_guid;
  e.data = dumpJson(data.is_object() ? data : json::object());
  if (auto st = api.store.createEvent(std::move(e)); !st.ok())
    MCF_WARN("controller", "recording {} for {} {}: {}", type, target.type, target.guid,
             st.error().message);
}

void recordAppEvent(Api& api, const Call& call, const std::string& type, const model::App& app,
                    json data) {
  recordEvent(api, call, type, {"app", app.guid, app.name}, app.space_guid, std::move(data));
}

void recordRouteEvent(Api& api, const Call& call, const std::string& type,
                      const model::Route& route, json data) {
  recordEvent(api, call, type, {"route", route.guid, route.host}, route.space_guid,
              std::move(data));
}

void recordRouteMapping(Api& api, const Call& call, const char* type,
                        const model::RouteDestination& dest) {
  auto app = api.store.getApp(dest.app_guid);
  if (!app.ok()) return;
  recordAppEvent(api, call, type,
                 *app, {{"route_guid", dest.route_guid},
                        {"route_mapping_guid", dest.guid},
                        {"destination_guid", dest.guid},
                        {"process_type", dest.process_type},
                        {"app_port", dest.port}});
}

json redactRequest(const json& body) {
  if (!body.is_object()) return body;
  static const char* const kHidden = "[PRIVATE DATA HIDDEN]";
  json out = json::object();
  for (const auto& [key, value] : body.items()) {
    if (key == "environment_variables" || key == "credentials" || key == "parameters" ||
        key == "password" || key == "env")
      out[key] = kHidden;
    else if (value.is_object())
      out[key] = redactRequest(value);
    else
      out[key] = value;
  }
  return out;
}

Reply listAuditEvents(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, {"created_at", "updated_at"},
                          {"types", "target_guids", "space_guids", "organization_guids", "guids"});
  if (!q.ok()) return q.takeError();
  store::EventFilter filter;
  if (auto f = q->filter("types")) filter.types = *f;
  if (auto f = q->filter("target_guids")) filter.target_guids = *f;
  if (auto f = q->filter("space_guids")) filter.space_guids = *f;
  auto events = api.store.listEvents(filter);
  if (!events.ok()) return events.takeError();
  std::vector<json> out;
  for (const auto& e : *events) {
    if (!q->matches("organization_guids", e.org_guid) || !q->matches("guids", e.guid)) continue;
    if (!api.canRead(call, e.space_guid)) continue;
    out.push_back(presentAuditEvent(api, e));
  }
  // Newest first within one second too: the store lists in insertion order (paginate).
  return jsonReply(200, paginate(api, "/v3/audit_events", *q, std::move(out)));
}

Reply getAuditEvent(Api& api, const Call& call) {
  auto e = api.store.getEvent(call.param("guid"));
  if (!e.ok()) {
    if (e.error().code == base::Errc::kNotFound)
      return base::makeError(base::Errc::kNotFound, "Event not found");
    return e.takeError();
  }
  if (!api.canRead(call, e->space_guid))
    return base::makeError(base::Errc::kNotFound, "Event not found");
  return jsonReply(200, presentAuditEvent(api, *e));
}

}  // namespace mcf::controller
