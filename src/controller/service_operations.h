// ServiceOperations: the work behind managed service instances and bindings, done with the
// broker over OSB (CF-CONTRACT §7) while the API's job waits.
//
// Owns: the sequence of each operation (the request, what every status code means,
// last_operation polling at the broker's Retry-After, the polling limit, orphan mitigation
// after timeouts, 5xx and unparseable answers) and the instance's or binding's last_operation
// in the store as it goes, so that polling resumes after microcf restarts.
// Does not own: validation and authorization (the handlers did them), the HTTP transport
// (services::OsbClient).
// Thread: the loop's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "model/service.h"
#include "services/osb_client.h"

namespace mcf::loop {
class Timer;
}

namespace mcf::controller {

struct Api;

// What an operation needs besides the instance: the plan and offering (their broker ids), the
// broker, and who asked.
struct ServiceContext {
  model::ServicePlan plan;
  model::ServiceOffering offering;
  model::ServiceBroker broker;
  std::string user_guid;  // originating identity; "" = the platform
  std::string job_guid;   // finished when the operation ends; "" = none
};

class ServiceOperations {
 public:
  explicit ServiceOperations(Api& api);
  ~ServiceOperations();
  ServiceOperations(const ServiceOperations&) = delete;
  ServiceOperations& operator=(const ServiceOperations&) = delete;

  // si is stored with last_operation {create, in progress}.
  void provision(const model::ServiceInstance& si, ServiceContext ctx, nlohmann::json parameters);
  // si is stored with last_operation {update, in progress}; ctx.plan is the plan it moves to
  // (the current one when only parameters change), previous_plan the current one.
  void update(const model::ServiceInstance& si, ServiceContext ctx,
              const model::ServicePlan& previous_plan, nlohmann::json parameters);
  // si is stored with last_operation {delete, in progress}; the row goes when the broker
  // has deprovisioned.
  void deprovision(const model::ServiceInstance& si, ServiceContext ctx);
  // b (type "app" or "key") is stored with last_operation {create, in progress}. A failed bind
  // removes it again, so that the user can try again.
  void bind(const model::ServiceBinding& b, const model::ServiceInstance& si, ServiceContext ctx,
            nlohmann::json parameters);
  // b is stored with last_operation {delete, in progress}; the row goes when unbound.
  void unbind(const model::ServiceBinding& b, const model::ServiceInstance& si,
              ServiceContext ctx);

  // Tells the broker to unbind or deprovision what the platform already deleted with its app
  // or space (store rows gone); nothing is written back. User-provided ones are ignored.
  void release(const model::ServiceBinding& b, const model::ServiceInstance& si);
  void release(const model::ServiceInstance& si);

  // Polls again every operation the store shows in progress (after a restart).
  void resume();
  // The broker, plan and offering of a managed instance, for the handlers.
  base::Result<ServiceContext> contextOf(const model::ServiceInstance& si);

 private:
  struct Op;
  void send(std::shared_ptr<Op> op);
  void answered(std::shared_ptr<Op> op, base::Result<services::OsbResponse> r);
  void schedulePoll(std::shared_ptr<Op> op, int retry_after_s);
  void poll(std::shared_ptr<Op> op);
  void fetchBinding(std::shared_ptr<Op> op);
  void succeed(std::shared_ptr<Op> op, const nlohmann::json& body);
  void fail(std::shared_ptr<Op> op, std::string why, bool mitigate);
  void mitigateOrphan(std::shared_ptr<Op> op, int attempt);
  void save(Op& op);

  Api& api_;
  uint64_t poll_ms_;
  std::map<std::string, std::unique_ptr<loop::Timer>> timers_;  // by instance or binding guid
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcf::controller
