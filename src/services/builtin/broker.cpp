// The OSB v2 surface shared by the built-in brokers, their state file, and the set of three.
#include "services/builtin/broker.h"

#include <fmt/format.h>

#include "base/fs.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strutil.h"

namespace mcf::services::builtin {

using nlohmann::json;

namespace {

http::Response reply(int status, const json& body) {
  return http::Response::json(status, body.dump());
}

http::Response osbError(int status, const std::string& error, const std::string& description) {
  json body = {{"description", description}};
  if (!error.empty()) body["error"] = error;
  return reply(status, body);
}

bool acceptsIncomplete(const std::string& query) {
  for (const auto& part : base::split(query, '&'))
    if (part == "accepts_incomplete=true") return true;
  return false;
}

}  // namespace

std::string randomPassword() { return base::randomHex(16); }

Broker::Broker(loop::Loop& loop, runner::Backend& backend, BuiltinConfig config,
               Offering offering)
    : loop_(loop),
      backend_(backend),
      config_(std::move(config)),
      offering_(std::move(offering)),
      dir_(base::joinPath(base::joinPath(config_.data_dir, "services"), offering_.name)) {}

Broker::~Broker() { *alive_ = false; }

json Broker::catalogService() const {
  bool have = installed();
  std::string description = offering_.description;
  if (!have) description += " (not installed: apt-get install " + offering_.package + ")";
  json plan = {{"id", offering_.plan_id},
               {"name", "default"},
               {"description", offering_.name == "redis"
                                   ? "A dedicated Redis server with a user per binding"
                                   : "A dedicated database on the shared " + offering_.product +
                                         " server, with a user per binding"},
               {"free", true},
               {"bindable", true},
               {"plan_updateable", false},
               {"metadata", {{"displayName", "Default"}}}};
  return {{"id", offering_.service_id},
          {"name", offering_.name},
          {"description", description},
          {"bindable", true},
          {"plan_updateable", false},
          {"instances_retrievable", false},
          {"bindings_retrievable", false},
          {"allow_context_updates", false},
          {"tags", offering_.tags},
          {"requires", json::array()},
          {"metadata",
           {{"displayName", offering_.product},
            {"providerDisplayName", "microcf"},
            {"installed", have},
            {"package", offering_.package}}},
          {"plans", json::array({plan})}};
}

void Broker::handle(const http::Request& request, std::function<void(http::Response)> done) {
  http::Request req = request;
  if (req.path.empty()) req.splitTarget();
  auto parts = base::split(req.path, '/');
  // "/v2/catalog" splits into "", "v2", "catalog".
  std::vector<std::string> p;
  for (auto& s : parts)
    if (!s.empty()) p.push_back(s);
  if (p.size() < 2 || p[0] != "v2") {
    done(osbError(404, "", "Not found: " + req.path));
    return;
  }
  if (p.size() == 2 && p[1] == "catalog" && req.method == "GET") {
    done(reply(200, {{"services", json::array({catalogService()})}}));
    return;
  }
  if (p[1] != "service_instances" || p.size() < 3) {
    done(osbError(404, "", "Not found: " + req.path));
    return;
  }
  const std::string& iid = p[2];
  bool incomplete = acceptsIncomplete(req.query);
  json body = json::object();
  if (!req.body.empty()) {
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      done(osbError(400, "", "The request body is not a JSON object."));
      return;
    }
  }
  if (p.size() == 3) {
    if (req.method == "PUT") {
      if (!incomplete) {
        done(osbError(422, "AsyncRequired",
                      "This service plan requires client support for asynchronous service "
                      "operations."));
        return;
      }
      provision(iid, body, std::move(done));
      return;
    }
    if (req.method == "DELETE") {
      if (!incomplete) {
        done(osbError(422, "AsyncRequired",
                      "This service plan requires client support for asynchronous service "
                      "operations."));
        return;
      }
      deprovision(iid, std::move(done));
      return;
    }
  }
  if (p.size() == 4 && p[3] == "last_operation" && req.method == "GET") {
    lastOperation(iid, std::move(done));
    return;
  }
  if (p.size() == 5 && p[3] == "service_bindings") {
    if (req.method == "PUT") {
      bind(iid, p[4], body, std::move(done));
      return;
    }
    if (req.method == "DELETE") {
      unbind(iid, p[4], std::move(done));
      return;
    }
  }
  done(osbError(404, "", fmt::format("Not found: {} {}", req.method, req.path)));
}

