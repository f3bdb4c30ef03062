// manifest.yml: parsing with every problem collected (with line numbers), units, and writing.
#include "model/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "base/strutil.h"
#include "model/variables.h"

namespace mcf::model {

namespace {

const char kUnits[] =
    "must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB (e.g. 256M or 1G)";

// Keys of one application besides the process keys.
const std::vector<std::string> kAppKeys = {
    "name", "path", "buildpacks", "buildpack", "env", "routes", "no-route", "random-route",
    "default-route", "stack", "processes", "services"};
// Keys a process takes (at the top of an application they configure the web process).
const std::vector<std::string> kProcessKeys = {
    "command", "instances", "memory", "disk-quota", "health-check-type",
    "health-check-http-endpoint", "health-check-invocation-timeout", "health-check-interval",
    "timeout", "readiness-health-check-type", "readiness-health-check-http-endpoint",
    "readiness-health-check-invocation-timeout", "readiness-health-check-interval"};
// Cloud Foundry keys microcf accepts and ignores, so that existing manifests keep working.
const std::vector<std::string> kIgnoredKeys = {
    "log-rate-limit-per-second", "metadata", "features", "lifecycle", "sidecars", "user"};
const std::vector<std::string> kDeprecatedRouteKeys = {"host", "hosts", "domain", "domains",
                                                        "no-hostname"};

std::string canonical(const std::string& key) {
  std::string k = key;
  std::replace(k.begin(), k.end(), '_', '-');
  return k;
}

bool contains(const std::vector<std::string>& keys, const std::string& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

// Optimal string alignment distance: a swapped pair of letters ("memroy") counts as one edit.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string suggestion(const std::string& key, const std::vector<std::vector<std::string>>& sets) {
  std::string best;
  size_t best_d = 3;  // suggest only close matches
  std::string k = canonical(base::toLower(key));
  for (const auto& set : sets) {
    for (const auto& cand : set) {
      size_t d = editDistance(k, cand);
      if (d < best_d && d < cand.size()) {
        best_d = d;
        best = cand;
      }
    }
  }
  return best.empty() ? "" : fmt::format("; did you mean '{}'?", best);
}

int lineOf(const YAML::Node& node) {
  int line = node.Mark().line;
  return line < 0 ? 0 : line + 1;
}

// Collects every problem of one manifest; each says where and what to write instead.
class Parser {
 public:
  std::vector<std::string> problems;
  std::vector<std::string> warnings;

  void add(int line, std::string what) {
    problems.push_back(fmt::format("line {}: {}", line, what));
  }
  void warn(int line, std::string what) {
    warnings.push_back(fmt::format("line {}: {}", line, what));
  }

  std::optional<std::string> string(const YAML::Node& key, const YAML::Node& v) {
    if (v.IsScalar() && !v.IsNull()) return v.Scalar();
    add(lineOf(key), fmt::format("'{}' must be a string", key.Scalar()));
    return std::nullopt;
  }

  std::optional<int> wholeNumber(const YAML::Node& key, const YAML::Node& v, int min) {
    std::string text = v.IsScalar() ? v.Scalar() : "";
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (!v.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      add(lineOf(key), fmt::format("'{}' must be a whole number, got '{}'", key.Scalar(),
                                   v.IsScalar() ? text : "a list or map"));
      return std::nullopt;
    }
    if (n < min) {
      add(lineOf(key), fmt::format("'{}' must be at least {}, got {}", key.Scalar(), min, n));
      return std::nullopt;
    }
    return n;
  }

  std::optional<bool> boolean(const YAML::Node& key, const YAML::Node& v) {
    std::string t = v.IsScalar() ? base::toLower(v.Scalar()) : "";
    if (t == "true" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "no" || t == "off") return false;
    add(lineOf(key), fmt::format("'{}' must be true or false, got '{}'", key.Scalar(),
                                 v.IsScalar() ? v.Scalar() : "a list or map"));
    return std::nullopt;
  }

  std::optional<int> megabytes(const YAML::Node& key, const YAML::Node& v) {
    if (!v.IsScalar() || v.IsNull()) {
      add(lineOf(key), fmt::format("'{}' {}", key.Scalar(), kUnits));
      return std::nullopt;
    }
    auto mb = parseMegabytes(v.Scalar());
    if (!mb.ok()) {
      add(lineOf(key), fmt::format("'{}' {}", key.Scalar(), mb.error().message));
      return std::nullopt;
    }
    return *mb;
  }

