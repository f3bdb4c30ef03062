// Socket addresses for the server and the client: parsing numeric hosts, formatting peers.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace mcf::http {

// "localhost" and every "*.localhost" name mean loopback (RFC 6761), without DNS.
bool isLocalhostName(std::string_view host);
// Fills addr when host is a numeric IPv4/IPv6 address (brackets allowed) or a localhost
// name; false when host is some other name that needs DNS.
bool numericAddress(std::string_view host, int port, sockaddr_storage& addr);
// "127.0.0.1:5555" or "[::1]:5555"; "" if the family is unknown.
std::string formatAddress(const sockaddr* addr);

}  // namespace mcf::http
