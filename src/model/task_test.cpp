// Task states, their legal moves, and the environment a task runs with.
#include "model/task.h"

#include <doctest/doctest.h>

#include "model/environment.h"

using namespace mcf::model;

TEST_CASE("task states round-trip by Cloud Foundry's names") {
  for (TaskState s : {TaskState::kPending, TaskState::kRunning, TaskState::kSucceeded,
                      TaskState::kFailed, TaskState::kCanceling}) {
    CHECK(taskStateFrom(toString(s)) == s);
  }
  CHECK(!taskStateFrom("CANCELLED").has_value());
  CHECK(std::string(toString(TaskState::kCanceling)) == "CANCELING");
}

TEST_CASE("task state machine: only PENDING -> RUNNING -> SUCCEEDED | FAILED and cancels") {
  using S = TaskState;
  CHECK(legalTransition(S::kPending, S::kRunning));
  CHECK(legalTransition(S::kRunning, S::kSucceeded));
  CHECK(legalTransition(S::kRunning, S::kFailed));
  CHECK(legalTransition(S::kPending, S::kCanceling));
  CHECK(legalTransition(S::kRunning, S::kCanceling));
  CHECK(legalTransition(S::kCanceling, S::kFailed));
  CHECK(legalTransition(S::kPending, S::kFailed));
  CHECK_FALSE(legalTransition(S::kPending, S::kSucceeded));
  CHECK_FALSE(legalTransition(S::kCanceling, S::kSucceeded));
  CHECK_FALSE(legalTransition(S::kSucceeded, S::kFailed));
  CHECK_FALSE(legalTransition(S::kFailed, S::kRunning));
  CHECK_FALSE(legalTransition(S::kSucceeded, S::kCanceling));
  CHECK(isFinal(S::kSucceeded));
  CHECK(isFinal(S::kFailed));
  CHECK_FALSE(isFinal(S::kCanceling));
}

TEST_CASE("a task's log source type carries its name as given") {
  Task t;
  t.name = "db-Migrate";
  CHECK(taskSourceType(t) == "APP/TASK/db-Migrate");
}

static std::string valueOf(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& kv : env)
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return "<missing>";
}

TEST_CASE("a task's environment is the app's, with its limits and no PORT") {
  App app;
  app.guid = "a-guid";
  app.name = "hello";
  app.env = {{"GREETING", "hi"}, {"PORT", "1"}};
  Space space{{}, "s-guid", "dev", "o-guid"};
  Org org{{}, "o-guid", "microcf"};
  AppContext ctx{&app, nullptr, &space, &org, {"hello.localhost"}, "http://api.localhost:8080",
                 128, 512};
  auto env = taskEnvironment(ctx, "t-guid", "10.0.0.5");
  CHECK(valueOf(env, "GREETING") == "hi");
  CHECK(valueOf(env, "PORT") == "<missing>");
  CHECK(valueOf(env, "CF_INSTANCE_INDEX") == "<missing>");
  CHECK(valueOf(env, "CF_INSTANCE_GUID") == "t-guid");
  CHECK(valueOf(env, "CF_INSTANCE_IP") == "10.0.0.5");
  CHECK(valueOf(env, "MEMORY_LIMIT") == "128m");
  CHECK(valueOf(env, "HOME") == "/home/vcap/app");
  auto vcap = nlohmann::json::parse(valueOf(env, "VCAP_APPLICATION"));
  CHECK(vcap["application_name"] == "hello");
  CHECK(vcap["limits"]["mem"] == 128);
  CHECK(vcap["limits"]["disk"] == 512);
  CHECK(vcap["space_name"] == "dev");
}
