// Creating, renaming and deleting organizations and spaces. Deleting cascades as Cloud
// Controller's does: the apps (stopped and unrouted through the same path an app delete takes),
// then, in one store transaction, routes, service instances, roles and the space or org.
#include "controller/app_ops.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/presenters.h"
#include "controller/route_ops.h"
#include "controller/tenancy.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// Creating orgs is for admins: a refusal is 403, there is nothing to hide.
base::Status mayCreate(Api& api, const Call& call, const char* what) {
  auto allowed = api.authorize(call, Action::kWriteGlobal, "", what);
  if (!allowed.ok() && allowed.error().code == Errc::kNotFound) {
    return base::makeError(Errc::kForbidden, "You are not authorized to perform the requested "
                                             "action");
  }
  return allowed;
}

base::Result<model::Org> writableOrg(Api& api, const Call& call, const std::string& guid,
                                     Action action) {
  auto org = api.store.getOrg(guid);
  if (!org.ok()) {
    if (org.error().code != Errc::kNotFound) return org.takeError();
    return base::makeError(Errc::kNotFound, "Organization not found");
  }
  MCF_TRY(api.authorizeOrg(call, Action::kReadOrg, guid, "Organization"));
  MCF_TRY(api.authorizeOrg(call, action, guid, "Organization"));
  return org;
}

base::Result<std::optional<std::string>> readName(const json& body, bool required) {
  auto name = optString(body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (!*name && required) return base::makeError(Errc::kInvalid, "Name can't be blank");
  if (*name && (*name)->find_first_not_of(" \t") == std::string::npos)
    return base::makeError(Errc::kInvalid, "Name can't be blank");
  if (*name) MCF_TRY(checkName(**name));
  return name;
}

// Stops and removes the space's apps as an app delete does (routes unmapped, instances
// stopped, caches dropped), then deletes what is left of the space in one transaction.
base::Status deleteSpaceEverywhere(Api& api, const model::Space& space) {
  store::AppFilter in_space;
  in_space.space_guids = {space.guid};
  auto apps = api.store.listApps(in_space);
  if (!apps.ok()) return apps.takeError();
  for (const auto& app : *apps) MCF_TRY(deleteAppEverywhere(api, app));
  auto instances = api.store.listServiceInstances(space.guid);
  if (!instances.ok()) return instances.takeError();
  std::vector<std::pair<model::ServiceBinding, model::ServiceInstance>> keys;
  for (const auto& si : *instances)
    if (auto k = api.store.listServiceKeys(si.guid); k.ok())
      for (const auto& key : *k) keys.emplace_back(key, si);
  MCF_TRY(api.store.deleteSpace(space.guid));
  // Managed instances and their keys went with the space; their brokers are told.
  for (const auto& [key, si] : keys) api.service_ops->release(key, si);
  for (const auto& si : *instances) api.service_ops->release(si);
  return {};
}

}  // namespace

Reply createOrg(Api& api, const Call& call) {
  MCF_TRY(mayCreate(api, call, "Organization"));  // §8: admin
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "suspended", "metadata"}));
  auto name = readName(*body, true);
  if (!name.ok()) return name.takeError();
  if (auto s = body->find("suspended"); s != body->end() && !s->is_null()) {
    if (!s->is_boolean()) return base::makeError(Errc::kInvalid, "Suspended must be a boolean");
    if (s->get<bool>())
      return base::makeError(Errc::kInvalid, "microcf does not suspend organizations");
  }
  auto metadata = metadataUpdate(api, meta::kOrg, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  model::Org org;
  org.name = **name;
  auto created = api.store.createOrg(org);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kOrg, created->guid, *metadata));
  recordTenancyEvent(api, call, "audit.organization.create", "organization", created->guid,
                     created->name, "", created->guid, {{"request", *body}});
  return jsonReply(201, presentOrg(api, *created));
}

Reply updateOrg(Api& api, const Call& call) {
  auto org = writableOrg(api, call, call.param("guid"), Action::kManageOrg);  // §8: OrgMgr
  if (!org.ok()) return org.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "suspended", "metadata"}));
  auto name = readName(*body, false);
  if (!name.ok()) return name.takeError();
  auto metadata = metadataUpdate(api, meta::kOrg, org->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  if (auto s = body->find("suspended"); s != body->end() && s->is_boolean() && s->get<bool>())
    return base::makeError(Errc::kInvalid, "microcf does not suspend organizations");
  if (*name && **name != org->name) {
    org->name = **name;
    MCF_TRY(uniqueAsInvalid(api.store.updateOrg(*org)));
  }
  MCF_TRY(saveMetadata(api, meta::kOrg, org->guid, *metadata));
  auto updated = api.store.getOrg(org->guid);
  if (!updated.ok()) return updated.takeError();
  recordTenancyEvent(api, call, "audit.organization.update", "organization", updated->guid,
                     updated->name, "", updated->guid, {{"request", *body}});
  return jsonReply(200, presentOrg(api, *updated));
}

