// `microcf up`: the platform's startup as a script of named phases, and its shutdown.
#include "daemon/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "auth/token_service.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "base/unique_fd.h"
#include "blobstore/blobstore.h"
#include "blobstore/resource_pool.h"
#include "controller/controller.h"
#include "controller/ssh_proxy.h"
#include "daemon/adapters.h"
#include "daemon/admin_buildpacks.h"
#include "daemon/paths.h"
#include "daemon/platform_metrics.h"
#include "daemon/security_groups.h"
#include "logs/log_store.h"
#include "logs/syslog_drain.h"
#include "loop/loop.h"
#include "router/route_table.h"
#include "router/router.h"
#include "router/tls.h"
#include "runner/linux_backend.h"
#include "scheduler/scheduler.h"
#include "scheduler/tasks.h"
#include "services/osb_client.h"
#include "stager/buildpacks.h"
#include "stager/stager.h"
#include "store/store.h"

namespace mcf::daemon {

using base::Errc;
using base::makeError;

namespace {

// Everything `up` builds, in construction order; destroyed in reverse.
struct Platform {
  DaemonOptions options;
  Paths paths;
  base::UniqueFd lock;
  base::SystemClock clock;
  loop::Loop loop;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<blobstore::Blobstore> blobs;
  std::unique_ptr<blobstore::ResourcePool> pool;
  std::unique_ptr<auth::TokenService> tokens;
  std::unique_ptr<logs::LogStore> logs;
  std::unique_ptr<logs::DrainManager> drains;
  std::unique_ptr<PlatformMetrics> metrics;
  std::unique_ptr<runner::StackRegistry> stacks;
  std::unique_ptr<StacksAdapter> stacks_adapter;
  std::unique_ptr<runner::LinuxBackend> backend;
  std::unique_ptr<stager::BuildpackRegistry> buildpacks;
  std::unique_ptr<stager::Stager> stager;
  std::unique_ptr<router::RouteTable> routes;
  std::unique_ptr<RouteAdapter> route_adapter;
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::unique_ptr<scheduler::TaskRunner> tasks;
  std::unique_ptr<StagerAdapter> stager_adapter;
  std::unique_ptr<RuntimeAdapter> runtime_adapter;
  // The service brokers' client, and the brokers built into this process by name (each
  // registered as builtin://NAME at start).
  std::unique_ptr<services::OsbClient> osb;
  std::map<std::string, services::OsbHandler*> builtin_brokers;
  std::unique_ptr<controller::Controller> controller;
  // Certificates (local CA, *.DOMAIN, operator certificates by SNI) of the router's HTTPS
  // port, --tls-port; null without it. Each connection accepted on that port runs a
  // router::TlsSession on it, so it is built before the router and outlives it.
  std::unique_ptr<router::TlsContext> tls;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<controller::SshProxy> ssh;
  std::string api_url;
};

base::Status lockDataDir(Platform& p) {
  std::string path = base::joinPath(p.paths.home, "microcf.lock");
  base::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return makeError(Errc::kIo, "cannot open {}: {}", path, strerror(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    auto pid = base::readFile(path);
    return makeError(Errc::kConflict,
                     "microcf is already running with data dir {} (pid {}). Stop it first, or "
                     "start another one with --data-dir DIR --port PORT.",
                     p.paths.home, pid.ok() ? base::trim(*pid) : "unknown");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), pid.data(), pid.size(), 0);
  p.lock = std::move(fd);
  return {};
}

base::Status openState(Platform& p) {
  auto store = store::Store::open(p.paths.database);
  if (!store.ok()) return store.takeError();
  p.store = std::move(store).value();
  auto blobs = blobstore::Blobstore::open(p.paths.blobs);
  if (!blobs.ok()) return blobs.takeError();
  p.blobs = std::move(blobs).value();
  auto pool = blobstore::ResourcePool::open(p.paths.resource_pool);
  if (!pool.ok()) return pool.takeError();
  p.pool = std::move(pool).value();
  return {};
}

base::Status loadSigningKey(Platform& p) {
  std::string path = base::joinPath(p.paths.home, "token-signing-key");
  auto key = base::readFile(path);
  if (!key.ok()) {
    std::string fresh = base::randomHex(32);
    MCF_TRY(base::writeFileAtomic(path, fresh, 0600));
    key = fresh;
  }
  p.tokens = std::make_unique<auth::TokenService>(base::trim(*key), p.api_url + "/oauth/token", p.clock);
  return {};
}

// Said once at start by a microcf without root: what its containers have and lack.
void sayUnprivileged(const scheduler::SchedulerConfig& sched) {
  MCF_WARN("daemon",
           "microcf runs without root: containers get their own user, mount, pid, UTS and IPC "
           "namespaces but share the host's network, each instance on a host port of {}-{} "
           "(--subnet and security groups do not apply); memory, pids and CPU limits are not "
           "enforced, and the disk quota is a tmpfs, in memory. Run `microcf up` as root for "
           "all of it.",
           sched.first_port, sched.last_port);
}

// The app's syslog drains become the syslog_drain_urls of the instances it is bound to now.
void refreshDrains(Platform& p, const std::string& app_guid) {
  auto app = p.store->getApp(app_guid);
  if (!app.ok()) {
    p.drains->setAppDrains(app_guid, "", {});
    return;
  }
  // Loggregator's syslog HOSTNAME: org.space.app.
  std::string hostname = app->name;
  if (auto space = p.store->getSpace(app->space_guid); space.ok()) {
    auto org = p.store->getOrg(space->org_guid);
    hostname = (org.ok() ? org->name : "") + "." + space->name + "." + app->name;
  }
  std::vector<logs::DrainManager::Spec> specs;
  for (const auto& b : store::appBoundServices(*p.store, app_guid))
    if (!b.instance.syslog_drain_url.empty())
      specs.push_back({b.instance.syslog_drain_url, b.instance.name});
  p.drains->setAppDrains(app_guid, hostname, specs);
}

// Gauges read when /metrics is scraped.
void addSampledMetrics(Platform& p) {
  base::Metrics& m = p.metrics->registry();
  m.gaugeFn("microcf_instances", "App instances by state.", [&p] {
    std::map<std::string, double> by_state;
    for (auto s : {model::InstanceState::kStarting, model::InstanceState::kRunning,
                   model::InstanceState::kCrashed, model::InstanceState::kStopping,
                   model::InstanceState::kDown})
      by_state[model::toString(s)] = 0;
    if (auto processes = p.store->listProcesses(""); processes.ok())
      for (const auto& proc : *processes)
        for (const auto& i : p.runtime_adapter->instances(proc.guid))
          by_state[model::toString(i.state)] += 1;
    std::vector<std::pair<base::Labels, double>> out;
    for (const auto& [state, n] : by_state) out.push_back({{{"state", state}}, n});
    return out;
  });
  using Samples = std::vector<std::pair<base::Labels, double>>;
  m.gaugeFn("microcf_log_envelopes_appended_total",
            "Log envelopes appended to the log store since start (a counter).", [&p] {
              return Samples{{{}, static_cast<double>(p.logs->appendedTotal())}};
            });
  m.gaugeFn("microcf_log_envelopes_evicted_total",
            "Log envelopes pushed out of a full per-app ring buffer since start (a counter).",
            [&p] { return Samples{{{}, static_cast<double>(p.logs->evictedTotal())}}; });
  m.gaugeFn("microcf_syslog_drains", "Syslog drains (app, drain URL) open.", [&p] {
    return Samples{{{}, static_cast<double>(p.drains->count())}};
  });
  m.gaugeFn("microcf_syslog_drain_messages_total",
            "Messages of syslog drains since start, by what happened to them (a counter).", [&p] {
              const logs::DrainStats& s = p.drains->stats();
              return Samples{{{{"result", "sent"}}, static_cast<double>(s.sent)},
                             {{{"result", "dropped"}}, static_cast<double>(s.dropped)}};
            });
  m.gaugeFn("microcf_syslog_drain_failures_total",
            "Failed connects and lost connections of syslog drains since start (a counter).",
            [&p] { return Samples{{{}, static_cast<double>(p.drains->stats().failures)}}; });
  m.gaugeFn("microcf_sqlite_steps_total",
            "SQLite statement steps since start, and the seconds spent in them (counters).", [&p] {
              store::DbStats s = p.store->dbStats();
              return Samples{{{{"measure", "count"}}, static_cast<double>(s.steps)},
                             {{{"measure", "seconds"}}, static_cast<double>(s.step_ns) / 1e9}};
            });
  m.gaugeFn("microcf_sqlite_commits_total",
            "SQLite transactions committed since start, and the seconds their commits took "
            "(counters).", [&p] {
              store::DbStats s = p.store->dbStats();
              return Samples{{{{"measure", "count"}}, static_cast<double>(s.commits)},
                             {{{"measure", "seconds"}}, static_cast<double>(s.commit_ns) / 1e9}};
            });
  m.gaugeFn("microcf_router_connections", "The router's open connections now.", [&p] {
    if (!p.router) return Samples{};
    router::RouterStats s = p.router->stats();
    return Samples{{{{"side", "client"}}, static_cast<double>(s.client_connections)},
                   {{{"side", "instance_idle"}}, static_cast<double>(s.idle_backends)}};
  });
  m.gaugeFn("microcf_router_instance_requests_total",
            "Proxied requests by how their instance connection came (counters).", [&p] {
              if (!p.router) return Samples{};
              router::RouterStats s = p.router->stats();
              return Samples{{{{"connection", "new"}}, static_cast<double>(s.backend_connects)},
                             {{{"connection", "reused"}}, static_cast<double>(s.backend_reuses)},
                             {{{"connection", "retry"}}, static_cast<double>(s.retries)}};
            });
}

// Every request to a service broker is bounded (Cloud Controller's 60 s);
// MICROCF_BROKER_TIMEOUT_MS shortens it for tests of slow brokers.
uint64_t brokerTimeoutMs() {
  const char* v = std::getenv("MICROCF_BROKER_TIMEOUT_MS");
  uint64_t ms = 0;
  if (v && std::from_chars(v, v + std::strlen(v), ms).ec == std::errc() && ms > 0) return ms;
  return 60000;
}

base::Status buildComponents(Platform& p) {
  p.logs = std::make_unique<logs::LogStore>(
      p.clock, logs::LogLimits{static_cast<size_t>(p.options.log_buffer_envelopes),
                               static_cast<size_t>(p.options.log_buffer_mb) << 20});
  p.drains = std::make_unique<logs::DrainManager>(p.loop, *p.logs);
  p.metrics = std::make_unique<PlatformMetrics>(p.loop, p.clock);
  auto stacks = runner::StackRegistry::open(
      p.loop, {p.paths.stemcell, p.paths.stemcells, p.paths.stacks});
  if (!stacks.ok()) return stacks.takeError();
  p.stacks = std::move(stacks).value();
  // Stemcells extracted before are offered at once; new ones once extracted (off the loop).
  p.stacks->rescan();
  p.stacks_adapter = std::make_unique<StacksAdapter>(*p.stacks);
  runner::LinuxBackendConfig rc;
  rc.depot_dir = p.paths.depot;
  rc.lifecycle_dir = p.paths.lifecycle;
  rc.rootfs_lifecycle_dir = p.paths.lifecycle_rootfs;
  rc.stemcell_dir = p.paths.stemcell;
  rc.subnet = p.options.subnet;
  rc.stacks = p.stacks.get();
  auto backend = runner::LinuxBackend::open(p.loop, rc);
  if (!backend.ok()) return backend.takeError();
  p.backend = std::move(backend).value();
  auto running_rules = loadSecurityGroups(p.options.running_security_groups);
  if (!running_rules.ok()) return running_rules.takeError();
  auto staging_rules = p.options.staging_security_groups.empty()
                           ? defaultStagingRules()
                           : loadSecurityGroups(p.options.staging_security_groups);
  if (!staging_rules.ok()) return staging_rules.takeError();
  auto registry = stager::BuildpackRegistry::load(p.paths.buildpacks);
  if (!registry.ok()) return registry.takeError();
  p.buildpacks = std::make_unique<stager::BuildpackRegistry>(std::move(registry).value());
  MCF_TRY(seedShippedBuildpacks(*p.store, *p.buildpacks));
  MCF_TRY(reloadBuildpacks(*p.store, *p.buildpacks));
  stager::StagerConfig staging;
  staging.staging_root = p.paths.staging;
  staging.droplets_dir = p.paths.droplets;
  staging.caches_dir = p.paths.caches;
  staging.timeout_ms = p.options.staging_timeout_ms;
  staging.max_stagings = p.options.max_stagings > 0
                             ? p.options.max_stagings
                             : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  staging.net_out = *staging_rules;
  p.stager = std::make_unique<stager::Stager>(p.loop, *p.backend, *p.blobs, *p.logs,
                                              *p.buildpacks, std::move(staging));
  p.routes = std::make_unique<router::RouteTable>();
  p.route_adapter = std::make_unique<RouteAdapter>(*p.routes);
  scheduler::SchedulerConfig sched;
  sched.droplets_dir = p.paths.droplets;
  sched.cf_api = p.api_url;
  sched.domain = p.options.domain;
  sched.running_net_out = *running_rules;
  if (p.backend->unprivileged()) sayUnprivileged(sched);
  p.scheduler = std::make_unique<scheduler::Scheduler>(p.loop, *p.store, *p.backend, *p.blobs,
                                                       *p.logs, *p.route_adapter, p.clock, sched);
  scheduler::TaskRunnerConfig tasks;
  tasks.cf_api = p.api_url;
  tasks.net_out = *running_rules;
  p.tasks = std::make_unique<scheduler::TaskRunner>(p.loop, *p.store, *p.backend,
                                                    p.scheduler->droplets(), *p.logs, tasks);
  p.stager_adapter = std::make_unique<StagerAdapter>(*p.stager);
  p.stager_adapter->observe = [&p](std::string_view outcome) { p.metrics->onStaging(outcome); };
  p.runtime_adapter = std::make_unique<RuntimeAdapter>(*p.scheduler, *p.tasks, *p.backend,
                                                       p.options.memory_mb);
  p.osb = std::make_unique<services::OsbClient>(p.loop, p.api_url + "/v3/info",
                                                brokerTimeoutMs());
  for (const auto& [name, handler] : p.builtin_brokers) p.osb->addBuiltin(name, handler);
  controller::ControllerConfig cc;
  cc.osb = p.osb.get();
  cc.domain = p.options.domain;
  cc.api_url = p.api_url;
  cc.data_dir = p.paths.home;
  cc.tls_port = p.options.tls_port;
  cc.ssh_port = p.options.ssh_port;
  cc.bindings_changed = [&p](const std::string& app_guid) { refreshDrains(p, app_guid); };
  cc.metrics = [&p] { return p.metrics->scrape(); };
  cc.buildpacks_changed = [&p] {
    if (auto st = reloadBuildpacks(*p.store, *p.buildpacks); !st.ok())
      MCF_WARN("daemon", "reloading the admin buildpacks failed: {}", st.error().message);
  };
  p.controller = std::make_unique<controller::Controller>(
      p.loop, cc, *p.store, *p.blobs, *p.pool, *p.tokens, *p.logs, *p.stager_adapter,
      *p.runtime_adapter, *p.route_adapter, *p.stacks_adapter, p.clock);
  addSampledMetrics(p);
  return {};
}

// The built-in brokers are registered (first start) or their catalogs refreshed, and broker
// operations that were in progress when microcf stopped are polled again. Both finish on the
// loop; a built-in broker that fails to register is reported and the platform goes on.
base::Status startServiceBrokers(Platform& p) {
  for (const auto& entry : p.builtin_brokers) {
    std::string name = entry.first;
    p.controller->registerBuiltinBroker(name, services::kBuiltinScheme + name,
                                        [name](base::Status st) {
      if (!st.ok())
        MCF_WARN("daemon", "the built-in service broker {} could not be registered: {}", name,
                 st.error().message);
    });
  }
  p.controller->resumeServiceOperations();
  return {};
}

base::Status seedAdmin(Platform& p) {
  auto password = p.controller->seed();
  if (!password.ok()) return password.takeError();
  std::string path = base::joinPath(p.paths.home, "admin-credentials");
  if (!password->empty() || !base::pathExists(path)) {
    if (password->empty())
      return makeError(Errc::kIo,
                       "{} is missing and the admin user already exists; restore the file or "
                       "start with a new --data-dir",
                       path);
    nlohmann::json creds = {{"username", "admin"}, {"password", *password}};
    MCF_TRY(base::writeFileAtomic(path, creds.dump(2) + "\n", 0600));
  }
  return {};
}

// Routes survive in the store; the router's table is memory only.
base::Status loadRoutes(Platform& p) {
  auto routes = p.store->listRoutes("");
  if (!routes.ok()) return routes.takeError();
  for (const auto& route : *routes) {
    auto domain = p.store->getDomain(route.domain_guid);
    auto dests = p.store->listDestinations(route.guid);
    if (!domain.ok() || !dests.ok()) continue;
    std::string host = route.host.empty() ? domain->name : route.host + "." + domain->name;
    router::RouteOptions options;
    if (!route.loadbalancing.empty()) options.loadbalancing = route.loadbalancing;
    for (const auto& d : *dests) p.routes->mapRoute(host, route.path, d.app_guid, options);
  }
  return {};
}

base::Status setUpTls(Platform& p) {
  if (p.options.tls_port == 0) return {};
  auto tls = router::TlsContext::create(
      {base::joinPath(p.paths.home, "tls"), p.options.domain, p.options.tls_certs}, p.clock);
  if (!tls.ok()) return tls.takeError();
  p.tls = std::move(tls).value();
  if (p.tls->caCreated())
    MCF_INFO("daemon", "made the local CA {} for the HTTPS port", p.tls->caCertPath());
  for (const auto& line : p.tls->operatorCerts()) MCF_INFO("daemon", "TLS certificate {}", line);
  return {};
}

// How to make clients trust the local CA, said at every start with --tls-port.
void sayHowToTrust(const Platform& p) {
  const std::string& ca = p.tls->caCertPath();
  std::printf(
      "  HTTPS:     https://APP.%s:%d, certificates from the local CA %s%s\n"
      "             curl --cacert %s https://APP.%s:%d/\n"
      "             trust it system-wide (Debian, Ubuntu): sudo cp %s "
      "/usr/local/share/ca-certificates/microcf.crt && sudo update-ca-certificates\n",
      p.options.domain.c_str(), p.options.tls_port, ca.c_str(),
      p.tls->caCreated() ? " (new)" : "", ca.c_str(), p.options.domain.c_str(),
      p.options.tls_port, ca.c_str());
}

// Drains of every app bound to an instance with a syslog_drain_url.
base::Status startDrains(Platform& p) {
  auto bindings = p.store->listServiceBindings("", "");
  if (!bindings.ok()) return bindings.takeError();
  std::set<std::string> apps;
  for (const auto& b : *bindings) apps.insert(b.app_guid);
  for (const auto& a : apps) refreshDrains(p, a);
  p.metrics->startLoopProbe();
  return {};
}

base::Status listen(Platform& p) {
  auto* logs = p.logs.get();
  auto* metrics = p.metrics.get();
  p.router = std::make_unique<router::Router>(
      p.loop, *p.routes, router::RouterConfig{p.options.domain},
      [&p](http::Request&& req, http::Responder res) { p.controller->handle(std::move(req), std::move(res)); },
      [logs, metrics](const router::AccessRecord& rec) {
        char index[16];
        auto end = std::to_chars(index, index + sizeof index, rec.app_index).ptr;
        logs->emitLine(rec.app_guid, "RTR", std::string_view(index, end - index), false,
                       router::formatAccessLine(rec));
        metrics->recordRequest(rec.status, rec.response_seconds);
      });
  auto st = p.router->listen(p.options.listen_host, p.options.port);
  if (!st.ok())
    return makeError(Errc::kUnavailable, "{}. Stop what uses the port or pick another with --port.",
                     st.error().message);
  if (p.tls) {
    st = p.router->listenTls(p.options.listen_host, p.options.tls_port, *p.tls);
    if (!st.ok())
      return makeError(Errc::kUnavailable,
                       "{}. Stop what uses the port or pick another with --tls-port.",
                       st.error().message);
  }
  if (p.options.ssh_port > 0) {
    p.ssh = std::make_unique<controller::SshProxy>(p.loop, *p.controller, *p.runtime_adapter);
    st = p.ssh->listen(p.options.listen_host, p.options.ssh_port);
    if (!st.ok())
      return makeError(Errc::kUnavailable,
                       "{}. Stop what uses the port, pick another with --ssh-port, or disable "
                       "ssh with --ssh-port 0.",
                       st.error().message);
  }
  return {};
}

base::Status writeDaemonFile(Platform& p) {
  nlohmann::json d = {{"api", p.api_url},
                      {"port", p.options.port},
                      {"domain", p.options.domain},
                      {"ssh_port", p.options.ssh_port},
                      {"tls_port", p.options.tls_port},
                      {"pid", ::getpid()}};
  return base::writeFileAtomic(p.paths.daemon_file, d.dump(2) + "\n", 0644);
}

}  // namespace

int runDaemon(const DaemonOptions& options) {
  base::SystemClock wall;
  int64_t started = wall.steadyMs();
  Platform p;
  p.options = options;
  p.api_url = fmt::format("http://api.{}:{}", options.domain, options.port);
  auto paths = resolvePaths(options);
  if (!paths.ok()) {
    std::fprintf(stderr, "microcf up: %s\n", paths.error().message.c_str());
    return 1;
  }
  p.paths = *paths;

  // Each phase either succeeds or stops start-up with a message that says what to do.
  struct Phase {
    const char* name;
    base::Status (*run)(Platform&);
  };
  const Phase phases[] = {
      {"prepare the data dir", [](Platform& p) { return prepareDataDir(p.paths); }},
      {"take the data dir lock", lockDataDir},
      {"set up TLS", setUpTls},
      {"open the database and blobstore", openState},
      {"install the lifecycle", [](Platform& p) { return installLifecycle(p.paths); }},
      {"load the token signing key", loadSigningKey},
      {"build the components", buildComponents},
      {"create the admin user", seedAdmin},
      {"load the routes", loadRoutes},
      {"start the syslog drains", startDrains},
      {"start the service brokers", startServiceBrokers},
      {"listen", listen},
      {"write daemon.json", writeDaemonFile},
  };
  for (const auto& phase : phases) {
    auto st = phase.run(p);
    if (!st.ok()) {
      std::fprintf(stderr, "microcf up: cannot %s: %s\n", phase.name, st.error().message.c_str());
      return 1;
    }
  }
  p.scheduler->start();
  p.tasks->start();

  std::printf(
      "microcf is up in %.2fs\n"
      "  API:       %s\n"
      "  apps:      http://APP.%s:%d\n"
      "  data dir:  %s\n"
      "  memory:    %lld MB for apps (--memory)\n"
      "  staging:   %d at once (--max-stagings), %llus timeout (--staging-timeout)\n"
      "  admin:     user 'admin', password in %s\n",
      (wall.steadyMs() - started) / 1000.0, p.api_url.c_str(), options.domain.c_str(),
      options.port, p.paths.home.c_str(),
      static_cast<long long>(p.runtime_adapter->memoryCapacityMb()),
      p.stager->config().max_stagings,
      static_cast<unsigned long long>(p.stager->config().timeout_ms / 1000),
      base::joinPath(p.paths.home, "admin-credentials").c_str());
  if (p.tls) sayHowToTrust(p);
  std::printf("Push an app from another terminal:  microcf push ./examples/static\n");
  std::fflush(stdout);

  loop::Signal sigterm(p.loop), sigint(p.loop);
  loop::Timer deadline(p.loop);
  bool stopping = false;
  auto stop = [&](int sig) {
    if (stopping) return;
    stopping = true;
    MCF_INFO("daemon", "{} received: stopping every app instance", sig == SIGINT ? "SIGINT" : "SIGTERM");
    p.router->close();
    if (p.ssh) p.ssh->close();
    // Instances and tasks get Cloud Foundry's 10 s grace; the deadline covers anything that
    // hangs. The loop stops once both are done.
    deadline.start(15000, 0, [&] { p.loop.stop(); });
    auto left = std::make_shared<int>(2);
    auto one_done = [&p, left] {
      if (--*left == 0) p.loop.stop();
    };
    p.scheduler->shutdown(one_done);
    p.tasks->shutdown(one_done);
  };
  sigterm.start(SIGTERM, stop);
  sigint.start(SIGINT, stop);
  ::signal(SIGPIPE, SIG_IGN);
  p.loop.run();
  ::unlink(p.paths.daemon_file.c_str());
  MCF_INFO("daemon", "stopped");
  return 0;
}

}  // namespace mcf::daemon
