// `microcf logs NAME [--recent]`: the app's log lines from the platform's log cache.
#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "cli/app_ops.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/log_batch.h"
#include "cli/session.h"

namespace mcf::cli {

namespace {

struct LogsOptions {
  std::string name;
  bool recent = false;
};

void printBatch(const std::vector<logs::Envelope>& batch) {
  for (const auto& envelope : batch)
    for (const auto& line : formatEnvelope(envelope)) fmt::print("{}\n", line);
  std::fflush(stdout);
}

int logsCommand(const Context& ctx, const LogsOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureTarget(); !s) return fail(s.error());
  fmt::print("Retrieving logs for app {} {}...\n\n", o.name, whereAs(session));
  std::fflush(stdout);
  auto app = findApp(session, o.name);
  if (!app) return fail(app.error());
  std::string guid = jstr(*app, "guid");
  if (o.recent) {
    auto batch = session.readLogs(guid, 0, 1000, true);
    if (!batch) return fail(batch.error());
    printBatch(*batch);
    return 0;
  }
  // Tail like cf: from one second before the newest line, then forward, until Ctrl-C.
  LogCursor cursor;
  auto newest = session.readLogs(guid, 0, 1, true);
  if (!newest) return fail(newest.error());
  if (!newest->empty())
    cursor.start_time_ns = std::max<int64_t>(0, newest->back().timestamp_ns - 1000000000LL);
  for (;;) {
    auto batch = session.readLogs(guid, cursor.start_time_ns, 1000, false);
    if (!batch) return fail(batch.error());
    printBatch(*batch);
    cursor.advance(*batch);
    if (batch->size() < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

void addLogsCommand(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* cmd = app.add_subcommand("logs", "Tail or show recent logs for an app");
  cmd->add_option("name", o->name, "App name")->required();
  cmd->add_flag("--recent", o->recent, "Dump recent logs instead of tailing");
  table.add(cmd, [o, &ctx] { return logsCommand(ctx, *o); });
}

}  // namespace mcf::cli
