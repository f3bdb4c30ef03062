// A line-oriented parser for the YAML subset that buildpacks and Procfiles use.
#include "lifecycle/mini_yaml.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "base/strutil.h"

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

bool isSeqEntry(std::string_view content) {
  return content == "-" || (content.size() >= 2 && content[0] == '-' && isSpace(content[1]));
}

bool isBlankOrComment(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && isSpace(line[i])) ++i;
  return i == line.size() || line[i] == '#';
}

// Plain scalars end at " #"; quoted ones were consumed before this is called.
std::string stripPlainComment(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '#' && (i == 0 || isSpace(s[i - 1]))) return base::trim(s.substr(0, i));
  return base::trim(s);
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    for (std::string& line : base::split(text, '\n')) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(std::move(line));
    }
  }

  base::Result<json> run() {
    json out = "";
    if (!skipBlank()) return out;
    if (lines_[i_].rfind("---", 0) == 0 && (lines_[i_].size() == 3 || isSpace(lines_[i_][3]))) {
      std::string rest = lines_[i_].substr(3);
      if (isBlankOrComment(rest))
        ++i_;
      else
        lines_[i_] = base::trim(rest);
    }
    // One document: stop at the next marker.
    for (size_t j = i_ + 1; j < lines_.size(); ++j) {
      if (lines_[j] == "..." || lines_[j].rfind("---", 0) == 0) {
        lines_.resize(j);
        break;
      }
    }
    if (!skipBlank()) return out;
    if (!parseNode(indentOf(lines_[i_]), out)) return *error_;
    if (skipBlank()) return fail("unexpected content (check the indentation)");
    return out;
  }

 private:
  // Moves to the next line with content; false at the end.
  bool skipBlank() {
    while (i_ < lines_.size() && isBlankOrComment(lines_[i_])) ++i_;
    return i_ < lines_.size();
  }

  int indentOf(const std::string& line) const {
    size_t n = 0;
    while (n < line.size() && line[n] == ' ') ++n;
    return static_cast<int>(n);
  }

  base::Error fail(std::string_view what) {
    error_ = base::makeError(base::Errc::kParse, "invalid YAML at line {}: {}", i_ + 1, what);
    return *error_;
  }
  bool failed(std::string_view what) {
    fail(what);
    return false;
  }

  // Where a block mapping line's "key:" ends, or npos if the line is not a mapping entry.
  static size_t mappingColon(std::string_view content) {
    if (content.empty() || content[0] == '{' || content[0] == '[' || content[0] == '#')
      return std::string_view::npos;
    size_t i = 0;
    if (content[0] == '"' || content[0] == '\'') {
      char q = content[0];
      for (i = 1; i < content.size(); ++i) {
        if (q == '"' && content[i] == '\\') {
          ++i;
          continue;
        }
        if (content[i] == q) {
          if (q == '\'' && i + 1 < content.size() && content[i + 1] == '\'') {
            ++i;
            continue;
          }
          break;
        }
      }
      if (i >= content.size()) return std::string_view::npos;
      ++i;
      while (i < content.size() && isSpace(content[i])) ++i;
      if (i < content.size() && content[i] == ':' &&
          (i + 1 == content.size() || isSpace(content[i + 1])))
        return i;
      return std::string_view::npos;
    }
    for (; i < content.size(); ++i) {
      if (content[i] == '#' && i > 0 && isSpace(content[i - 1])) return std::string_view::npos;
      if (content[i] == ':' && (i + 1 == content.size() || isSpace(content[i + 1])))
        return i == 0 ? std::string_view::npos : i;
    }
    return std::string_view::npos;
  }

  bool parseNode(int indent, json& out) {
    std::string content = lines_[i_].substr(static_cast<size_t>(indent));
    if (content[0] == '\t') return failed("tabs are not allowed for indentation");
    if (isSeqEntry(content)) return parseSequence(indent, out);
    if (mappingColon(content) != std::string::npos) return parseMapping(indent, out);
    ++i_;
    return parseInline(indent - 1, content, out);
  }

  bool parseMapping(int indent, json& out) {
    out = json::object();
    while (skipBlank()) {
      const std::string& line = lines_[i_];
      int ind = indentOf(line);
      if (ind < indent) break;
      std::string content = line.substr(static_cast<size_t>(ind));
      if (ind > indent || content[0] == '\t') return failed("unexpected indentation");
      if (isSeqEntry(content)) return failed("a list item where a `key: value` was expected");
      size_t colon = mappingColon(content);
      if (colon == std::string::npos) return failed("expected `key: value`");
      std::string key = base::trim(std::string_view(content).substr(0, colon));
      if (key[0] == '"' || key[0] == '\'') {
        json k;
        size_t pos = 0;
        if (!parseQuoted(key, pos, k)) return false;
        key = k.get<std::string>();
      }
      std::string rest = base::trim(std::string_view(content).substr(colon + 1));
      ++i_;
      json value;
      if (!parseValue(indent, rest, true, value)) return false;
      out[key] = std::move(value);
    }
    return true;
  }

  bool parseSequence(int indent, json& out) {
    out = json::array();
    while (skipBlank()) {
      int ind = indentOf(lines_[i_]);
      if (ind < indent) break;
      if (ind > indent) return failed("unexpected indentation");
      std::string content = lines_[i_].substr(static_cast<size_t>(ind));
      if (!isSeqEntry(content)) break;  // the parent mapping's next key
      size_t off = 1;
      while (off < content.size() && isSpace(content[off])) ++off;
      std::string item_text = content.substr(off);
      json item;
      if (!isBlankOrComment(item_text) &&
          (isSeqEntry(item_text) || mappingColon(item_text) != std::string::npos)) {
        // "- key: v" opens a mapping whose keys line up with "key".
        int item_indent = ind + static_cast<int>(off);
        lines_[i_] = std::string(static_cast<size_t>(item_indent), ' ') + item_text;
        if (!parseNode(item_indent, item)) return false;
      } else {
        ++i_;
        if (!parseValue(indent, isBlankOrComment(item_text) ? "" : item_text, false, item))
          return false;
      }
      out.push_back(std::move(item));
    }
    return true;
  }

  // The value after "key:" or "- " on the line before i_; nested blocks are deeper than indent.
  bool parseValue(int indent, const std::string& rest, bool in_mapping, json& out) {
    if (isBlankOrComment(rest)) {
      if (skipBlank()) {
        int ind = indentOf(lines_[i_]);
        std::string_view content = std::string_view(lines_[i_]).substr(static_cast<size_t>(ind));
        if (ind > indent) return parseNode(ind, out);
        if (in_mapping && ind == indent && isSeqEntry(content)) return parseSequence(ind, out);
      }
      out = "";
      return true;
    }
    if (rest[0] == '|' || rest[0] == '>') return parseBlockScalar(indent, rest, out);
    return parseInline(indent, rest, out);
  }

  // A scalar or flow collection, continued on following lines that are deeper than indent.
  bool parseInline(int indent, std::string text, json& out) {
    bool plain = text[0] != '{' && text[0] != '[' && text[0] != '"' && text[0] != '\'';
    while (i_ < lines_.size() && !isBlankOrComment(lines_[i_]) && indentOf(lines_[i_]) > indent) {
      std::string more = base::trim(lines_[i_]);
      // "a: 1\n   b: 2" is a mis-indented key, not a two-line value.
      if (plain && mappingColon(more) != std::string::npos) return failed("unexpected indentation");
      text += " " + more;
      ++i_;
    }
    size_t pos = 0;
    if (text[0] == '{' || text[0] == '[') {
      if (!parseFlow(text, pos, out)) return false;
    } else if (text[0] == '"' || text[0] == '\'') {
      if (!parseQuoted(text, pos, out)) return false;
    } else {
      out = stripPlainComment(text);
      return true;
    }
    while (pos < text.size() && isSpace(text[pos])) ++pos;
    if (pos < text.size() && text[pos] != '#') return failed("unexpected text after a value");
    return true;
  }

  bool parseBlockScalar(int indent, const std::string& header, json& out) {
    bool folded = header[0] == '>';
    char chomp = 'c';
    int explicit_indent = 0;
    for (size_t k = 1; k < header.size() && !isSpace(header[k]); ++k) {
      if (header[k] == '-' || header[k] == '+')
        chomp = header[k];
      else if (header[k] >= '1' && header[k] <= '9')
        explicit_indent = header[k] - '0';
      else
        return failed("bad block scalar header");
    }
    std::vector<std::string> body;
    int content_indent = explicit_indent ? indent + explicit_indent : -1;
    while (i_ < lines_.size()) {
      const std::string& line = lines_[i_];
      bool blank = base::trim(line).empty();
      int ind = indentOf(line);
      if (!blank && ind <= indent) break;
      if (!blank && content_indent < 0) content_indent = ind;
      if (!blank && ind < content_indent) break;
      body.push_back(blank ? "" : line.substr(static_cast<size_t>(content_indent)));
      ++i_;
    }
    size_t trailing = 0;
    while (!body.empty() && body.back().empty()) {
      body.pop_back();
      ++trailing;
    }
    std::string text;
    for (size_t k = 0; k < body.size(); ++k) {
      if (k > 0) {
        bool fold = folded && !body[k].empty() && !body[k - 1].empty() && body[k][0] != ' ';
        text += fold ? " " : "\n";
      }
      text += body[k];
    }
    if (!body.empty() && chomp != '-') text += "\n";
    if (chomp == '+') text.append(trailing, '\n');
    out = text;
    return true;
  }

  bool parseQuoted(const std::string& s, size_t& pos, json& out) {
    char q = s[pos++];
    std::string v;
    while (pos < s.size()) {
      char c = s[pos++];
      if (c == q) {
        if (q == '\'' && pos < s.size() && s[pos] == '\'') {
          v.push_back('\'');
          ++pos;
          continue;
        }
        out = v;
        return true;
      }
      if (q == '"' && c == '\\') {
        if (pos >= s.size()) break;
        char e = s[pos++];
        switch (e) {
          case 'n': v.push_back('\n'); break;
          case 't': v.push_back('\t'); break;
          case 'r': v.push_back('\r'); break;
          case '0': v.push_back('\0'); break;
          case 'a': v.push_back('\a'); break;
          case 'b': v.push_back('\b'); break;
          case 'e': v.push_back('\x1b'); break;
          case 'f': v.push_back('\f'); break;
          case 'v': v.push_back('\v'); break;
          case 'x':
          case 'u':
          case 'U': {
            size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (pos + digits > s.size()) return failed("bad escape in a double-quoted string");
            uint32_t cp = 0;
            for (size_t k = 0; k < digits; ++k) {
              char h = s[pos + k];
              int d = (h >= '0' && h <= '9')   ? h - '0'
                      : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                      : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                               : -1;
              if (d < 0) return failed("bad escape in a double-quoted string");
              cp = cp * 16 + static_cast<uint32_t>(d);
            }
            pos += digits;
            appendUtf8(v, cp);
            break;
          }
          default: v.push_back(e); break;  // \\ \" \/ and "\ "
        }
        continue;
      }
      v.push_back(c);
    }
    return failed("unterminated quoted string");
  }

  static void skipWs(const std::string& s, size_t& pos) {
    while (pos < s.size() && isSpace(s[pos])) ++pos;
  }

  // A plain scalar inside [..] or {..}; keys also end at ": ".
  static std::string flowPlain(const std::string& s, size_t& pos, bool key) {
    size_t start = pos;
    while (pos < s.size()) {
      char c = s[pos];
      if (c == ',' || c == ']' || c == '}') break;
      if (key && c == ':' &&
          (pos + 1 == s.size() || isSpace(s[pos + 1]) || s[pos + 1] == ',' || s[pos + 1] == '}'))
        break;
      ++pos;
    }
    return base::trim(std::string_view(s).substr(start, pos - start));
  }

  bool parseFlowValue(const std::string& s, size_t& pos, json& out) {
    skipWs(s, pos);
    if (pos >= s.size()) return failed("unterminated flow collection");
    char c = s[pos];
    if (c == '{' || c == '[') return parseFlow(s, pos, out);
    if (c == '"' || c == '\'') return parseQuoted(s, pos, out);
    out = flowPlain(s, pos, false);
    return true;
  }

  bool parseFlow(const std::string& s, size_t& pos, json& out) {
    char close = s[pos] == '{' ? '}' : ']';
    out = close == '}' ? json::object() : json::array();
    ++pos;
    for (;;) {
      skipWs(s, pos);
      if (pos >= s.size()) return failed("unterminated flow collection");
      if (s[pos] == close) {
        ++pos;
        return true;
      }
      if (close == '}') {
        json key;
        if (s[pos] == '"' || s[pos] == '\'') {
          if (!parseQuoted(s, pos, key)) return false;
        } else {
          key = flowPlain(s, pos, true);
        }
        skipWs(s, pos);
        json value = "";
        if (pos < s.size() && s[pos] == ':') {
          ++pos;
          skipWs(s, pos);
          if (pos < s.size() && s[pos] != ',' && s[pos] != '}' && !parseFlowValue(s, pos, value))
            return false;
        }
        out[key.get<std::string>()] = std::move(value);
      } else {
        json item;
        if (!parseFlowValue(s, pos, item)) return false;
        out.push_back(std::move(item));
      }
      skipWs(s, pos);
      if (pos < s.size() && s[pos] == ',')
        ++pos;
      else if (pos >= s.size() || s[pos] != close)
        return failed("expected ',' in a flow collection");
    }
  }

  std::vector<std::string> lines_;
  size_t i_ = 0;
  std::optional<base::Error> error_;
};

}  // namespace

base::Result<json> parseYaml(std::string_view text) { return Parser(text).run(); }

base::Result<std::map<std::string, std::string>> stringMap(const json& node,
                                                           std::string_view what) {
  std::map<std::string, std::string> out;
  if (node.is_null() || (node.is_string() && node.get<std::string>().empty())) return out;
  if (!node.is_object())
    return base::makeError(base::Errc::kParse, "{} is not a mapping of `name: command`", what);
  for (const auto& [key, value] : node.items()) {
    if (!value.is_string())
      return base::makeError(base::Errc::kParse, "{}: the value of `{}` is not a string", what,
                             key);
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace mcf::lifecycle
