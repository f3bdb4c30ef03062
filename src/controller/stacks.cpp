// Stacks: GET /v3/stacks and /v3/stacks/:guid in Cloud Controller's shape. The stacks
// themselves come from the platform (Stacks in platform.h); they are not stored.
#include "base/clock.h"
#include "blobstore/digest.h"
#include "controller/api.h"
#include "controller/handlers.h"
#include "controller/metadata.h"
#include "controller/pagination.h"

namespace mcf::controller {

namespace {

const std::initializer_list<const char*> kStackOrder = {"name", "created_at", "updated_at"};

// A stack has no row of its own: its guid is derived from its name, so it is the same on
// every start and every machine.
std::string stackGuid(const std::string& name) {
  blobstore::Digest d(blobstore::DigestAlgo::kSha256);
  std::string seed = "microcf-stack:" + name;
  d.update(seed.data(), seed.size());
  std::string h = d.hex();
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

json presentStack(const Api& api, const StackInfo& s) {
  std::string guid = stackGuid(s.name);
  std::string since = base::formatTimestamp(api.started_ns / 1000000000);
  return {{"guid", guid},
          {"created_at", since},
          {"updated_at", since},
          {"name", s.name},
          {"description", s.description},
          {"build_rootfs_image", s.name},
          {"run_rootfs_image", s.name},
          {"default", s.is_default},
          {"metadata", presentMetadata(api, meta::kStack, guid)},
          {"links", {{"self", {{"href", api.url("/v3/stacks/" + guid)}}}}}};
}

}  // namespace

Reply listStacks(Api& api, const Call& call) {
  auto q = parseListQuery(call.request.query, kStackOrder, {"names", "guids", "default"});
  if (!q.ok()) return q.takeError();
  std::vector<json> out;
  for (const auto& s : api.stacks.list()) {
    json j = presentStack(api, s);
    if (q->matches("names", s.name) && q->matches("guids", j["guid"].get<std::string>()) &&
        (!q->has("default") || q->matches("default", s.is_default ? "true" : "false")))
      out.push_back(std::move(j));
  }
  return jsonReply(200, paginate(api, "/v3/stacks", *q, std::move(out)));
}

Reply getStack(Api& api, const Call& call) {
  for (const auto& s : api.stacks.list()) {
    if (stackGuid(s.name) == call.param("guid")) return jsonReply(200, presentStack(api, s));
  }
  return base::makeError(base::Errc::kNotFound, "Stack not found");
}

}  // namespace mcf::controller
