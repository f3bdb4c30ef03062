// Sticky session cookies.
#include "router/sticky.h"

#include "base/strutil.h"

namespace mcf::router {
namespace {

std::string_view trimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(name, value) for each "name=value" of a ';'-separated list until fn returns true.
template <typename Fn>
bool eachPair(std::string_view list, Fn fn) {
  while (!list.empty()) {
    size_t semi = list.find(';');
    std::string_view part = trimView(list.substr(0, semi));
    list = semi == std::string_view::npos ? std::string_view() : list.substr(semi + 1);
    size_t eq = part.find('=');
    std::string_view name = trimView(part.substr(0, eq));
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : trimView(part.substr(eq + 1));
    if (fn(name, value, eq != std::string_view::npos)) return true;
  }
  return false;
}

}  // namespace

std::string_view requestCookie(const http::Headers& headers, std::string_view name) {
  std::string_view found;
  for (const auto& h : headers) {
    if (!base::iequals(h.name, "Cookie")) continue;
    if (eachPair(h.value, [&](std::string_view n, std::string_view v, bool) {
          if (n != name) return false;
          found = v;
          return true;
        }))
      break;
  }
  return found;
}

std::optional<std::string> stickyCookie(const http::Headers& response_headers,
                                        std::string_view instance_guid) {
  for (const auto& h : response_headers) {
    if (!base::iequals(h.name, "Set-Cookie")) continue;
    std::string_view v = trimView(h.value);
    if (!v.starts_with("JSESSIONID=")) continue;
    std::string out = std::string(kStickyCookie) + "=" + std::string(instance_guid);
    out += "; Path=/; HttpOnly";
    bool first = true;
    eachPair(v, [&](std::string_view n, std::string_view value, bool has_value) {
      if (first) {  // the JSESSIONID pair itself
        first = false;
        return false;
      }
      if (base::iequals(n, "Max-Age") || base::iequals(n, "Expires") ||
          base::iequals(n, "SameSite")) {
        if (has_value) out += "; " + std::string(n) + "=" + std::string(value);
      } else if (base::iequals(n, "Secure")) {
        out += "; Secure";
      }
      return false;
    });
    return out;
  }
  return std::nullopt;
}

}  // namespace mcf::router
