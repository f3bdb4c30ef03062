// OsbHandler: a service broker that lives in this process (the built-in data services).
//
// It speaks Open Service Broker v2 (CF-CONTRACT §7) over a function call instead of a socket:
// it gets the request the HTTP transport would send (method, target with its query, headers,
// JSON body) and answers with the response a broker would (status, headers such as
// Retry-After, JSON body). The OSB client hands requests for "builtin://NAME" brokers to the
// handler registered under NAME, so built-in and external brokers take one code path.
// Thread: the loop's; done runs once, on the loop, possibly inside handle().
#pragma once

#include <functional>

#include "http/message.h"

namespace mcf::services {

class OsbHandler {
 public:
  virtual ~OsbHandler() = default;
  virtual void handle(const http::Request& request, std::function<void(http::Response)> done) = 0;
};

}  // namespace mcf::services