  std::vector<std::string> stringList(const YAML::Node& key, const YAML::Node& v) {
    std::vector<std::string> out;
    if (v.IsNull()) return out;
    if (!v.IsSequence()) {
      add(lineOf(key), fmt::format("'{}' must be a list, e.g. [{}]", key.Scalar(), "name"));
      return out;
    }
    for (const auto& item : v) {
      if (item.IsScalar() && !item.IsNull()) out.push_back(item.Scalar());
      else add(lineOf(item), fmt::format("every entry of '{}' must be a string", key.Scalar()));
    }
    return out;
  }

  // One process key (top-level keys of an app configure its web process). False if k is not one.
  bool processKey(const std::string& k, const YAML::Node& key, const YAML::Node& v,
                  ManifestProcess& p) {
    if (k == "command") {
      if (v.IsNull()) p.command_null = true;
      else if (auto s = string(key, v)) p.command = *s;
    } else if (k == "instances") {
      p.instances = wholeNumber(key, v, 0);
    } else if (k == "memory") {
      p.memory_mb = megabytes(key, v);
    } else if (k == "disk-quota") {
      p.disk_mb = megabytes(key, v);
    } else if (k == "log-rate-limit-per-second") {
      auto rate = v.IsScalar() && !v.IsNull() ? parseLogRate(v.Scalar()) : std::nullopt;
      if (!rate)
        add(lineOf(key), fmt::format("'log-rate-limit-per-second' must be a size in bytes per "
                                     "second with a unit (B, K, M, G; e.g. 16K, 1M) or -1 for "
                                     "unlimited, got '{}'", v.IsScalar() ? v.Scalar() : "a list or map"));
      p.log_rate_bps = rate;
    } else if (k == "health-check-type") {
      auto s = string(key, v);
      if (s && *s == "none") s = "process";
      if (s && *s != "port" && *s != "process" && *s != "http") {
        add(lineOf(key),
            fmt::format("'health-check-type' must be port, process or http, got '{}'", *s));
        s.reset();
      }
      p.health_check_type = s;
    } else if (k == "readiness-health-check-type") {
      auto s = string(key, v);
      if (s && *s != "port" && *s != "process" && *s != "http") {
        add(lineOf(key), fmt::format("'readiness-health-check-type' must be port, process or "
                                     "http, got '{}'", *s));
        s.reset();
      }
      p.readiness_type = s;
    } else if (k == "readiness-health-check-http-endpoint") {
      p.readiness_http_endpoint = string(key, v);
    } else if (k == "readiness-health-check-invocation-timeout") {
      p.readiness_invocation_timeout = wholeNumber(key, v, 1);
    } else if (k == "readiness-health-check-interval") {
      p.readiness_interval = wholeNumber(key, v, 1);
    } else if (k == "health-check-http-endpoint") {
      p.health_check_http_endpoint = string(key, v);
    } else if (k == "health-check-invocation-timeout") {
      p.health_check_invocation_timeout = wholeNumber(key, v, 1);
    } else if (k == "health-check-interval") {
      p.health_check_interval = wholeNumber(key, v, 1);
    } else if (k == "timeout") {
      p.timeout = wholeNumber(key, v, 1);
      if (p.timeout && *p.timeout > 180) {
        add(lineOf(key), fmt::format("'timeout' must be at most 180 seconds, got {}", *p.timeout));
        p.timeout.reset();
      }
    } else {
      return false;
    }
    return true;
  }

  bool deprecated(const std::string& k, const YAML::Node& key) {
    if (contains(kDeprecatedRouteKeys, k)) {
      add(lineOf(key), fmt::format("'{}' is deprecated and no longer supported; use 'routes' "
                                   "instead, e.g. routes: [{{route: myapp.localhost}}]",
                                   key.Scalar()));
      return true;
    }
    if (k == "inherit") {
      add(lineOf(key), "'inherit' is no longer supported; copy the settings into this manifest "
                       "and use 'routes' for routes");
      return true;
    }
    if (k == "docker") {
      add(lineOf(key), "'docker' images are not supported by microcf; push the app's source "
                       "and let a buildpack stage it");
      return true;
    }
    return false;
  }

