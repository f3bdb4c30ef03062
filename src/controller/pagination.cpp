// Paginated lists as Cloud Controller shapes them (CF-CONTRACT §1.2).
#include "controller/pagination.h"

#include <algorithm>
#include <charconv>

#include "base/strutil.h"
#include "controller/api.h"
#include "controller/metadata.h"

namespace mcf::controller {

namespace {

std::optional<int> wholeNumber(const std::string& s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

base::Error badQuery(const std::string& what) {
  return base::makeError(base::Errc::kBadQuery, "The query parameter is invalid: {}", what);
}

}  // namespace

bool ListQuery::matches(const std::string& name, const std::string& value) const {
  auto it = filters.find(name);
  if (it == filters.end()) return true;
  return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
}

const std::vector<std::string>* ListQuery::filter(const std::string& name) const {
  auto it = filters.find(name);
  return it == filters.end() ? nullptr : &it->second;
}

namespace {

base::Result<ListQuery> parse(const std::string& raw_query,
                              std::initializer_list<const char*> order_fields,
                              std::initializer_list<const char*> filters) {
  ListQuery q;
  std::vector<std::string> unknown;
  for (const std::string& piece : base::split(raw_query, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string key = base::urlDecode(piece.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : base::urlDecode(piece.substr(eq + 1));
    if (key == "page") {
      auto n = wholeNumber(value);
      if (!n || *n < 1) return badQuery("Page must be greater than 0");
      q.page = *n;
      continue;
    }
    if (key == "per_page") {
      auto n = wholeNumber(value);
      if (!n || *n < 1 || *n > 5000) return badQuery("Per page must be between 1 and 5000");
      q.per_page = *n;
      continue;
    }
    // created_ats[gt] and the like: the operator in brackets.
    std::string base_key = key, op;
    if (size_t open = key.find('['); open != std::string::npos && key.back() == ']') {
      base_key = key.substr(0, open);
      op = key.substr(open + 1, key.size() - open - 2);
    }
    bool allowed = base_key == "order_by" || base_key == "label_selector" ||
                   base_key == "created_ats" || base_key == "updated_ats";
    for (const char* f : filters) allowed = allowed || base_key == f;
    // Brackets only on timestamps and on fields[...].
    if (!op.empty() && base_key != "created_ats" && base_key != "updated_ats" &&
        base_key != "fields")
      allowed = false;
    if (!allowed) {
      unknown.push_back(key);
      continue;
    }
    q.kept.push_back(piece);
    if (base_key == "created_ats" || base_key == "updated_ats") {
      if (op != "" && op != "lt" && op != "lte" && op != "gt" && op != "gte") {
        return badQuery(fmt::format("{} takes the operators [lt], [lte], [gt] and [gte], not "
                                    "[{}]", base_key, op));
      }
      auto values = base::split(value, ',');
      for (const auto& v : values) {
        // RFC 3339 in UTC as CC presents it: 2026-01-02T03:04:05Z.
        bool ok = v.size() == 20 && v[4] == '-' && v[7] == '-' && v[10] == 'T' &&
                  v[13] == ':' && v[16] == ':' && v[19] == 'Z';
        if (!ok) {
          return badQuery(fmt::format("{} must be timestamps in the form "
                                      "YYYY-MM-DDThh:mm:ssZ, got '{}'", base_key, v));
        }
      }
      if (!op.empty() && values.size() != 1)
        return badQuery(fmt::format("{}[{}] takes one timestamp", base_key, op));
      q.times.push_back({base_key.substr(0, base_key.size() - 1), op, std::move(values)});
      continue;
    }
    if (base_key == "label_selector") {
      if (auto sel = parseSelector(value); !sel.ok()) return sel.takeError();
      q.label_selector = value;
      continue;
    }
    if (base_key == "fields") continue;  // sparse fields: the whole resource is answered
    if (key == "order_by") {
      std::string field = !value.empty() && (value[0] == '-' || value[0] == '+')
                              ? value.substr(1) : value;
      bool known = false;
      std::vector<std::string> names;
      for (const char* f : order_fields) {
        known = known || field == f;
        names.push_back(fmt::format("'{}'", f));
      }
      if (!known) return badQuery("Order by can only be: " + base::join(names, ", "));
      q.order_by = value[0] == '+' ? field : value;
    } else if (key == "include") {
      q.include = base::split(value, ',');
    } else {
      // "names=" (empty) filters on the empty value, as Cloud Controller does.
      auto& values = q.filters[key];
      for (auto& v : base::split(value, ',')) values.push_back(v);
    }
  }
  if (!unknown.empty()) {
    std::vector<std::string> names;
    for (const auto& k : unknown) names.push_back(fmt::format("'{}'", k));
    std::vector<std::string> valid;
    for (const char* f : {"page", "per_page", "order_by", "label_selector", "created_ats",
                          "updated_ats"})
      valid.push_back(fmt::format("'{}'", f));
    for (const char* f : filters) valid.push_back(fmt::format("'{}'", f));
    return base::makeError(base::Errc::kBadQuery, "Unknown query parameter(s): {}. Valid "
                                                  "parameters are: {}",
                           base::join(names, ", "), base::join(valid, ", "));
  }
  return q;
}

bool timeMatches(const nlohmann::json& resource, const ListQuery::TimeCondition& c) {
  auto it = resource.find(c.field);
  if (it == resource.end() || !it->is_string()) return false;
  // Same fixed-width UTC form on both sides: string order is time order.
  const std::string& t = it->get_ref<const std::string&>();
  if (c.op.empty()) return std::find(c.values.begin(), c.values.end(), t) != c.values.end();
  const std::string& v = c.values.front();
  if (c.op == "lt") return t < v;
  if (c.op == "lte") return t <= v;
  if (c.op == "gt") return t > v;
  return t >= v;
}

}  // namespace

base::Result<ListQuery> parseListQuery(const std::string& raw_query,
                                       std::initializer_list<const char*> order_fields,
                                       std::initializer_list<const char*> filters) {
  return parse(raw_query, order_fields, filters);
}

nlohmann::json paginate(const Api& api, const std::string& path, const ListQuery& q,
                        std::vector<nlohmann::json> resources) {
  if (!q.times.empty()) {
    std::erase_if(resources, [&](const nlohmann::json& r) {
      return !std::all_of(q.times.begin(), q.times.end(),
                          [&](const ListQuery::TimeCondition& c) { return timeMatches(r, c); });
    });
  }
  if (!q.label_selector.empty()) {
    if (auto sel = parseSelector(q.label_selector); sel.ok())
      std::erase_if(resources, [&](const nlohmann::json& r) { return !matches(*sel, r); });
  }
  if (!q.order_by.empty()) {
    bool desc = q.order_by[0] == '-';
    std::string field = desc ? q.order_by.substr(1) : q.order_by;
    // Ties (created_at has whole seconds) keep creation order, newest first when descending, as
    // Cloud Controller's secondary order on id does: "-created_at&per_page=1" is the newest.
    if (desc) std::reverse(resources.begin(), resources.end());
    std::stable_sort(resources.begin(), resources.end(),
                     [&](const nlohmann::json& a, const nlohmann::json& b) {
                       std::string x = a.value(field, ""), y = b.value(field, "");
                       return desc ? y < x : x < y;
                     });
  }
  int64_t total = static_cast<int64_t>(resources.size());
  int64_t pages = (total + q.per_page - 1) / q.per_page;
  auto href = [&](int64_t page) {
    std::string target = fmt::format("{}?page={}&per_page={}", path, page, q.per_page);
    for (const auto& piece : q.kept) target += "&" + piece;
    return nlohmann::json{{"href", api.url(target)}};
  };
  nlohmann::json page = nlohmann::json::array();
  int64_t start = (static_cast<int64_t>(q.page) - 1) * q.per_page;
  for (int64_t i = start; i < total && i < start + q.per_page; ++i)
    page.push_back(std::move(resources[static_cast<size_t>(i)]));
  return {
      {"pagination",
       {{"total_results", total},
        {"total_pages", pages},
        {"first", href(1)},
        {"last", href(std::max<int64_t>(pages, 1))},
        {"next", q.page < pages ? href(q.page + 1) : nlohmann::json(nullptr)},
        {"previous", q.page > 1 ? href(std::min<int64_t>(q.page - 1, std::max<int64_t>(pages, 1)))
                                : nlohmann::json(nullptr)}}},
      {"resources", std::move(page)},
  };
}

}  // namespace mcf::controller
