// llhttp's C callbacks bound to the methods of the object a parser's `data` points to.
#pragma once

#include <llhttp.h>

#include <cstddef>

namespace mcf::http {

// The settings for a parser whose data is a T with onMessageBegin(), onHeaderField(at, n),
// onHeaderValue(at, n) (called with (nullptr, 0) when a value is complete),
// onHeadersComplete(), onBody(at, n) and onMessageComplete(), plus onUrl(at, n) for requests
// or onStatus(at, n) for responses. Each returns llhttp's int.
template <class T>
const llhttp_settings_t& llhttpSettings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = [](llhttp_t* p) { return static_cast<T*>(p->data)->onMessageBegin(); };
    if constexpr (requires(T& t) { t.onUrl(nullptr, size_t{0}); })
      s.on_url = [](llhttp_t* p, const char* at, size_t n) {
        return static_cast<T*>(p->data)->onUrl(at, n);
      };
    if constexpr (requires(T& t) { t.onStatus(nullptr, size_t{0}); })
      s.on_status = [](llhttp_t* p, const char* at, size_t n) {
        return static_cast<T*>(p->data)->onStatus(at, n);
      };
    s.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
      return static_cast<T*>(p->data)->onHeaderField(at, n);
    };
    s.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
      return static_cast<T*>(p->data)->onHeaderValue(at, n);
    };
    s.on_header_value_complete = [](llhttp_t* p) {
      return static_cast<T*>(p->data)->onHeaderValue(nullptr, 0);
    };
    s.on_headers_complete = [](llhttp_t* p) {
      return static_cast<T*>(p->data)->onHeadersComplete();
    };
    s.on_body = [](llhttp_t* p, const char* at, size_t n) {
      return static_cast<T*>(p->data)->onBody(at, n);
    };
    s.on_message_complete = [](llhttp_t* p) {
      return static_cast<T*>(p->data)->onMessageComplete();
    };
    return s;
  }();
  return settings;
}

}  // namespace mcf::http