Broker::Instance* Broker::findInstance(const std::string& id) {
  auto it = instances_.find(id);
  return it == instances_.end() ? nullptr : &it->second;
}

void Broker::provision(const std::string& iid, const json& body,
                       std::function<void(http::Response)> done) {
  std::string service_id = body.value("service_id", "");
  std::string plan_id = body.value("plan_id", "");
  if (service_id != offering_.service_id) {
    done(osbError(400, "", fmt::format("Unknown service_id '{}'; this broker offers {} ({}).",
                                       service_id, offering_.name, offering_.service_id)));
    return;
  }
  if (plan_id != offering_.plan_id) {
    done(osbError(400, "", fmt::format("Unknown plan_id '{}' of service {}.", plan_id,
                                       offering_.name)));
    return;
  }
  if (!installed()) {
    done(osbError(422, "NotInstalled",
                  fmt::format("{} is not installed on this machine. Install it with: sudo "
                              "apt-get install {}, then try again.",
                              offering_.product, offering_.package)));
    return;
  }
  if (Instance* existing = findInstance(iid)) {
    if (existing->operation == "deprovision" && existing->state == "in progress") {
      done(osbError(422, "ConcurrencyError", "The service instance is being deleted."));
      return;
    }
    if (existing->state != "failed") {
      if (existing->service_id != service_id || existing->plan_id != plan_id) {
        done(reply(409, json::object()));
      } else if (existing->state == "succeeded") {
        done(reply(200, json::object()));
      } else {
        done(reply(202, {{"operation", "provision"}}));
      }
      return;
    }
    // A failed one is provisioned again from the start.
  }
  Instance& inst = instances_[iid];
  inst.id = iid;
  inst.service_id = service_id;
  inst.plan_id = plan_id;
  inst.operation = "provision";
  inst.state = "in progress";
  inst.description = "Creating the " + offering_.product + " instance";
  if (auto st = save(); !st.ok()) {
    instances_.erase(iid);
    done(osbError(500, "", st.error().message));
    return;
  }
  done(reply(202, {{"operation", "provision"}}));
  std::weak_ptr<bool> alive = alive_;
  provisionInstance(inst, [this, alive, iid](base::Status st) {
    if (alive.expired()) return;
    Instance* i = findInstance(iid);
    if (!i) return;
    i->state = st.ok() ? "succeeded" : "failed";
    i->description = st.ok() ? offering_.product + " instance ready" : st.error().message;
    if (!st.ok()) MCF_WARN("services", "{} instance {}: {}", offering_.name, iid, i->description);
    (void)save();
  });
}

void Broker::deprovision(const std::string& iid, std::function<void(http::Response)> done) {
  Instance* inst = findInstance(iid);
  if (!inst) {
    done(reply(410, json::object()));
    return;
  }
  if (inst->state == "in progress") {
    if (inst->operation == "deprovision") {
      done(reply(202, {{"operation", "deprovision"}}));
    } else {
      done(osbError(422, "ConcurrencyError", "The service instance is still being created."));
    }
    return;
  }
  if (!installed()) {
    // Nothing can reach its data without the server: the records go, the files stay.
    MCF_WARN("services", "{} instance {} deleted while {} is not installed; its files stay in {}",
             offering_.name, iid, offering_.product, dir_);
    for (auto it = bindings_.begin(); it != bindings_.end();)
      it = it->second.instance_id == iid ? bindings_.erase(it) : std::next(it);
    instances_.erase(iid);
    (void)save();
    done(reply(200, json::object()));
    return;
  }
  inst->operation = "deprovision";
  inst->state = "in progress";
  inst->description = "Deleting the " + offering_.product + " instance";
  (void)save();
  done(reply(202, {{"operation", "deprovision"}}));
  std::weak_ptr<bool> alive = alive_;
  deprovisionInstance(*inst, [this, alive, iid](base::Status st) {
    if (alive.expired()) return;
    Instance* i = findInstance(iid);
    if (!i) return;
    if (st.ok()) {
      for (auto it = bindings_.begin(); it != bindings_.end();)
        it = it->second.instance_id == iid ? bindings_.erase(it) : std::next(it);
      instances_.erase(iid);
    } else {
      i->state = "failed";
      i->description = st.error().message;
      MCF_WARN("services", "deleting {} instance {}: {}", offering_.name, iid, i->description);
    }
    (void)save();
  });
}

