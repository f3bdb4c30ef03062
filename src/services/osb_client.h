// OsbClient: the platform side of the Open Service Broker API v2 (CF-CONTRACT §7).
//
// Owns: the requests to brokers: the headers every call carries (X-Broker-API-Version 2.15,
// Basic auth, request and originating identity, X-Api-Info-Location), the timeout, and the
// transport: HTTP for "http://" brokers, a function call for "builtin://NAME" brokers
// (services/osb_handler.h).
// Does not own: what the answers mean (the controller's service operations decide: polling,
// orphan mitigation, state).
// Thread: the loop's; done runs on the loop, never inside send().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "http/client.h"
#include "loop/loop.h"
#include "model/service.h"
#include "services/osb_handler.h"

namespace mcf::services {

inline constexpr const char* kBrokerApiVersion = "2.15";
inline constexpr const char* kBuiltinScheme = "builtin://";

struct OsbRequest {
  std::string method = "GET";
  std::string path;  // "/v2/service_instances/<id>"
  std::vector<std::pair<std::string, std::string>> query;  // encoded by the client
  nlohmann::json body;     // null: no body
  std::string user_guid;   // who caused the call (originating identity); "" = the platform
};

struct OsbResponse {
  int status = 0;
  nlohmann::json body;     // the JSON answer; null when the body was not JSON
  bool body_is_json = false;
  std::string raw;         // the body as received (for messages)
  int retry_after_s = -1;  // Retry-After in seconds; -1 = none
  // The broker's error fields ({"error":"AsyncRequired","description":"..."}), "" if none.
  std::string error() const;
  std::string description() const;
};

class OsbClient {
 public:
  // api_info_url is sent as X-Api-Info-Location; timeout_ms bounds every request.
  OsbClient(loop::Loop& loop, std::string api_info_url, uint64_t timeout_ms);
  ~OsbClient();
  OsbClient(const OsbClient&) = delete;
  OsbClient& operator=(const OsbClient&) = delete;

  // Registers an in-process broker reached as builtin://name. The handler outlives the client.
  void addBuiltin(const std::string& name, OsbHandler* handler);
  uint64_t timeoutMs() const { return timeout_ms_; }

  // kInvalid, saying what to write instead, for a URL the client cannot call (not http, an
  // unknown builtin name, credentials inside the URL).
  base::Status checkUrl(const std::string& url) const;

  // Errors: kUnavailable when the broker was surely not reached (connection refused, unknown
  // host: nothing to clean up); kIo when it may have been (timed out, connection reset, a
  // response that is not HTTP): callers mitigate orphans then. Messages name the broker's URL
  // and say what to check.
  void send(const model::ServiceBroker& broker, OsbRequest request,
            std::function<void(base::Result<OsbResponse>)> done);

 private:
  struct Pending;
  loop::Loop& loop_;
  std::string api_info_url_;
  uint64_t timeout_ms_;
  http::Client http_;
  std::map<std::string, OsbHandler*> builtins_;
  // Builtin answers are handed back on a later loop turn, as HTTP ones are.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcf::services
