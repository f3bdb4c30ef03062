// `microcf logs NAME [--recent]`: the app's log lines from the platform's log cache.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
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

volatile std::sig_atomic_t g_interrupted = 0;

void onInterrupt(int) { g_interrupted = 1; }

// Ctrl-C and SIGTERM end tailing cleanly (exit 0) between two reads, or interrupt a read in
// flight (no SA_RESTART) so that the CLI does not wait for it.
void catchInterrupts() {
  struct sigaction sa = {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

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
  // Tail: the last second before the newest line, then forward from one past the newest
  // line printed. Timestamps are strictly increasing per app, so no line is missed or repeated
  // between two reads.
  catchInterrupts();
  LogCursor cursor;
  auto newest = session.readLogs(guid, 0, 1, true);
  if (!newest) return g_interrupted ? 0 : fail(newest.error());
  if (!newest->empty())
    cursor.start_time_ns = std::max<int64_t>(0, newest->back().timestamp_ns - 1000000000LL);
  while (!g_interrupted) {
    auto batch = session.readLogs(guid, cursor.start_time_ns, 1000, false);
    if (!batch) return g_interrupted ? 0 : fail(batch.error());
    printBatch(*batch);
    cursor.advance(*batch);
    if (batch->size() == 1000) continue;  // catching up
    for (int i = 0; i < 5 && !g_interrupted; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
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
