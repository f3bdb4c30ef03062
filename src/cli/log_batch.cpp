// Log-cache answers to printable lines.
#include "cli/log_batch.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/json_util.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

int64_t timestampOf(const json& e) {
  auto it = e.find("timestamp");
  if (it == e.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::vector<std::string> payloadLines(const std::string& payload) {
  std::vector<std::string> lines = base::split(payload, '\n');
  for (auto& line : lines)
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace

std::vector<logs::Envelope> parseEnvelopes(const json& answer) {
  std::vector<logs::Envelope> out;
  if (!answer.is_object()) return out;
  auto envelopes = answer.find("envelopes");
  if (envelopes == answer.end() || !envelopes->is_object()) return out;
  auto batch = envelopes->find("batch");
  if (batch == envelopes->end() || !batch->is_array()) return out;
  for (const json& e : *batch) {
    if (!e.is_object()) continue;
    auto log = e.find("log");
    if (log == e.end() || !log->is_object()) continue;
    logs::Envelope env;
    env.timestamp_ns = timestampOf(e);
    env.source_id = jstr(e, "source_id");
    env.instance_id = jstr(e, "instance_id");
    if (auto tags = e.find("tags"); tags != e.end() && tags->is_object()) {
      for (const auto& [key, value] : tags->items())
        if (value.is_string()) env.tags[key] = value.get<std::string>();
      env.source_type = env.tags["source_type"];
      env.tags.erase("source_type");
    }
    env.is_err = jstr(*log, "type") == "ERR";
    env.payload = base::base64Decode(jstr(*log, "payload"));
    out.push_back(std::move(env));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.timestamp_ns < b.timestamp_ns;
  });
  return out;
}

std::vector<std::string> formatEnvelope(const logs::Envelope& envelope) {
  std::vector<std::string> out;
  logs::Envelope line = envelope;
  for (std::string& text : payloadLines(envelope.payload)) {
    line.payload = std::move(text);
    out.push_back(logs::formatLine(line));
  }
  return out;
}

void LogCursor::advance(const std::vector<logs::Envelope>& batch) {
  for (const auto& e : batch) start_time_ns = std::max(start_time_ns, e.timestamp_ns + 1);
}

std::vector<std::string> stagingLines(const std::vector<logs::Envelope>& batch) {
  std::vector<std::string> out;
  for (const auto& e : batch) {
    if (e.source_type != "STG") continue;
    for (std::string& text : payloadLines(e.payload)) out.push_back("   " + text);
  }
  return out;
}

std::vector<std::string> lastAppLines(const std::vector<logs::Envelope>& batch,
                                      size_t max_lines) {
  std::vector<std::string> out;
  for (const auto& e : batch) {
    if (e.source_type.rfind("APP", 0) != 0) continue;
    for (std::string& line : formatEnvelope(e)) out.push_back(std::move(line));
  }
  if (out.size() > max_lines) out.erase(out.begin(), out.end() - static_cast<long>(max_lines));
  return out;
}

std::string readQuery(int64_t start_time_ns, size_t limit, bool descending) {
  std::string q = fmt::format("start_time={}&envelope_types=LOG&limit={}", start_time_ns, limit);
  if (descending) q += "&descending=true";
  return q;
}

}  // namespace mcf::cli
