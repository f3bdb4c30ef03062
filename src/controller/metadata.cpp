// Labels and annotations: CC v3 validation, null-deletes merge, presentation, selectors.
#include "controller/metadata.h"

#include <algorithm>
#include <cctype>

#include "controller/api.h"
#include "store/store.h"

namespace mcf::controller {

namespace {

using base::Errc;

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool nameChar(char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; }

// Problems with a name part (label key name, label value): "" when fine.
std::string nameError(const std::string& s, size_t max) {
  if (!std::all_of(s.begin(), s.end(), nameChar))
    return fmt::format("'{}' contains invalid characters", s);
  if (!alnum(s.front()) || !alnum(s.back()))
    return fmt::format("'{}' starts or ends with invalid characters", s);
  if (s.size() > max) return fmt::format("'{}' is greater than {} characters", s, max);
  return "";
}

bool dnsPrefix(const std::string& prefix) {
  if (prefix.empty()) return false;
  size_t start = 0;
  while (start <= prefix.size()) {
    size_t dot = prefix.find('.', start);
    std::string part = prefix.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.size() > 63 || part.front() == '-' || part.back() == '-') return false;
    for (char c : part)
      if (!alnum(c) && c != '-') return false;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Problems with a label or annotation key: "" when fine.
std::string keyError(const std::string& key) {
  if (key.empty()) return "key cannot be empty string";
  std::string name = key;
  size_t slash = key.find('/');
  if (slash != std::string::npos) {
    if (key.find('/', slash + 1) != std::string::npos)
      return fmt::format("'{}' has more than one '/'", key);
    std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.size() > 253) return fmt::format("prefix '{}' is greater than 253 characters", prefix);
    if (!dnsPrefix(prefix)) return fmt::format("prefix '{}' must be in valid dns format", prefix);
    std::string lp = lower(prefix);
    if (lp == "cloudfoundry.org" ||
        (lp.size() > 17 && lp.compare(lp.size() - 17, 17, ".cloudfoundry.org") == 0))
      return "Cloudfoundry.org is a reserved domain";
    if (name.empty()) return "key cannot be empty string";
  }
  return nameError(name, 63);
}

base::Error invalid(const std::string& what, const std::string& detail) {
  return base::makeError(Errc::kInvalid, "Metadata {} error: {}", what, detail);
}

base::Status mergeMap(std::map<std::string, std::string>& into, const json& patch, bool labels) {
  const char* kind = labels ? "label" : "annotation";
  if (!patch.is_object())
    return base::makeError(Errc::kInvalid, "Metadata {}s must be an object", kind);
  for (const auto& [key, value] : patch.items()) {
    if (auto e = keyError(key); !e.empty()) return invalid(fmt::format("{} key", kind), e);
    if (value.is_null()) {
      into.erase(key);
      continue;
    }
    if (!value.is_string())
      return invalid(fmt::format("{} value", kind),
                     fmt::format("the value of '{}' must be a string or null", key));
    std::string v = value.get<std::string>();
    if (labels) {
      if (!v.empty())
        if (auto e = nameError(v, 63); !e.empty()) return invalid("label value", e);
    } else if (v.size() > 5000) {
      return invalid("annotation value", fmt::format("the value of '{}' is greater than 5000 "
                                                     "characters", key));
    }
    into[key] = std::move(v);
  }
  return {};
}

base::Error badSelector(std::string_view text, const std::string& why) {
  return base::makeError(Errc::kBadQuery,
                         "The query parameter is invalid: Invalid label_selector value '{}': {}. "
                         "Use requirements like 'key', '!key', 'key=value', 'key!=value', "
                         "'key in (a,b)' or 'key notin (a,b)', separated by commas.",
                         text, why);
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// The selector's requirements: split at commas outside parentheses.
base::Result<std::vector<std::string>> splitRequirements(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return badSelector(text, "unbalanced parentheses");
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (depth != 0) return badSelector(text, "unbalanced parentheses");
  out.push_back(trim(cur));
  return out;
}

}  // namespace

base::Result<model::Metadata> mergeMetadata(model::Metadata current, const json& patch) {
  if (!patch.is_object()) return base::makeError(Errc::kInvalid, "Metadata must be an object");
  for (const auto& [key, value] : patch.items()) {
    if (key == "labels") {
      MCF_TRY(mergeMap(current.labels, value, true));
    } else if (key == "annotations") {
      MCF_TRY(mergeMap(current.annotations, value, false));
    } else {
      return base::makeError(Errc::kInvalid, "Unknown field(s): '{}'", key);
    }
  }
  return current;
}

base::Result<std::optional<model::Metadata>> metadataUpdate(Api& api, const char* type,
                                                            const std::string& guid,
                                                            const json& body) {
  auto it = body.find("metadata");
  if (it == body.end() || it->is_null()) return std::optional<model::Metadata>();
  auto current = api.store.getMetadata(type, guid);
  if (!current.ok()) return current.takeError();
  auto merged = mergeMetadata(std::move(*current), *it);
  if (!merged.ok()) return merged.takeError();
  return std::optional<model::Metadata>(std::move(*merged));
}

base::Status saveMetadata(Api& api, const char* type, const std::string& guid,
                          const std::optional<model::Metadata>& metadata) {
  if (!metadata) return {};
  return api.store.setMetadata(type, guid, *metadata);
}

base::Status updateMetadata(Api& api, const char* type, const std::string& guid,
                            const json& body) {
  auto update = metadataUpdate(api, type, guid, body);
  if (!update.ok()) return update.takeError();
  return saveMetadata(api, type, guid, *update);
}

json toJson(const model::Metadata& m) {
  return {{"labels", m.labels}, {"annotations", m.annotations}};
}

json presentMetadata(const Api& api, const char* type, const std::string& guid) {
  auto m = api.store.getMetadata(type, guid);
  if (!m.ok()) return toJson({});
  return toJson(*m);
}

base::Result<LabelSelector> parseSelector(std::string_view text) {
  if (trim(text).empty()) return badSelector(text, "it is empty");
  auto pieces = splitRequirements(text);
  if (!pieces.ok()) return pieces.takeError();
  LabelSelector selector;
  for (const std::string& piece : *pieces) {
    if (piece.empty()) return badSelector(text, "a requirement is empty");
    LabelRequirement r;
    std::vector<std::string> values;
    if (piece[0] == '!') {
      r.op = LabelRequirement::Op::kNotExists;
      r.key = trim(piece.substr(1));
    } else if (size_t paren = piece.find('('); paren != std::string::npos) {
      // "key in (a,b)" / "key notin (a,b)"
      if (piece.back() != ')') return badSelector(text, fmt::format("'{}' is malformed", piece));
      std::string head = trim(piece.substr(0, paren));
      size_t space = head.find_last_of(" \t");
      if (space == std::string::npos)
        return badSelector(text, fmt::format("'{}' needs 'in' or 'notin'", piece));
      std::string op = head.substr(space + 1);
      if (op == "in") r.op = LabelRequirement::Op::kIn;
      else if (op == "notin") r.op = LabelRequirement::Op::kNotIn;
      else return badSelector(text, fmt::format("'{}' needs 'in' or 'notin'", piece));
      r.key = trim(head.substr(0, space));
      std::string list = piece.substr(paren + 1, piece.size() - paren - 2);
      size_t start = 0;
      for (;;) {
        size_t comma = list.find(',', start);
        values.push_back(trim(list.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (values.size() == 1 && values[0].empty())
        return badSelector(text, fmt::format("'{}' lists no values", piece));
    } else if (size_t ne = piece.find("!="); ne != std::string::npos) {
      r.op = LabelRequirement::Op::kNotEquals;
      r.key = trim(piece.substr(0, ne));
      values.push_back(trim(piece.substr(ne + 2)));
    } else if (size_t eq = piece.find('='); eq != std::string::npos) {
      r.op = LabelRequirement::Op::kEquals;
      r.key = trim(piece.substr(0, eq));
      size_t vstart = eq + 1 < piece.size() && piece[eq + 1] == '=' ? eq + 2 : eq + 1;
      values.push_back(trim(piece.substr(vstart)));
    } else {
      r.op = LabelRequirement::Op::kExists;
      r.key = piece;
    }
    if (auto e = keyError(r.key); !e.empty()) return badSelector(text, e);
    for (const std::string& v : values) {
      if (v.empty()) {
        if (r.op == LabelRequirement::Op::kIn || r.op == LabelRequirement::Op::kNotIn)
          return badSelector(text, fmt::format("'{}' has an empty value", piece));
        continue;
      }
      if (auto e = nameError(v, 63); !e.empty()) return badSelector(text, e);
    }
    r.values = std::move(values);
    selector.push_back(std::move(r));
  }
  return selector;
}

bool matches(const LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const LabelRequirement& r : selector) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool listed = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    bool ok = false;
    switch (r.op) {
      case LabelRequirement::Op::kExists: ok = has; break;
      case LabelRequirement::Op::kNotExists: ok = !has; break;
      case LabelRequirement::Op::kEquals:
      case LabelRequirement::Op::kIn: ok = listed; break;
      case LabelRequirement::Op::kNotEquals:
      case LabelRequirement::Op::kNotIn: ok = !listed; break;
    }
    if (!ok) return false;
  }
  return true;
}

bool matches(const LabelSelector& selector, const json& resource) {
  std::map<std::string, std::string> labels;
  auto m = resource.find("metadata");
  if (m != resource.end() && m->is_object()) {
    auto l = m->find("labels");
    if (l != m->end() && l->is_object())
      for (const auto& [k, v] : l->items())
        if (v.is_string()) labels[k] = v.get<std::string>();
  }
  return matches(selector, labels);
}

}  // namespace mcf::controller