  void process(const YAML::Node& node, const std::string& app, std::set<std::string>& types,
               ManifestProcess& p) {
    if (!node.IsMap()) {
      add(lineOf(node), fmt::format("every entry of 'processes' in application '{}' must be a "
                                    "map with a 'type'", app));
      return;
    }
    for (const auto& kv : node) {
      std::string k = canonical(kv.first.Scalar());
      if (k == "type") {
        if (auto s = string(kv.first, kv.second)) p.type = *s;
      } else if (!processKey(k, kv.first, kv.second, p) && !contains(kIgnoredKeys, k)) {
        warn(lineOf(kv.first),
             fmt::format("unknown key '{}' in process of application '{}' ignored{}",
                         kv.first.Scalar(), app, suggestion(k, {kProcessKeys, {"type"}})));
      }
    }
    if (p.type.empty()) {
      add(lineOf(node), fmt::format("a process of application '{}' has no 'type'; add e.g. "
                                    "type: worker", app));
    } else if (!types.insert(p.type).second) {
      add(lineOf(node), fmt::format("process type '{}' appears twice in application '{}'",
                                    p.type, app));
    }
  }

  // options: {loadbalancing: round-robin | least-connection}
  void routeOptions(const YAML::Node& key, const YAML::Node& v, ManifestRoute& r) {
    if (v.IsNull()) return;
    if (!v.IsMap()) {
      add(lineOf(key), "route 'options' must be a map, e.g. options: {loadbalancing: "
                       "least-connection}");
      return;
    }
    for (const auto& kv : v) {
      std::string k = kv.first.Scalar();
      if (k != "loadbalancing") {
        add(lineOf(kv.first), fmt::format("unknown route option '{}'; the route option is "
                                          "'loadbalancing' (round-robin or least-connection)",
                                          k));
        continue;
      }
      auto s = string(kv.first, kv.second);
      if (!s) continue;
      if (*s != "round-robin" && *s != "least-connection") {
        add(lineOf(kv.first), fmt::format("route option 'loadbalancing' must be round-robin or "
                                          "least-connection, got '{}'",
                                          *s));
        continue;
      }
      r.loadbalancing = *s;
    }
  }

  void routes(const YAML::Node& key, const YAML::Node& v, ManifestApp& app) {
    app.routes.emplace();
    if (v.IsNull()) return;
    if (!v.IsSequence()) {
      add(lineOf(key), "'routes' must be a list, e.g. routes: [{route: myapp.localhost}]");
      return;
    }
    for (const auto& item : v) {
      ManifestRoute r;
      if (item.IsMap()) {
        for (const auto& kv : item) {
          std::string k = canonical(kv.first.Scalar());
          if (k == "route") {
            if (auto s = string(kv.first, kv.second)) r.route = *s;
          } else if (k == "protocol") {
            if (auto s = string(kv.first, kv.second)) r.protocol = *s;
            if (r.protocol != "http1" && r.protocol != "http2" && r.protocol != "tcp") {
              add(lineOf(kv.first), fmt::format("route 'protocol' must be http1, http2 or tcp, "
                                                "got '{}'", r.protocol));
            }
          } else if (k == "options") {
            routeOptions(kv.first, kv.second, r);
          } else {
            warn(lineOf(kv.first), fmt::format("unknown key '{}' in a route of application "
                                               "'{}' ignored{}", kv.first.Scalar(), app.name,
                                               suggestion(k, {{"route", "protocol", "options"}})));
          }
        }
      }
      if (r.route.empty()) {
        add(lineOf(item), fmt::format("every route of application '{}' needs a 'route', e.g. "
                                      "- route: {}.localhost", app.name, app.name));
      } else {
        app.routes->push_back(r);
      }
    }
  }

  void env(const YAML::Node& key, const YAML::Node& v, ManifestApp& app) {
    if (v.IsNull()) return;
    if (!v.IsMap()) {
      add(lineOf(key), "'env' must be a map of names to values, e.g. env: {GREETING: hello}");
      return;
    }
    for (const auto& kv : v) {
      if (kv.second.IsScalar() && !kv.second.IsNull()) {
        app.env[kv.first.Scalar()] = kv.second.Scalar();
      } else {
        add(lineOf(kv.first), fmt::format("env var '{}' must be a string, number or boolean; "
                                          "quote it (\"\") for an empty value", kv.first.Scalar()));
      }
    }
  }