void Broker::lastOperation(const std::string& iid, std::function<void(http::Response)> done) {
  Instance* inst = findInstance(iid);
  if (!inst) {
    done(reply(410, json::object()));
    return;
  }
  done(reply(200, {{"state", inst->state}, {"description", inst->description}}));
}

void Broker::bind(const std::string& iid, const std::string& bid, const json& body,
                  std::function<void(http::Response)> done) {
  (void)body;
  Instance* inst = findInstance(iid);
  if (!inst || (inst->operation == "deprovision" && inst->state != "failed")) {
    done(osbError(404, "", fmt::format("The service instance {} does not exist.", iid)));
    return;
  }
  if (inst->state != "succeeded") {
    done(osbError(422, "ConcurrencyError",
                  inst->state == "in progress" ? "The service instance is still being created."
                                               : "The service instance failed: " +
                                                     inst->description));
    return;
  }
  if (auto it = bindings_.find(bid); it != bindings_.end()) {
    if (it->second.instance_id != iid) {
      done(reply(409, json::object()));
      return;
    }
    if (it->second.data.value("pending", false)) {
      done(osbError(422, "ConcurrencyError", "The binding is being created."));
      return;
    }
    done(reply(200, {{"credentials", it->second.credentials}}));
    return;
  }
  Binding& b = bindings_[bid];
  b.id = bid;
  b.instance_id = iid;
  b.data["pending"] = true;
  std::weak_ptr<bool> alive = alive_;
  bindInstance(*inst, b, [this, alive, bid, done = std::move(done)](base::Status st) {
    if (alive.expired()) return;
    auto it = bindings_.find(bid);
    if (it == bindings_.end()) {
      done(osbError(500, "", "The binding vanished while it was created."));
      return;
    }
    if (!st.ok()) {
      bindings_.erase(it);
      MCF_WARN("services", "binding {} {}: {}", offering_.name, bid, st.error().message);
      done(osbError(500, "", st.error().message));
      return;
    }
    it->second.data.erase("pending");
    if (auto saved = save(); !saved.ok()) {
      done(osbError(500, "", saved.error().message));
      return;
    }
    done(reply(201, {{"credentials", it->second.credentials}}));
  });
}

void Broker::unbind(const std::string& iid, const std::string& bid,
                    std::function<void(http::Response)> done) {
  auto it = bindings_.find(bid);
  Instance* inst = findInstance(iid);
  if (it == bindings_.end() || it->second.instance_id != iid || !inst) {
    done(reply(410, json::object()));
    return;
  }
  if (it->second.data.value("pending", false) || it->second.data.value("unbinding", false)) {
    done(osbError(422, "ConcurrencyError", "The binding is being changed."));
    return;
  }
  if (!installed()) {
    bindings_.erase(it);
    (void)save();
    done(reply(200, json::object()));
    return;
  }
  it->second.data["unbinding"] = true;
  std::weak_ptr<bool> alive = alive_;
  unbindInstance(*inst, it->second, [this, alive, bid, done = std::move(done)](base::Status st) {
    if (alive.expired()) return;
    auto it = bindings_.find(bid);
    if (it == bindings_.end()) {
      done(reply(410, json::object()));
      return;
    }
    if (!st.ok()) {
      it->second.data.erase("unbinding");
      MCF_WARN("services", "unbinding {} {}: {}", offering_.name, bid, st.error().message);
      done(osbError(500, "", st.error().message));
      return;
    }
    bindings_.erase(it);
    (void)save();
    done(reply(200, json::object()));
  });
}

base::Status Broker::save() {
  json instances = json::object();
  for (const auto& [id, i] : instances_) {
    instances[id] = {{"service_id", i.service_id}, {"plan_id", i.plan_id},
                     {"operation", i.operation},   {"state", i.state},
                     {"description", i.description}, {"data", i.data}};
  }
  json bindings = json::object();
  for (const auto& [id, b] : bindings_) {
    if (b.data.value("pending", false)) continue;
    json data = b.data;
    data.erase("unbinding");
    bindings[id] = {{"instance_id", b.instance_id}, {"credentials", b.credentials},
                    {"data", data}};
  }
  json state = {{"server", server_}, {"instances", instances}, {"bindings", bindings}};
  MCF_TRY(base::makeDirs(dir_, 0700));
  return base::writeFileAtomic(base::joinPath(dir_, "state.json"), state.dump(2) + "\n", 0600);
}

