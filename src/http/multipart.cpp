// multipart/form-data parsing and building.
#include "http/multipart.h"

#include <string_view>

#include "base/strutil.h"

namespace mcf::http {
namespace {

// The value of parameter key in a header value like `form-data; name="a"; filename="b"`.
// Quoted values may contain ';' and backslash escapes.
std::string headerParam(std::string_view value, std::string_view key) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return {};
    std::string name = base::toLower(base::trim(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v.push_back(value[j]);
      }
      if (j < value.size()) ++j;  // closing quote
    } else {
      size_t semi = value.find(';', j);
      v = base::trim(
          value.substr(j, semi == std::string_view::npos ? std::string_view::npos : semi - j));
      j = semi == std::string_view::npos ? value.size() : semi;
    }
    if (name == key) return v;
    i = value.find(';', j);
  }
  return {};
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

base::Result<std::vector<Part>> parseMultipart(const std::string& body,
                                               const std::string& content_type_header) {
  std::string boundary = headerParam(content_type_header, "boundary");
  if (boundary.empty())
    return base::makeError(base::Errc::kParse,
                           "multipart body without a boundary: the Content-Type must be "
                           "'multipart/form-data; boundary=...'");
  const std::string delimiter = "--" + boundary;
  std::string_view b = body;
  size_t pos = b.find(delimiter);
  if (pos == std::string_view::npos)
    return base::makeError(base::Errc::kParse, "multipart body does not contain its boundary '{}'",
                           boundary);
  std::vector<Part> parts;
  for (;;) {
    pos += delimiter.size();
    if (b.substr(pos, 2) == "--") return parts;  // closing delimiter
    // Skip transport padding and the CRLF that ends the delimiter line.
    size_t line_end = b.find("\r\n", pos);
    if (line_end == std::string_view::npos) break;
    size_t headers_start = line_end + 2;
    size_t headers_end = b.find("\r\n\r\n", headers_start);
    size_t data_start;
    if (b.substr(headers_start, 2) == "\r\n") {  // a part with no headers at all
      headers_end = headers_start;
      data_start = headers_start + 2;
    } else if (headers_end == std::string_view::npos) {
      return base::makeError(base::Errc::kParse, "multipart part {} has no end of headers",
                             parts.size() + 1);
    } else {
      data_start = headers_end + 4;
    }
    size_t next = b.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) break;

    Part part;
    for (const std::string& line :
         base::split(b.substr(headers_start, headers_end - headers_start), '\n')) {
      std::string l = base::trim(line);
      size_t colon = l.find(':');
      if (colon == std::string::npos) continue;
      std::string name = base::toLower(base::trim(std::string_view(l).substr(0, colon)));
      std::string value = base::trim(std::string_view(l).substr(colon + 1));
      if (name == "content-disposition") {
        part.name = headerParam(value, "name");
        part.filename = headerParam(value, "filename");
      } else if (name == "content-type") {
        part.content_type = value;
      }
    }
    part.data = std::string(b.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    pos = next + 2;
  }
  return base::makeError(base::Errc::kParse,
                         "multipart body ends without its closing boundary '--{}--'; was the "
                         "upload cut short?",
                         boundary);
}

std::string buildMultipart(const std::vector<Part>& parts, const std::string& boundary) {
  std::string out;
  for (const Part& part : parts) {
    out += "--" + boundary + "\r\n";
    out += "Content-Disposition: form-data; name=" + quote(part.name);
    if (!part.filename.empty()) out += "; filename=" + quote(part.filename);
    out += "\r\n";
    if (!part.content_type.empty()) out += "Content-Type: " + part.content_type + "\r\n";
    out += "\r\n";
    out += part.data;
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace mcf::http