  void services(const YAML::Node& key, const YAML::Node& v, ManifestApp& app) {
    if (v.IsNull()) return;
    if (!v.IsSequence()) {
      add(lineOf(key), "'services' must be a list of service instance names");
      return;
    }
    for (const auto& item : v) {
      if (item.IsScalar() && !item.IsNull()) {
        app.services.push_back(item.Scalar());
      } else if (item.IsMap() && item["name"] && item["name"].IsScalar()) {
        app.services.push_back(item["name"].Scalar());
      } else {
        add(lineOf(item), "every entry of 'services' must be a name or a map with a 'name'");
      }
    }
  }

  void key(const std::string& k, const YAML::Node& key, const YAML::Node& v, ManifestApp& app,
           std::set<std::string>& types) {
    if (k == "name" || processKey(k, key, v, app.web) || deprecated(k, key) ||
        contains(kIgnoredKeys, k)) {
      return;
    }
    if (k == "path") {
      app.path = string(key, v);
    } else if (k == "buildpacks") {
      app.buildpacks = stringList(key, v);
    } else if (k == "buildpack") {
      // Deprecated singular form: "default" and null mean auto-detect.
      auto s = v.IsNull() ? std::optional<std::string>("default") : string(key, v);
      if (s) app.buildpacks = (*s == "default" || *s == "null") ? std::vector<std::string>{}
                                                                : std::vector<std::string>{*s};
    } else if (k == "stack") {
      app.stack = string(key, v);
    } else if (k == "env") {
      env(key, v, app);
    } else if (k == "routes") {
      routes(key, v, app);
    } else if (k == "no-route") {
      app.no_route = boolean(key, v).value_or(false);
    } else if (k == "random-route") {
      app.random_route = boolean(key, v).value_or(false);
    } else if (k == "default-route") {
      app.default_route = boolean(key, v);
    } else if (k == "services") {
      services(key, v, app);
    } else if (k == "processes") {
      if (!v.IsSequence()) {
        add(lineOf(key), "'processes' must be a list of maps, e.g. - type: worker");
        return;
      }
      for (const auto& item : v) {
        ManifestProcess p;
        process(item, app.name, types, p);
        if (!p.type.empty()) app.processes.push_back(std::move(p));
      }
    } else {
      warn(lineOf(key), fmt::format("unknown key '{}' in application '{}' ignored{}", key.Scalar(),
                                    app.name, suggestion(k, {kAppKeys, kProcessKeys})));
    }
  }

  void application(const YAML::Node& node, Manifest& m, std::set<std::string>& names) {
    ManifestApp app;
    app.line = lineOf(node);
    app.web.type = "web";
    if (!node.IsMap()) {
      add(app.line, "every entry of 'applications' must be a map with a 'name'");
      return;
    }
    // Read the name first: every other message names the application.
    for (const auto& kv : node) {
      if (canonical(kv.first.Scalar()) == "name")
        app.name = string(kv.first, kv.second).value_or("");
    }
    if (app.name.empty()) {
      add(app.line, "an application has no 'name'; every application needs one, e.g. "
                    "- name: myapp");
    } else if (!names.insert(base::toLower(app.name)).second) {
      add(app.line, fmt::format("application '{}' appears twice; names must be unique",
                                app.name));
    }
    std::set<std::string> types;
    for (const auto& kv : node) key(canonical(kv.first.Scalar()), kv.first, kv.second, app, types);
    m.applications.push_back(std::move(app));
  }

