// Metrics: a small registry of counters, gauges and fixed-bucket histograms, written out in the
// Prometheus text exposition format 0.0.4 (GET /metrics).
//
// Owns: metric families, their series and the text format. Does not own: what is measured
// (the daemon feeds it) or HTTP. Thread: one (the loop's); nothing is atomic.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mcf::base {

// Label name → value, written sorted by name.
using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(double by = 1) { value_ += by; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void set(double v) { value_ = v; }
  void add(double by) { value_ += by; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);  // upper bounds, ascending; +Inf is implied
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  const std::vector<uint64_t>& counts() const { return counts_; }  // per bucket, not cumulative
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  // The series of a family with these labels, created at zero on first use. A name is one
  // type only; asking for it as another type is a bug (asserted). References stay valid for
  // the registry's life.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds, const Labels& labels = {});
  // A gauge family whose series are read when scraped (instances by state, queue sizes).
  using Sampler = std::function<std::vector<std::pair<Labels, double>>()>;
  void gaugeFn(const std::string& name, const std::string& help, Sampler sample);

  // Every family in name order: "# HELP", "# TYPE", then its series.
  std::string exposition() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered labels
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    Sampler sampler;
  };
  Family& family(const std::string& name, const std::string& help, Type type);
  std::map<std::string, Family> families_;
};

// {a="x",b="y"} with \, " and newlines escaped; "" for no labels.
std::string renderLabels(const Labels& labels);
// A sample value as Prometheus writes it: integers without a fraction, +Inf, -Inf, NaN.
std::string formatSample(double v);

}  // namespace mcf::base
