// List queries (page, per_page, order_by, filters) and the paginated list shape of CC v3.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace mcf::controller {

struct Api;

struct ListQuery {
  int page = 1;
  int per_page = 50;
  std::string order_by;  // "" (store order), "name", "-created_at", ...
  // Comma-separated filters ("names=a,b"), decoded and split; absent filters are not present.
  std::map<std::string, std::vector<std::string>> filters;
  std::vector<std::string> include;  // include=space,space.organization
  std::vector<std::string> kept;     // raw "k=v" pieces other than page/per_page, for links
  // label_selector=..., as given (decoded); "" when absent. Accepted on every list; the
  // selector is matched against the resources' labels where metadata is stored.
  std::string label_selector;
  // created_ats / updated_ats, in CC's forms: "created_ats=T1,T2" (any of), or
  // "created_ats[lt|lte|gt|gte]=T". Applied by paginate() to the presented resources' fields.
  struct TimeCondition {
    std::string field;            // "created_at" / "updated_at"
    std::string op;               // "" (any of values), "lt", "lte", "gt", "gte"
    std::vector<std::string> values;
  };
  std::vector<TimeCondition> times;

  // True when the filter is absent or lists value.
  bool matches(const std::string& filter, const std::string& value) const;
  bool has(const std::string& filter) const { return filters.count(filter) != 0; }
  const std::vector<std::string>* filter(const std::string& name) const;
};

// kBadQuery ("The query parameter is invalid: Per page must be between 1 and 5000") for bad
// page, per_page or an order_by field not in order_fields, and kBadQuery "Unknown query
// parameter(s): 'x'. Valid parameters are: ..." for a parameter that is neither one of
// `filters` nor always allowed (page, per_page, order_by, label_selector, created_ats,
// updated_ats and their [lt|lte|gt|gte] forms). List "include" in filters where the endpoint
// honours include=, and "fields" where it takes fields[resource]=... (CC's sparse fields).
base::Result<ListQuery> parseListQuery(const std::string& raw_query,
                                       std::initializer_list<const char*> order_fields,
                                       std::initializer_list<const char*> filters);

// {"pagination":{...},"resources":[...]} for one page of resources, sorted by order_by (a
// field of the presented JSON), with first/last/next/previous links that keep the filters.
// Resources whose metadata.labels do not match the query's label_selector are left out.
nlohmann::json paginate(const Api& api, const std::string& path, const ListQuery& query,
                        std::vector<nlohmann::json> resources);

}  // namespace mcf::controller
