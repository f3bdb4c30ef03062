// An OSB broker in memory for the controller's tests (registered as builtin://NAME): it
// answers by plan (small: sync, async: 202 then polled, fails: 500, badjson: 201 that is not
// JSON), counts last_operation polls and logs every request as "METHOD PATH?QUERY".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "services/osb_handler.h"

namespace mcf::controller::testing {

constexpr const char* kCatalog = R"({"services":[{"id":"svc-id","name":"overview",
  "description":"The overview service","bindable":true,"tags":["ov"],"plan_updateable":true,
  "plans":[{"id":"small-id","name":"small","description":"sync"},
           {"id":"async-id","name":"async","description":"async"},
           {"id":"fails-id","name":"fails","description":"500"},
           {"id":"badjson-id","name":"badjson","description":"not JSON"}]}]})";

// An OSB broker in memory: answers by plan, counts last_operation polls, logs requests.
class FakeBroker : public services::OsbHandler {
 public:
  void handle(const http::Request& r, std::function<void(http::Response)> done) override {
    requests.push_back(r.method + " " + r.path + (r.query.empty() ? "" : "?" + r.query));
    nlohmann::json body = r.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(r.body);
    std::string plan = body.value("plan_id", "");
    if (r.path == "/v2/catalog") return done(http::Response::json(200, catalog));
    if (r.path.ends_with("/last_operation")) {
      if (++polls < 2) return done(http::Response::json(200, R"({"state":"in progress","description":"half way"})"));
      return done(http::Response::json(200, last_state));
    }
    if (r.method == "PUT" && r.path.find("/service_bindings/") != std::string::npos) {
      if (plan == "async-id") return done(http::Response::json(202, R"({"operation":"bind-1"})"));
      return done(http::Response::json(201, R"({"credentials":{"uri":"ov://u@h/db","username":"u"}})"));
    }
    if (r.method == "GET" && r.path.find("/service_bindings/") != std::string::npos)
      return done(http::Response::json(200, R"({"credentials":{"uri":"ov://async@h/db"}})"));
    if (r.method == "PUT") {
      if (plan == "async-id") return done(http::Response::json(202, R"({"operation":"prov-1"})"));
      if (plan == "fails-id") return done(http::Response::json(500, R"({"description":"disk full"})"));
      if (plan == "badjson-id") return done(http::Response::text(201, "<html>"));
      return done(http::Response::json(201, R"({"dashboard_url":"http://dash"})"));
    }
    if (r.method == "DELETE") return done(http::Response::json(200, "{}"));
    if (r.method == "PATCH") return done(http::Response::json(200, "{}"));
    done(http::Response::json(404, "{}"));
  }
  size_t count(const std::string& prefix) const {
    size_t n = 0;
    for (const auto& r : requests) n += r.starts_with(prefix);
    return n;
  }
  std::string catalog = kCatalog;
  std::string last_state = R"({"state":"succeeded"})";
  int polls = 0;
  std::vector<std::string> requests;
};


}  // namespace mcf::controller::testing
