// Shape checks of API answers for conformance tests: expected keys (dotted paths) and their JSON
// types, as CF-CONTRACT §1.4 lists the fields the cf CLI reads.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace mcf::controller::testing {

enum class T {
  kString,     // any string
  kStringOrNull,
  kInt,        // a whole number
  kIntOrNull,
  kNumber,     // integer or floating point
  kBool,
  kObject,
  kObjectOrNull,
  kArray,
  kNull,
  kGuid,       // a lowercase UUID string
  kGuidOrNull,
  kTime,       // YYYY-MM-DDThh:mm:ssZ
  kUrl,        // an absolute http(s) URL
  kAny,        // present, any type
};

struct Field {
  std::string path;  // "relationships.space.data.guid"; array items by index: "resources.0.guid"
  T type;
};
using Shape = std::vector<Field>;

inline bool isGuid(const nlohmann::json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = s[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

inline bool isTime(const nlohmann::json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  const std::string pattern = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != pattern.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i]) return false;
  }
  return true;
}

inline bool isAbsoluteUrl(const nlohmann::json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  for (const char* scheme : {"http://", "https://"}) {
    std::string p = scheme;
    if (s.rfind(p, 0) == 0 && s.size() > p.size() && s[p.size()] != '/') return true;
  }
  return false;
}

inline bool hasType(const nlohmann::json& v, T type) {
  switch (type) {
    case T::kString: return v.is_string();
    case T::kStringOrNull: return v.is_string() || v.is_null();
    case T::kInt: return v.is_number_integer();
    case T::kIntOrNull: return v.is_number_integer() || v.is_null();
    case T::kNumber: return v.is_number();
    case T::kBool: return v.is_boolean();
    case T::kObject: return v.is_object();
    case T::kObjectOrNull: return v.is_object() || v.is_null();
    case T::kArray: return v.is_array();
    case T::kNull: return v.is_null();
    case T::kGuid: return isGuid(v);
    case T::kGuidOrNull: return v.is_null() || isGuid(v);
    case T::kTime: return isTime(v);
    case T::kUrl: return isAbsoluteUrl(v);
    case T::kAny: return true;
  }
  return false;
}

inline const char* typeName(T type) {
  switch (type) {
    case T::kString: return "string";
    case T::kStringOrNull: return "string or null";
    case T::kInt: return "integer";
    case T::kIntOrNull: return "integer or null";
    case T::kNumber: return "number";
    case T::kBool: return "boolean";
    case T::kObject: return "object";
    case T::kObjectOrNull: return "object or null";
    case T::kArray: return "array";
    case T::kNull: return "null";
    case T::kGuid: return "guid";
    case T::kGuidOrNull: return "guid or null";
    case T::kTime: return "timestamp YYYY-MM-DDThh:mm:ssZ";
    case T::kUrl: return "absolute http(s) URL";
    case T::kAny: return "anything";
  }
  return "?";
}

// "a.b.0.c" as a JSON pointer "/a/b/0/c".
inline nlohmann::json::json_pointer pointerOf(const std::string& path) {
  std::string p;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    p += "/" + path.substr(start, dot - start);
    start = dot + 1;
  }
  return nlohmann::json::json_pointer(p);
}

// The problems of j against shape ("missing 'x'", "'x' is a string, wanted integer"); empty
// when it conforms.
inline std::vector<std::string> shapeProblems(const nlohmann::json& j, const Shape& shape) {
  std::vector<std::string> problems;
  for (const Field& f : shape) {
    auto ptr = pointerOf(f.path);
    if (!j.contains(ptr)) {
      problems.push_back("missing '" + f.path + "' (" + typeName(f.type) + ")");
      continue;
    }
    const nlohmann::json& v = j.at(ptr);
    if (!hasType(v, f.type))
      problems.push_back("'" + f.path + "' is " + v.dump() + ", wanted " + typeName(f.type));
  }
  return problems;
}

// Fails the current test case once per problem, naming `what`.
inline void checkShape(const nlohmann::json& j, const Shape& shape, const std::string& what) {
  for (const std::string& p : shapeProblems(j, shape)) FAIL_CHECK(what << ": " << p);
}

inline Shape operator+(Shape a, const Shape& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// What CF-CONTRACT §1.2 says every resource carries.
inline Shape resourceBase() {
  return {{"guid", T::kGuid},
          {"created_at", T::kTime},
          {"updated_at", T::kTime},
          {"metadata.labels", T::kObject},
          {"metadata.annotations", T::kObject},
          {"links.self.href", T::kUrl}};
}

// The pagination block of every list (§1.2).
inline Shape paginationShape() {
  return {{"pagination.total_results", T::kInt}, {"pagination.total_pages", T::kInt},
          {"pagination.first.href", T::kUrl},    {"pagination.last.href", T::kUrl},
          {"pagination.next", T::kObjectOrNull}, {"pagination.previous", T::kObjectOrNull},
          {"resources", T::kArray}};
}

// {"errors":[{"code":int,"title":string,"detail":string}]}, and that one title and code.
inline void checkError(const nlohmann::json& body, int code, const std::string& title,
                       const std::string& what) {
  checkShape(body, {{"errors", T::kArray}, {"errors.0.code", T::kInt},
                    {"errors.0.title", T::kString}, {"errors.0.detail", T::kString}},
             what);
  if (!body.contains("errors") || !body["errors"].is_array() || body["errors"].empty()) return;
  CHECK_MESSAGE(body["errors"][0].value("title", "") == title, what << ": " << body.dump());
  CHECK_MESSAGE(body["errors"][0].value("code", 0) == code, what << ": " << body.dump());
  CHECK_MESSAGE(!body["errors"][0].value("detail", "").empty(), what << ": " << body.dump());
}

}  // namespace mcf::controller::testing