base::Status Broker::load() {
  std::string path = base::joinPath(dir_, "state.json");
  if (!base::pathExists(path)) return {};
  auto text = base::readFile(path);
  if (!text.ok()) return text.takeError();
  json state = json::parse(*text, nullptr, false);
  if (state.is_discarded() || !state.is_object())
    return base::makeError(base::Errc::kInvalid, "{} is not valid JSON", path);
  server_ = state.value("server", json::object());
  const json instances = state.value("instances", json::object());
  const json bindings = state.value("bindings", json::object());
  for (const auto& [id, j] : instances.items()) {
    Instance i;
    i.id = id;
    i.service_id = j.value("service_id", "");
    i.plan_id = j.value("plan_id", "");
    i.operation = j.value("operation", "provision");
    i.state = j.value("state", "failed");
    i.description = j.value("description", "");
    i.data = j.value("data", json::object());
    instances_[id] = std::move(i);
  }
  for (const auto& [id, j] : bindings.items()) {
    Binding b;
    b.id = id;
    b.instance_id = j.value("instance_id", "");
    b.credentials = j.value("credentials", json::object());
    b.data = j.value("data", json::object());
    bindings_[id] = std::move(b);
  }
  return {};
}

base::Status Broker::start() {
  MCF_TRY(load());
  startServers();
  // Operations that microcf's stop cut short are carried out again (each step is repeatable).
  std::weak_ptr<bool> alive = alive_;
  for (auto& [id, inst] : instances_) {
    if (inst.state != "in progress") continue;
    std::string iid = id;
    MCF_INFO("services", "{} instance {}: resuming its {}", offering_.name, iid, inst.operation);
    if (inst.operation == "provision") {
      provisionInstance(inst, [this, alive, iid](base::Status st) {
        if (alive.expired()) return;
        if (Instance* i = findInstance(iid)) {
          i->state = st.ok() ? "succeeded" : "failed";
          i->description = st.ok() ? offering_.product + " instance ready" : st.error().message;
          (void)save();
        }
      });
    } else {
      deprovisionInstance(inst, [this, alive, iid](base::Status st) {
        if (alive.expired()) return;
        if (!st.ok()) {
          if (Instance* i = findInstance(iid)) {
            i->state = "failed";
            i->description = st.error().message;
          }
        } else {
          for (auto it = bindings_.begin(); it != bindings_.end();)
            it = it->second.instance_id == iid ? bindings_.erase(it) : std::next(it);
          instances_.erase(iid);
        }
        (void)save();
      });
    }
  }
  return {};
}

BuiltinBrokers::BuiltinBrokers(loop::Loop& loop, runner::Backend& backend,
                               BuiltinConfig config) {
  brokers_.push_back(makePostgresBroker(loop, backend, config));
  brokers_.push_back(makeMysqlBroker(loop, backend, config));
  brokers_.push_back(makeRedisBroker(loop, backend, config));
}

BuiltinBrokers::~BuiltinBrokers() = default;

void BuiltinBrokers::start() {
  for (auto& b : brokers_) {
    if (auto st = b->start(); !st.ok())
      MCF_WARN("services", "the {} broker could not load its state: {}", b->offering().name,
               st.error().message);
  }
}

void BuiltinBrokers::shutdown(std::function<void()> done) {
  auto left = std::make_shared<size_t>(brokers_.size());
  auto shared = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& b : brokers_) {
    b->shutdown([left, shared] {
      if (--*left == 0 && *shared) (*shared)();
    });
  }
}

std::map<std::string, OsbHandler*> BuiltinBrokers::handlers() {
  std::map<std::string, OsbHandler*> out;
  for (auto& b : brokers_) out[b->offering().name] = b.get();
  return out;
}

Broker* BuiltinBrokers::find(const std::string& name) {
  for (auto& b : brokers_)
    if (b->offering().name == name) return b.get();
  return nullptr;
}

}  // namespace mcf::services::builtin
