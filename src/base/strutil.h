// String helpers used across components.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcf::base {

std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// ASCII only, as HTTP names and hosts are: no locale lookup per character (header
// matching runs several times per proxied request).
inline char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
std::string toLower(std::string_view s);
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}
// Decodes %XX escapes (malformed ones stay as they are); '+' is a space in query strings
// and form bodies, but stays '+' in paths (plus_is_space = false).
std::string urlDecode(std::string_view s, bool plus_is_space = true);
std::string urlEncode(std::string_view s);
std::string base64Encode(std::string_view data);
std::string base64Decode(std::string_view data);  // standard or url alphabet, padding optional
std::string base64UrlEncode(std::string_view data);  // no padding
std::string hexEncode(std::string_view data);
// Shell-quotes s for bash -c.
std::string shellQuote(std::string_view s);

}  // namespace mcf::base
