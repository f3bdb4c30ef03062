// multipart/form-data bodies (RFC 7578): package uploads (`bits`) and the CLI that sends them.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::http {

struct Part {
  std::string name;          // Content-Disposition name
  std::string filename;      // Content-Disposition filename, "" if none
  std::string content_type;  // the part's Content-Type, "" if none
  std::string data;          // raw bytes
};

// Splits body at the boundary named in content_type_header ("multipart/form-data;
// boundary=X"). Binary-safe. kParse with what is wrong (no boundary, no closing delimiter,
// a part without headers).
base::Result<std::vector<Part>> parseMultipart(const std::string& body,
                                               const std::string& content_type_header);

// The body for parts; send it with "Content-Type: multipart/form-data; boundary=<boundary>".
// The boundary must not occur in any part's data (a random one of 30+ characters will not).
std::string buildMultipart(const std::vector<Part>& parts, const std::string& boundary);

}  // namespace mcf::http
