// URLs and query strings: what the CLI and the API need, not a general URI library.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace mcf::http {

struct Url {
  std::string scheme;        // "http" or "https", lowercased
  std::string host;          // lowercased; IPv6 literals keep their brackets "[::1]"
  int port = 80;             // the scheme's default when the URL names none
  std::string target = "/";  // path and query, never empty; the fragment is dropped
};

// "http://api.localhost:8080/v3/apps?x=1" → {http, api.localhost, 8080, "/v3/apps?x=1"}.
// kInvalid, naming the URL, for anything else (other schemes, no host, bad port).
base::Result<Url> parseUrl(const std::string& url);

// "a=1&b=x+y&c" → {{"a","1"},{"b","x y"},{"c",""}}: '+' and %XX decoded, order kept.
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

// Decodes %XX only ('+' stays '+'): for paths, where '+' is not a space.
std::string percentDecode(std::string_view s);

}  // namespace mcf::http
