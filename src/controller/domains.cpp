// Domains: creating private (one org's) and shared domains, and deleting them with their routes.
#include <algorithm>

#include "base/strutil.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/presenters.h"
#include "controller/route_ops.h"
#include "store/store.h"

namespace mcf::controller {

using base::Errc;

namespace {

// Cloud Controller's domain name rules (RFC 1035 labels, at least two of them).
base::Status validateDomainName(const std::string& name) {
  if (name.size() < 3)
    return base::makeError(Errc::kInvalid, "Name is too short (minimum is 3 characters)");
  if (name.size() > 253)
    return base::makeError(Errc::kInvalid, "Name is too long (maximum is 253 characters)");
  if (name.find('.') == std::string::npos)
    return base::makeError(Errc::kInvalid, "Name must contain at least one \".\"");
  for (const auto& label : base::split(name, '.')) {
    if (label.size() > 63)
      return base::makeError(Errc::kInvalid, "Name subdomains must each be at most 63 characters");
    bool ok = !label.empty() && label.front() != '-' && label.back() != '-';
    for (char c : label) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    if (!ok) return base::makeError(Errc::kInvalid, "Name does not comply with RFC 1035 standards");
  }
  return {};
}

}  // namespace

// {"name", "internal"?, "relationships"?: {"organization": {"data": {"guid"}}}}: with an
// organization a private domain of it, else a shared one (admins only).
Reply createDomain(Api& api, const Call& call) {
  auto body = parseBody(call.request);
  if (!body.ok()) return body.takeError();
  MCF_TRY(checkFields(*body, {"name", "internal", "router_group", "relationships", "metadata"},
                      {"organization", "shared_organizations"}));
  auto name = optString(*body, "name", "Name");
  if (!name.ok()) return name.takeError();
  if (!*name || (*name)->empty()) return base::makeError(Errc::kInvalid, "Name can't be blank");
  model::Domain domain;
  domain.name = base::toLower(**name);
  MCF_TRY(validateDomainName(domain.name));
  if (body->contains("internal") && !(*body)["internal"].is_boolean())
    return base::makeError(Errc::kInvalid, "Internal must be a boolean");
  if (body->value("internal", false)) {
    return base::makeError(Errc::kInvalid, "Internal domains (container-to-container routes) are "
                                           "not supported by microcf; create the domain without "
                                           "'internal'");
  }
  domain.org_guid = relationshipGuid(*body, "organization");
  // Shared domains are the admin's; an org manager may add private domains to the org.
  if (domain.org_guid.empty()) MCF_TRY(api.authorize(call, Action::kWriteGlobal, "", "Domain"));
  if (!domain.org_guid.empty()) {
    auto org = api.store.getOrg(domain.org_guid);
    auto may = api.authorizeOrg(call, Action::kManageOrg, domain.org_guid, "Organization");
    if (org.ok() && !may.ok() && may.error().code != Errc::kNotFound) return may.takeError();
    if (!org.ok() || !may.ok()) {
      if (!org.ok() && org.error().code != Errc::kNotFound) return org.takeError();
      return base::makeError(Errc::kInvalid, "Organization with guid '{}' does not exist or you "
                                             "do not have access to it.",
                             domain.org_guid);
    }
  }
  auto created = api.store.createDomain(domain);
  if (!created.ok()) {
    if (created.error().code != Errc::kConflict) return created.takeError();
    return base::makeError(Errc::kInvalid, "The domain name \"{}\" is already in use",
                           domain.name);
  }
  return jsonReply(201, presentDomain(api, *created));
}

// Deletes the domain and every route in it (apps mapped to them lose those routes at once), as
// Cloud Controller does; answers with a job.
Reply deleteDomain(Api& api, const Call& call) {
  auto domain = api.store.getDomain(call.param("guid"));
  if (!domain.ok()) return domain.takeError();
  if (domain->org_guid.empty()) {
    MCF_TRY(api.authorize(call, Action::kWriteGlobal, "", "Domain"));
  } else {
    MCF_TRY(api.authorizeOrg(call, Action::kManageOrg, domain->org_guid, "Domain"));
  }
  if (domain->name == base::toLower(api.config.domain)) {
    return base::makeError(Errc::kInvalid, "The domain '{}' is microcf's default domain (set with "
                                           "'microcf up --domain') and cannot be deleted",
                           domain->name);
  }
  MCF_TRY(unmapDomainRoutes(api, domain->guid));
  MCF_TRY(api.store.deleteDomain(domain->guid));
  return accepted(api,
                  api.jobs.add("domain.delete", "/v3/domains/" + domain->guid, api.nowSeconds()));
}

}  // namespace mcf::controller
