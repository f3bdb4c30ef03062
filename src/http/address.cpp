// Socket address parsing and formatting.
#include "http/address.h"

#include <netinet/in.h>
#include <uv.h>

#include <cstring>

#include <fmt/format.h>

#include "base/strutil.h"

namespace mcf::http {

bool isLocalhostName(std::string_view host) {
  std::string h = base::toLower(host);
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is the same name
  return h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"));
}

bool numericAddress(std::string_view host, int port, sockaddr_storage& addr) {
  std::memset(&addr, 0, sizeof addr);
  std::string h(host);
  if (isLocalhostName(h)) h = "127.0.0.1";
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (uv_ip4_addr(h.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) == 0) return true;
  if (uv_ip6_addr(h.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) == 0) return true;
  return false;
}

std::string formatAddress(const sockaddr* addr) {
  char ip[64] = {0};
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    uv_ip4_name(in, ip, sizeof ip);
    return fmt::format("{}:{}", ip, ntohs(in->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    uv_ip6_name(in6, ip, sizeof ip);
    return fmt::format("[{}]:{}", ip, ntohs(in6->sin6_port));
  }
  return {};
}

}  // namespace mcf::http
