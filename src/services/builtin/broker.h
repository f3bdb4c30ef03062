// The built-in service brokers: PostgreSQL, MariaDB (offering "mysql") and Redis as Open
// Service Broker v2 brokers that live in this process (services::OsbHandler).
//
// Owns: each broker's OSB surface (catalog, asynchronous provision and deprovision with
// last_operation, synchronous bind and unbind), its state file
// <data>/services/<name>/state.json (instances, bindings, the servers' addresses and admin
// passwords; written atomically), and the data servers it runs (data_server.h): one shared
// PostgreSQL and one MariaDB server with a database per instance, one redis-server per
// instance. Every binding gets a user of its own, dropped at unbind.
// Does not own: the platform's records of instances and bindings (the controller and store),
// the servers' binaries (the host's packages, shown in containers by the host stack).
// Thread: the loop's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "loop/loop.h"
#include "runner/backend.h"
#include "services/builtin/data_server.h"
#include "services/osb_handler.h"

namespace mcf::services::builtin {

struct BuiltinConfig {
  std::string data_dir;   // microcf's data dir; state and data go to <data_dir>/services/<name>
  std::string root = "/";  // where the servers' binaries are looked for (tests use a fake tree)
  ServerTiming timing;
  int memory_mb = 512;    // memory limit of each server's container
};

// What the catalog says of an offering and how to install its server.
struct Offering {
  std::string name;          // "postgresql"
  std::string service_id;    // fixed UUIDs: the catalog is the same at every start
  std::string plan_id;
  std::string description;   // without the "(not installed ...)" note
  std::vector<std::string> tags;
  std::string product;       // "PostgreSQL"
  std::string package;       // "postgresql"
};

class Broker : public OsbHandler {
 public:
  Broker(loop::Loop& loop, runner::Backend& backend, BuiltinConfig config, Offering offering);
  ~Broker() override;

  void handle(const http::Request& request, std::function<void(http::Response)> done) override;

  // Loads the state file and starts the servers of existing instances (microcf restarted).
  // Call once, before apps start: a server asks again for the address it had.
  base::Status start();
  // Asks every server to stop; done runs when they did.
  virtual void shutdown(std::function<void()> done) = 0;
  // Are the server's binaries on this machine?
  virtual bool installed() const = 0;

  const Offering& offering() const { return offering_; }
  nlohmann::json catalogService() const;
  // The servers this broker runs now (tests and the e2e find their processes by these).
  virtual std::vector<DataServer*> servers() = 0;

 protected:
  struct Instance {
    std::string id;
    std::string service_id;
    std::string plan_id;
    std::string operation;  // "provision" | "deprovision"
    std::string state;      // "in progress" | "succeeded" | "failed"
    std::string description;
    nlohmann::json data = nlohmann::json::object();  // the engine's: database name, ports, ...
  };
  struct Binding {
    std::string id;
    std::string instance_id;
    nlohmann::json credentials = nlohmann::json::object();
    nlohmann::json data = nlohmann::json::object();  // the engine's: user name
  };
  using Done = std::function<void(base::Status)>;

  // The engine's work. Each runs done exactly once, on the loop.
  virtual void provisionInstance(Instance& instance, Done done) = 0;
  virtual void deprovisionInstance(const Instance& instance, Done done) = 0;
  virtual void bindInstance(const Instance& instance, Binding& binding, Done done) = 0;
  virtual void unbindInstance(const Instance& instance, const Binding& binding, Done done) = 0;
  // At start, with the state loaded: start the servers that existing instances need.
  virtual void startServers() = 0;

  base::Status save();
  Instance* findInstance(const std::string& id);

  loop::Loop& loop_;
  runner::Backend& backend_;
  BuiltinConfig config_;
  Offering offering_;
  std::string dir_;  // <data>/services/<name>
  nlohmann::json server_ = nlohmann::json::object();  // the engine's server-wide state
  std::map<std::string, Instance> instances_;
  std::map<std::string, Binding> bindings_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 private:
  void provision(const std::string& iid, const nlohmann::json& body,
                 std::function<void(http::Response)> done);
  void deprovision(const std::string& iid, std::function<void(http::Response)> done);
  void lastOperation(const std::string& iid, std::function<void(http::Response)> done);
  void bind(const std::string& iid, const std::string& bid, const nlohmann::json& body,
            std::function<void(http::Response)> done);
  void unbind(const std::string& iid, const std::string& bid,
              std::function<void(http::Response)> done);
  base::Status load();
};

// A random password of hex digits (safe in SQL literals, URIs and config files).
std::string randomPassword();

// The three brokers, made and started together by the daemon.
class BuiltinBrokers {
 public:
  BuiltinBrokers(loop::Loop& loop, runner::Backend& backend, BuiltinConfig config);
  ~BuiltinBrokers();
  // Loads each broker's state and restarts the servers of existing instances. Errors of one
  // broker are logged; the others start anyway.
  void start();
  // Stops every server cleanly; done runs once all exited.
  void shutdown(std::function<void()> done);
  // name ("postgresql", "mysql", "redis") → broker, for the OSB client's builtin:// URLs.
  std::map<std::string, OsbHandler*> handlers();
  Broker* find(const std::string& name);

 private:
  std::vector<std::unique_ptr<Broker>> brokers_;
};

std::unique_ptr<Broker> makePostgresBroker(loop::Loop& loop, runner::Backend& backend,
                                           BuiltinConfig config);
std::unique_ptr<Broker> makeMysqlBroker(loop::Loop& loop, runner::Backend& backend,
                                        BuiltinConfig config);
std::unique_ptr<Broker> makeRedisBroker(loop::Loop& loop, runner::Backend& backend,
                                        BuiltinConfig config);

}  // namespace mcf::services::builtin
