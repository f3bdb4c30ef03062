// URL and query string parsing.
#include "http/url.h"

#include <charconv>

#include "base/strutil.h"

namespace mcf::http {
namespace {

base::Error badUrl(const std::string& url, std::string_view why) {
  return base::makeError(base::Errc::kInvalid,
                         "invalid URL '{}': {}; expected http://HOST[:PORT][/PATH]", url, why);
}

}  // namespace

base::Result<Url> parseUrl(const std::string& url) {
  Url out;
  size_t sep = url.find("://");
  if (sep == std::string::npos) return badUrl(url, "no scheme");
  out.scheme = base::toLower(url.substr(0, sep));
  if (out.scheme == "http") {
    out.port = 80;
  } else if (out.scheme == "https") {
    out.port = 443;
  } else {
    return badUrl(url, "the scheme must be http or https");
  }
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority = std::string_view(url).substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // user:password@ is not used for anything

  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return badUrl(url, "unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return badUrl(url, "junk after the IPv6 address");
      port = rest.substr(1);
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return badUrl(url, "no host");
  out.host = base::toLower(host);
  if (!port.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535)
      return badUrl(url, "the port must be a number from 1 to 65535");
    out.port = p;
  }
  if (end != std::string::npos) {
    std::string target = url.substr(end);
    if (size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
    if (target.empty() || target.front() != '/') target = "/" + target;
    out.target = std::move(target);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& piece : base::split(query, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string::npos)
      out.emplace_back(base::urlDecode(piece), "");
    else
      out.emplace_back(base::urlDecode(piece.substr(0, eq)), base::urlDecode(piece.substr(eq + 1)));
  }
  return out;
}

std::string percentDecode(std::string_view s) { return base::urlDecode(s, false); }

}  // namespace mcf::http
