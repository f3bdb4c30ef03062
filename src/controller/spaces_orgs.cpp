// Organizations, spaces and domains: what `cf login` and `cf target` read.
#include <algorithm>

#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/pagination.h"
#include "controller/presenters.h"
#include "controller/route_ops.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

base::Result<model::Org> findOrg(Api& api, const Call& call, const std::string& guid) {
  auto org = api.store.getOrg(guid);
  if (!org.ok() && org.error().code == Errc::kNotFound)
    return base::makeError(Errc::kNotFound, "Organization not found");
  if (org.ok()) MCF_TRY(api.authorizeOrg(call, Action::kReadOrg, org->guid, "Organization"));
  return org;
}

const std::initializer_list<const char*> kNamedOrder = {"created_at", "updated_at", "name"};

}  // namespace

Reply listOrgs(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kNamedOrder, {"names", "guids"});
  if (!q.ok()) return q.takeError();
  auto orgs = api.store.listOrgs();
  if (!orgs.ok()) return orgs.takeError();
  std::vector<json> out;
  for (const auto& org : *orgs) {
    if (q->matches("names", org.name) && q->matches("guids", org.guid) &&
        api.canReadOrg(call, org.guid))
      out.push_back(presentOrg(api, org));
  }
  return jsonReply(200, paginate(api, "/v3/organizations", *q, std::move(out)));
}

Reply getOrg(Api& api, const Call& call) {
  auto org = findOrg(api, call, call.param("guid"));
  if (!org.ok()) return org.takeError();
  return jsonReply(200, presentOrg(api, *org));
}

Reply getOrgDefaultDomain(Api& api, const Call& call) {
  auto org = findOrg(api, call, call.param("guid"));
  if (!org.ok()) return org.takeError();
  auto domain = defaultDomain(api);
  if (!domain.ok()) return domain.takeError();
  return jsonReply(200, presentDomain(api, *domain));
}

Reply listOrgDomains(Api& api, const Call& call) {
  auto org = findOrg(api, call, call.param("guid"));
  if (!org.ok()) return org.takeError();
  return listDomains(api, call);  // the shared domains and this org's private ones
}

Reply listSpaces(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kNamedOrder,
                          {"names", "guids", "organization_guids", "include"});
  if (!q.ok()) return q.takeError();
  auto spaces = api.store.listSpaces();
  if (!spaces.ok()) return spaces.takeError();
  std::vector<json> out;
  std::vector<std::string> org_guids;
  for (const auto& space : *spaces) {
    if (!q->matches("names", space.name) || !q->matches("guids", space.guid) ||
        !q->matches("organization_guids", space.org_guid) || !api.canRead(call, space.guid)) {
      continue;
    }
    out.push_back(presentSpace(api, space));
    if (std::find(org_guids.begin(), org_guids.end(), space.org_guid) == org_guids.end())
      org_guids.push_back(space.org_guid);
  }
  json list = paginate(api, "/v3/spaces", *q, std::move(out));
  if (std::find(q->include.begin(), q->include.end(), "organization") != q->include.end()) {
    json orgs = json::array();
    for (const auto& guid : org_guids) {
      auto org = api.store.getOrg(guid);
      if (org.ok()) orgs.push_back(presentOrg(api, *org));
    }
    list["included"] = {{"organizations", orgs}};
  }
  return jsonReply(200, list);
}

Reply getSpace(Api& api, const Call& call) {
  auto space = api.space(call, call.param("guid"), Action::kRead);
  if (!space.ok()) return space.takeError();
  return jsonReply(200, presentSpace(api, *space));
}

Reply listDomains(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kNamedOrder,
                          {"names", "guids", "organization_guids"});
  if (!q.ok()) return q.takeError();
  auto domains = api.store.listDomains();
  if (!domains.ok()) return domains.takeError();
  std::vector<json> out;
  const std::string* org = call.params.count("guid") ? &call.param("guid") : nullptr;
  for (const auto& d : *domains) {
    if (org && !domainUsableBy(d, *org)) continue;
    if (!d.org_guid.empty() && !api.canReadOrg(call, d.org_guid)) continue;  // private, unseen
    if (q->matches("names", d.name) && q->matches("guids", d.guid) &&
        (!q->has("organization_guids") || q->matches("organization_guids", d.org_guid)))
      out.push_back(presentDomain(api, d));
  }
  std::string path = call.params.count("guid")
                         ? "/v3/organizations/" + call.param("guid") + "/domains"
                         : "/v3/domains";
  return jsonReply(200, paginate(api, path, *q, std::move(out)));
}

Reply getDomain(Api& api, const Call& call) {
  auto domain = api.store.getDomain(call.param("guid"));
  if (!domain.ok() && domain.error().code == Errc::kNotFound)
    return base::makeError(Errc::kNotFound, "Domain not found");
  if (!domain.ok()) return domain.takeError();
  if (!domain->org_guid.empty())
    MCF_TRY(api.authorizeOrg(call, Action::kReadOrg, domain->org_guid, "Domain"));
  return jsonReply(200, presentDomain(api, *domain));
}

}  // namespace mcf::controller
