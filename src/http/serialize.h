// Writing a whole Response as HTTP/1.1 bytes (the server and the router's API answers).
#pragma once

#include <string>

#include "http/message.h"

namespace mcf::http {

// 1xx, 204 and 304 responses have no body.
bool hasNoBody(int status);
// The bytes of a response on HTTP/1.1: status line, headers (minus Connection and
// Transfer-Encoding), Content-Length (except when hasNoBody; a HEAD answer with an empty
// body keeps a Content-Length the response states), Connection: keep-alive|close, and the
// body unless head.
std::string serializeResponse(const Response& r, bool head, bool keep_alive);

}  // namespace mcf::http
