// Reading log-cache answers (`{"envelopes":{"batch":[...]}}`) and turning envelopes into the
// lines `microcf logs` and `microcf push` print.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "logs/log_store.h"

namespace mcf::cli {

// LOG envelopes of a read answer, oldest first (whatever order the answer had). Envelopes
// without a log (counters, gauges) are skipped; payloads are base64-decoded.
std::vector<logs::Envelope> parseEnvelopes(const nlohmann::json& answer);

// formatLine for each line of a (possibly multi-line) payload, as cf prints them.
std::vector<std::string> formatEnvelope(const logs::Envelope& envelope);

// Where the next read starts so that nothing is printed twice: one past the newest seen.
struct LogCursor {
  int64_t start_time_ns = 0;
  void advance(const std::vector<logs::Envelope>& batch);
};

// During push only staging output is shown, payload only: "   <payload>" per line.
std::vector<std::string> stagingLines(const std::vector<logs::Envelope>& batch);

// The newest `max_lines` app output lines (source type APP/...), oldest first, formatted.
std::vector<std::string> lastAppLines(const std::vector<logs::Envelope>& batch, size_t max_lines);

// Query string for GET /api/v1/read/<source>: LOG envelopes from start_time on.
std::string readQuery(int64_t start_time_ns, size_t limit, bool descending);

}  // namespace mcf::cli