Reply deleteOrg(Api& api, const Call& call) {
  auto org = writableOrg(api, call, call.param("guid"), Action::kWriteGlobal);  // §8: admin
  if (!org.ok()) return org.takeError();
  auto spaces = api.store.listSpaces();
  if (!spaces.ok()) return spaces.takeError();
  for (const auto& space : *spaces) {
    if (space.org_guid != org->guid) continue;
    store::AppFilter in_space;
    in_space.space_guids = {space.guid};
    auto apps = api.store.listApps(in_space);
    if (!apps.ok()) return apps.takeError();
    for (const auto& app : *apps) MCF_TRY(deleteAppEverywhere(api, app));
  }
  // Other orgs' routes on this org's private domains go with the domains: out of the router.
  auto domains = api.store.listDomains();
  if (!domains.ok()) return domains.takeError();
  for (const auto& d : *domains)
    if (d.org_guid == org->guid) MCF_TRY(unmapDomainRoutes(api, d.guid));
  MCF_TRY(api.store.deleteOrg(org->guid));
  recordTenancyEvent(api, call, "audit.organization.delete-request", "organization", org->guid,
                     org->name, "", org->guid);
  return accepted(api, api.jobs.add("organization.delete", "/v3/organizations/" + org->guid,
                                    api.nowSeconds()));
}

Reply createSpace(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "relationships", "metadata"}, {"organization"}));
  auto name = readName(*body, true);
  if (!name.ok()) return name.takeError();
  auto org = api.store.getOrg(relationshipGuid(*body, "organization"));
  base::Status allowed = org.ok() ? api.authorizeOrg(call, Action::kManageOrg, org->guid,
                                                     "Organization")  // §8: OrgMgr
                                  : base::Status();
  if (!org.ok() || (!allowed.ok() && allowed.error().code == Errc::kNotFound)) {
    if (!org.ok() && org.error().code != Errc::kNotFound) return org.takeError();
    return base::makeError(Errc::kInvalid, "Invalid organization. Ensure the organization exists "
                                           "and you have access to it.");
  }
  MCF_TRY(std::move(allowed));
  auto metadata = metadataUpdate(api, meta::kSpace, "", *body);
  if (!metadata.ok()) return metadata.takeError();
  model::Space space;
  space.name = **name;
  space.org_guid = org->guid;
  auto created = api.store.createSpace(space);
  if (!created.ok()) return uniqueAsInvalid(created.takeError()).error();
  MCF_TRY(saveMetadata(api, meta::kSpace, created->guid, *metadata));
  recordTenancyEvent(api, call, "audit.space.create", "space", created->guid, created->name,
                     created->guid, created->org_guid, {{"request", *body}});
  return jsonReply(201, presentSpace(api, *created));
}

Reply updateSpace(Api& api, const Call& call) {
  auto space = api.space(call, call.param("guid"), Action::kManageSpace);  // §8: OrgMgr, SpaceMgr
  if (!space.ok()) return space.takeError();
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "metadata"}));
  auto name = readName(*body, false);
  if (!name.ok()) return name.takeError();
  auto metadata = metadataUpdate(api, meta::kSpace, space->guid, *body);
  if (!metadata.ok()) return metadata.takeError();
  if (*name && **name != space->name) {
    space->name = **name;
    MCF_TRY(uniqueAsInvalid(api.store.updateSpace(*space)));
  }
  MCF_TRY(saveMetadata(api, meta::kSpace, space->guid, *metadata));
  auto updated = api.store.getSpace(space->guid);
  if (!updated.ok()) return updated.takeError();
  recordTenancyEvent(api, call, "audit.space.update", "space", updated->guid, updated->name,
                     updated->guid, updated->org_guid, {{"request", *body}});
  return jsonReply(200, presentSpace(api, *updated));
}

Reply deleteSpace(Api& api, const Call& call) {
  auto space = api.space(call, call.param("guid"), Action::kManageOrg);  // §8: OrgMgr
  if (!space.ok()) return space.takeError();
  MCF_TRY(deleteSpaceEverywhere(api, *space));
  recordTenancyEvent(api, call, "audit.space.delete-request", "space", space->guid, space->name,
                     space->guid, space->org_guid);
  return accepted(api, api.jobs.add("space.delete", "/v3/spaces/" + space->guid,
                                    api.nowSeconds()));
}

}  // namespace mcf::controller
