// ((name)) variables: typed values from YAML and their substitution into a manifest's tree.
#include "model/variables.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <vector>

#include "base/strutil.h"

namespace mcf::model {

namespace {

using nlohmann::json;

// A plain (unquoted) scalar typed as YAML 1.1 resolves it, as the cf CLI reads vars files.
json resolvePlain(const std::string& text) {
  static const std::set<std::string> kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True",
                                              "TRUE", "on", "On", "ON"};
  static const std::set<std::string> kFalse = {"n", "N", "no", "No", "NO", "false", "False",
                                               "FALSE", "off", "Off", "OFF"};
  if (kTrue.count(text)) return true;
  if (kFalse.count(text)) return false;
  std::string plain;
  for (char c : text)
    if (c != '_') plain += c;
  if (plain.empty()) return text;
  bool numeric = true;
  for (char c : plain)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-' && c != '+' && c != '.' &&
        c != 'x' && c != 'X')
      numeric = false;
  if (!numeric) return text;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(plain.c_str(), &end, 0);  // 0x.. hex, 0.. octal, as YAML 1.1
  if (errno == 0 && end == plain.c_str() + plain.size()) return static_cast<int64_t>(n);
  if (plain.find_first_of("xX") != std::string::npos) return text;
  errno = 0;
  double d = std::strtod(plain.c_str(), &end);
  if (errno == 0 && end == plain.c_str() + plain.size() &&
      plain.find_first_of("0123456789") != std::string::npos)
    return d;
  return text;
}

json toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(toJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = toJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      // "?" marks a plain scalar; quoted ones ("!") and other tags stay text.
      return node.Tag() == "?" ? resolvePlain(node.Scalar()) : json(node.Scalar());
    default:
      return nullptr;
  }
}

YAML::Node toYaml(const json& value) {
  if (value.is_null()) return YAML::Node(YAML::NodeType::Null);
  if (value.is_boolean()) return YAML::Node(value.get<bool>() ? "true" : "false");
  if (value.is_string()) return YAML::Node(value.get<std::string>());
  if (value.is_number()) return YAML::Node(value.dump());
  YAML::Node out(value.is_array() ? YAML::NodeType::Sequence : YAML::NodeType::Map);
  if (value.is_array()) {
    for (const auto& item : value) out.push_back(toYaml(item));
  } else {
    for (const auto& [k, v] : value.items()) out[k] = toYaml(v);
  }
  return out;
}

bool nameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         static_cast<unsigned char>(c) >= 0x80;  // letters beyond ASCII, as \pL
}

struct Placeholder {
  size_t begin = 0;
  size_t end = 0;    // one past "))"
  std::string name;  // without the optional leading '!'
};

// Every ((name)) of `text`, left to right, not overlapping.
std::vector<Placeholder> placeholders(const std::string& text) {
  std::vector<Placeholder> out;
  size_t i = 0;
  while ((i = text.find("((", i)) != std::string::npos) {
    size_t j = i + 2;
    if (j < text.size() && text[j] == '!') ++j;
    size_t name_begin = j;
    while (j < text.size() && nameChar(text[j])) ++j;
    if (j > name_begin && text.compare(j, 2, "))") == 0) {
      out.push_back({i, j + 2, text.substr(name_begin, j - name_begin)});
      i = j + 2;
    } else {
      ++i;
    }
  }
  return out;
}

class Substitution {
 public:
  explicit Substitution(const json& vars) : vars_(vars) {}

  std::set<std::string> missing;

  // Finds ((name)) or ((name.key.key)); nullptr with `found` false when missing.
  base::Result<const json*> lookup(const std::string& name) {
    auto parts = base::split(name, '.');
    const std::string& head = parts.empty() ? name : parts[0];
    if (!vars_.is_object() || !vars_.contains(head)) {
      missing.insert(head);
      return static_cast<const json*>(nullptr);
    }
    const json* value = &vars_[head];
    for (size_t i = 1; i < parts.size(); ++i) {
      if (!value->is_object() || !value->contains(parts[i]))
        return base::makeError(base::Errc::kInvalid,
                               "Finding variable '{}': the value of '{}' has no key '{}'", name,
                               base::join(std::vector<std::string>(parts.begin(),
                                                                   parts.begin() + i), "."),
                               parts[i]);
      value = &(*value)[parts[i]];
    }
    return value;
  }

  // Substitutes into one scalar node in place.
  base::Status scalar(YAML::Node node) {
    std::string text = node.Scalar();
    auto found = placeholders(text);
    if (found.empty()) return {};
    if (found.size() == 1 && found[0].begin == 0 && found[0].end == text.size()) {
      auto value = lookup(found[0].name);
      if (!value) return value.takeError();
      if (*value) node = toYaml(**value);
      return {};
    }
    std::string out;
    size_t at = 0;
    for (const auto& p : found) {
      out += text.substr(at, p.begin - at);
      at = p.end;
      auto value = lookup(p.name);
      if (!value) return value.takeError();
      const json* v = *value;
      if (!v) {
        out += text.substr(p.begin, p.end - p.begin);
      } else if (v->is_string()) {
        out += v->get<std::string>();
      } else if (v->is_number_integer()) {
        out += v->dump();
      } else {
        return base::makeError(base::Errc::kInvalid,
                               "Invalid type for value '{}' and variable '{}'. Supported types "
                               "for interpolation within a string are integers and strings.",
                               v->dump(), p.name);
      }
    }
    out += text.substr(at);
    node = out;
    return {};
  }

  base::Status walk(YAML::Node node) {
    if (node.IsScalar()) return scalar(node);
    if (node.IsSequence()) {
      for (YAML::Node item : node) MCF_TRY(walk(item));
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        MCF_TRY(walk(it->second));
        MCF_TRY(walk(it->first));
      }
    }
    return {};
  }

 private:
  const json& vars_;
};

}  // namespace

base::Result<json> parseYamlValue(const std::string& yaml) {
  try {
    YAML::Node root = YAML::Load(yaml);
    return toJson(root);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line < 0 ? 1 : e.mark.line + 1;
    return base::makeError(base::Errc::kParse, "line {}: YAML syntax error: {}", line, e.msg);
  }
}

base::Status substituteVariables(YAML::Node& root, const json& vars) {
  Substitution sub(vars);
  MCF_TRY(sub.walk(root));
  if (!sub.missing.empty())
    return base::makeError(base::Errc::kNotFound, "Expected to find variables: {}",
                           base::join(std::vector<std::string>(sub.missing.begin(),
                                                               sub.missing.end()),
                                      ", "));
  return {};
}

}  // namespace mcf::model