  void root(const YAML::Node& root, Manifest& m) {
    if (!root.IsMap()) {
      add(std::max(1, lineOf(root)), "a manifest must be a map with an 'applications' list, "
                                     "e.g. applications: [{name: myapp}]");
      return;
    }
    bool have_apps = false;
    std::set<std::string> names;
    for (const auto& kv : root) {
      std::string k = canonical(kv.first.Scalar());
      if (k == "version") {
        if (!kv.second.IsScalar() || kv.second.Scalar() != "1")
          add(lineOf(kv.first), fmt::format("'version' must be 1, got '{}'",
                                            kv.second.IsScalar() ? kv.second.Scalar() : "?"));
      } else if (k == "applications") {
        have_apps = true;
        if (!kv.second.IsSequence()) {
          add(lineOf(kv.first), "'applications' must be a list, e.g. - name: myapp");
          continue;
        }
        for (const auto& app : kv.second) application(app, m, names);
      } else if (deprecated(k, kv.first)) {
      } else if (contains(kAppKeys, k) || contains(kProcessKeys, k) || contains(kIgnoredKeys, k)) {
        add(lineOf(kv.first), fmt::format("top-level '{}' is not supported; set it under each "
                                          "application", kv.first.Scalar()));
      } else {
        warn(lineOf(kv.first), fmt::format("unknown top-level key '{}' ignored{}",
                                           kv.first.Scalar(),
                                           suggestion(k, {{"applications", "version"}})));
      }
    }
    if (!have_apps) add(1, "the manifest has no 'applications' list; add e.g. "
                           "applications: [{name: myapp}]");
  }
};

std::string logRateText(int64_t bps) {
  if (bps > 0 && bps % (1 << 30) == 0) return fmt::format("{}G", bps >> 30);
  if (bps > 0 && bps % (1 << 20) == 0) return fmt::format("{}M", bps >> 20);
  if (bps > 0 && bps % 1024 == 0) return fmt::format("{}K", bps >> 10);
  return fmt::format("{}B", bps);
}

std::string megabytesText(int mb) {
  if (mb % 1024 == 0) return fmt::format("{}G", mb / 1024);
  return fmt::format("{}M", mb);
}

void emitProcessKeys(YAML::Emitter& out, const ManifestProcess& p) {
  if (p.command_null) out << YAML::Key << "command" << YAML::Value << YAML::Null;
  else if (p.command)
    out << YAML::Key << "command" << YAML::Value << YAML::DoubleQuoted << *p.command;
  if (p.instances) out << YAML::Key << "instances" << YAML::Value << *p.instances;
  if (p.memory_mb) out << YAML::Key << "memory" << YAML::Value << megabytesText(*p.memory_mb);
  if (p.disk_mb) out << YAML::Key << "disk-quota" << YAML::Value << megabytesText(*p.disk_mb);
  if (p.log_rate_bps)
    out << YAML::Key << "log-rate-limit-per-second" << YAML::Value
        << (*p.log_rate_bps < 0 ? std::string("-1") : logRateText(*p.log_rate_bps));
  if (p.health_check_type)
    out << YAML::Key << "health-check-type" << YAML::Value << *p.health_check_type;
  if (p.health_check_http_endpoint)
    out << YAML::Key << "health-check-http-endpoint" << YAML::Value << YAML::DoubleQuoted
        << *p.health_check_http_endpoint;
  if (p.health_check_invocation_timeout)
    out << YAML::Key << "health-check-invocation-timeout" << YAML::Value
        << *p.health_check_invocation_timeout;
  if (p.health_check_interval)
    out << YAML::Key << "health-check-interval" << YAML::Value << *p.health_check_interval;
  if (p.timeout) out << YAML::Key << "timeout" << YAML::Value << *p.timeout;
  if (p.readiness_type)
    out << YAML::Key << "readiness-health-check-type" << YAML::Value << *p.readiness_type;
  if (p.readiness_http_endpoint)
    out << YAML::Key << "readiness-health-check-http-endpoint" << YAML::Value
        << YAML::DoubleQuoted << *p.readiness_http_endpoint;
  if (p.readiness_invocation_timeout)
    out << YAML::Key << "readiness-health-check-invocation-timeout" << YAML::Value
        << *p.readiness_invocation_timeout;
  if (p.readiness_interval)
    out << YAML::Key << "readiness-health-check-interval" << YAML::Value << *p.readiness_interval;
}

void emitApp(YAML::Emitter& out, const ManifestApp& app) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << app.name;
  if (app.path) out << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << *app.path;
  if (app.buildpacks) {
    out << YAML::Key << "buildpacks" << YAML::Value << YAML::BeginSeq;
    for (const auto& b : *app.buildpacks) out << YAML::DoubleQuoted << b;
    out << YAML::EndSeq;
  }
  if (app.stack) out << YAML::Key << "stack" << YAML::Value << YAML::DoubleQuoted << *app.stack;
  emitProcessKeys(out, app.web);
  if (!app.env.empty()) {
    out << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : app.env)
      out << YAML::Key << YAML::DoubleQuoted << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap;
  }
  if (app.routes) {
    out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : *app.routes) {
      out << YAML::BeginMap << YAML::Key << "route" << YAML::Value << YAML::DoubleQuoted << r.route;
      if (!r.protocol.empty()) out << YAML::Key << "protocol" << YAML::Value << r.protocol;
      if (r.loadbalancing) {
        out << YAML::Key << "options" << YAML::Value << YAML::BeginMap << YAML::Key
            << "loadbalancing" << YAML::Value << *r.loadbalancing << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (app.no_route) out << YAML::Key << "no-route" << YAML::Value << true;
  if (app.random_route) out << YAML::Key << "random-route" << YAML::Value << true;
  if (app.default_route) out << YAML::Key << "default-route" << YAML::Value << *app.default_route;
  if (!app.processes.empty()) {
    out << YAML::Key << "processes" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : app.processes) {
      out << YAML::BeginMap << YAML::Key << "type" << YAML::Value << YAML::DoubleQuoted << p.type;
      emitProcessKeys(out, p);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!app.services.empty()) {
    out << YAML::Key << "services" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : app.services) out << YAML::DoubleQuoted << s;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

base::Result<Manifest> parseManifest(const std::string& yaml) {
  return parseManifest(yaml, nullptr);
}

base::Result<Manifest> parseManifest(const std::string& yaml, const nlohmann::json* vars) {
  Parser parser;
  Manifest m;
  try {
    YAML::Node root = YAML::Load(yaml);
    if (vars) MCF_TRY(substituteVariables(root, *vars));
    if (!root || root.IsNull()) {
      return base::makeError(base::Errc::kInvalid, "line 1: the manifest is empty; it needs an "
                                                   "'applications' list, e.g. applications: "
                                                   "[{{name: myapp}}]");
    }
    parser.root(root, m);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line < 0 ? 1 : e.mark.line + 1;
    return base::makeError(base::Errc::kInvalid, "line {}: YAML syntax error: {}; check the "
                                                 "indentation and quoting there", line, e.msg);
  }
  if (!parser.problems.empty()) {
    // The ignored keys too: a typo there often explains a problem elsewhere.
    for (auto& w : parser.warnings) parser.problems.push_back(std::move(w));
    return base::Error{base::Errc::kInvalid, base::join(parser.problems, "\n")};
  }
  m.warnings = std::move(parser.warnings);
  return m;
}

std::string manifestToYaml(const Manifest& manifest) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "applications" << YAML::Value << YAML::BeginSeq;
  for (const auto& app : manifest.applications) emitApp(out, app);
  out << YAML::EndSeq << YAML::EndMap;
  return std::string("---\n") + out.c_str() + "\n";
}

base::Result<int> parseMegabytes(const std::string& value) {
  std::string v = base::toLower(base::trim(value));
  size_t split = 0;
  auto numeric = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; };
  while (split < v.size() && numeric(v[split])) ++split;
  std::string number = v.substr(0, split);
  std::string unit = base::trim(v.substr(split));
  double n = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size())
    return base::makeError(base::Errc::kInvalid, "{}, got '{}'", kUnits, value);
  double mb = 0;
  if (unit == "b") mb = n / (1024.0 * 1024.0);
  else if (unit == "k" || unit == "kb") mb = n / 1024.0;
  else if (unit == "m" || unit == "mb") mb = n;
  else if (unit == "g" || unit == "gb") mb = n * 1024.0;
  else if (unit == "t" || unit == "tb") mb = n * 1024.0 * 1024.0;
  else return base::makeError(base::Errc::kInvalid, "{}, got '{}'", kUnits, value);
  mb = std::ceil(mb);  // a part of a megabyte still needs a whole one
  if (mb < 1 || mb > 1024.0 * 1024.0 * 1024.0)
    return base::makeError(base::Errc::kInvalid, "must be between 1M and 1024T, got '{}'", value);
  return static_cast<int>(mb);
}

std::optional<int64_t> parseLogRate(std::string_view text) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += char(std::toupper(static_cast<unsigned char>(c)));
  if (s == "-1") return -1;
  if (s.empty()) return std::nullopt;
  int64_t unit = 1;
  auto strip = [&](std::string_view suffix, int64_t u) {
    if (s.size() > suffix.size() && s.ends_with(suffix)) {
      s.resize(s.size() - suffix.size());
      unit = u;
      return true;
    }
    return false;
  };
  strip("KB", 1024) || strip("MB", 1 << 20) || strip("GB", 1 << 30) || strip("K", 1024) ||
      strip("M", 1 << 20) || strip("G", 1 << 30) || strip("B", 1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || n < 0) return std::nullopt;
  if (n > INT64_MAX / unit) return std::nullopt;
  return n * unit;
}

}  // namespace mcf::model
