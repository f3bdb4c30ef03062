// Sticky sessions as Gorouter does them: a JSESSIONID set by an app earns the client a
// __VCAP_ID__ cookie naming the instance, and later requests carrying it go there.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace mcf::router {

inline constexpr std::string_view kStickyCookie = "__VCAP_ID__";

// The value of cookie name in the request's Cookie headers; "" if absent.
std::string_view requestCookie(const http::Headers& headers, std::string_view name);

// The Set-Cookie value to add to a response that sets JSESSIONID: "__VCAP_ID__=<instance>;
// Path=/; HttpOnly" plus the JSESSIONID cookie's Max-Age, Expires, Secure and SameSite.
// nullopt when the response sets no JSESSIONID.
std::optional<std::string> stickyCookie(const http::Headers& response_headers,
                                        std::string_view instance_guid);

}  // namespace mcf::router
