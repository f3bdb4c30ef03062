// The metrics registry and its text exposition.
#include "base/metrics.h"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace mcf::base {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

std::string renderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string formatSample(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

Metrics::Family& Metrics::family(const std::string& name, const std::string& help, Type type) {
  auto [it, made] = families_.try_emplace(name);
  if (made) {
    it->second.type = type;
    it->second.help = help;
  }
  assert(it->second.type == type);
  return it->second;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  auto& slot = family(name, help, Type::kCounter).counters[renderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  auto& slot = family(name, help, Type::kGauge).gauges[renderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const std::vector<double>& bounds, const Labels& labels) {
  auto& slot = family(name, help, Type::kHistogram).histograms[renderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Metrics::gaugeFn(const std::string& name, const std::string& help, Sampler sample) {
  family(name, help, Type::kGauge).sampler = std::move(sample);
}

namespace {

// `{a="x"}` + le="0.5" → `{a="x",le="0.5"}`.
std::string withLe(const std::string& rendered, const std::string& le) {
  std::string pair = "le=\"" + le + "\"";
  if (rendered.empty()) return "{" + pair + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + pair + "}";
}

}  // namespace

std::string Metrics::exposition() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    // Help text escapes backslashes and newlines only.
    std::string help;
    for (char c : f.help) {
      if (c == '\\') help += "\\\\";
      else if (c == '\n') help += "\\n";
      else help += c;
    }
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const auto& [labels, c] : f.counters)
      out += fmt::format("{}{} {}\n", name, labels, formatSample(c->value()));
    for (const auto& [labels, g] : f.gauges)
      out += fmt::format("{}{} {}\n", name, labels, formatSample(g->value()));
    if (f.sampler) {
      for (const auto& [labels, v] : f.sampler())
        out += fmt::format("{}{} {}\n", name, renderLabels(labels), formatSample(v));
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        cumulative += h->counts()[i];
        out += fmt::format("{}_bucket{} {}\n", name, withLe(labels, formatSample(h->bounds()[i])),
                           cumulative);
      }
      cumulative += h->counts().back();
      out += fmt::format("{}_bucket{} {}\n", name, withLe(labels, "+Inf"), cumulative);
      out += fmt::format("{}_sum{} {}\n", name, labels, formatSample(h->sum()));
      out += fmt::format("{}_count{} {}\n", name, labels, h->count());
    }
  }
  return out;
}

}  // namespace mcf::base
