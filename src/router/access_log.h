// The RTR access log line Gorouter writes for every proxied request (CF-CONTRACT §6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcf::router {

// Views into the router's connection state: valid during the AccessLog callback only.
struct AccessRecord {
  std::string_view host;  // Host header, lowercased, no port
  int64_t start_ns = 0;   // when the request arrived, ns since the epoch
  std::string_view method;
  std::string_view target;
  int status = 0;
  size_t request_bytes = 0;     // request body
  size_t response_bytes = 0;    // response body
  std::string_view referer;     // "" → "-"
  std::string_view user_agent;  // "" → "-"
  std::string_view client_addr;   // "127.0.0.1:5555"
  std::string_view backend_addr;  // "127.0.0.1:61001", "" → "-"
  std::string_view x_forwarded_for;
  std::string_view x_forwarded_proto = "http";
  std::string_view request_id;
  double response_seconds = 0;
  std::string_view app_guid;
  int app_index = 0;
};

// `<host> - [02/01/2006:15:04:05.000 +0000] "GET /p HTTP/1.1" 200 0 5 "-" "curl/8" ...`
std::string formatAccessLine(const AccessRecord& r);
// "dd/mm/yyyy:hh:mm:ss.mmm +0000", UTC.
std::string formatAccessTime(int64_t epoch_ns);

}  // namespace mcf::router
