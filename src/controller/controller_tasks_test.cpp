// Tests of tasks through Controller::handle: create, show, list with filters, cancel, and the
// errors of CC v3 (/v3/apps/:guid/tasks, /v3/tasks).
#include <doctest/doctest.h>

#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

// The process types of the apps below: web, and worker for tasks from a process template.
const std::map<std::string, std::string> kTypes = {{"web", "bash run.sh"},
                                                   {"worker", "bash work.sh"}};

json errorOf(const http::Response& r) { return json::parse(r.body)["errors"][0]; }

}  // namespace

TEST_CASE("POST /v3/apps/:guid/tasks creates a PENDING task from the current droplet") {
  Harness h;
  std::string app = h.stagedApp("worker", kTypes);
  std::string droplet = h.call("GET", "/v3/apps/" + app)["relationships"]["current_droplet"]["data"]["guid"];
  http::Response r = h.as_admin("POST", "/v3/apps/" + app + "/tasks",
                                json({{"command", "bin/migrate"}, {"name", "migrate"},
                                      {"memory_in_mb", 256}, {"disk_in_mb", 512},
                                      {"log_rate_limit_in_bytes_per_second", 1024}}).dump());
  REQUIRE(r.status == 202);
  json t = json::parse(r.body);
  CHECK(t["sequence_id"] == 1);
  CHECK(t["name"] == "migrate");
  CHECK(t["command"] == "bin/migrate");
  CHECK(t["state"] == "PENDING");
  CHECK(t["memory_in_mb"] == 256);
  CHECK(t["disk_in_mb"] == 512);
  CHECK(t["log_rate_limit_in_bytes_per_second"] == 1024);
  CHECK(t["result"] == json({{"failure_reason", nullptr}}));
  CHECK(t["droplet_guid"] == droplet);
  CHECK(t["relationships"]["app"]["data"]["guid"] == app);
  CHECK(t["metadata"] == json({{"labels", json::object()}, {"annotations", json::object()}}));
  std::string guid = t["guid"];
  CHECK(t["links"]["self"]["href"] == "http://api.localhost:8080/v3/tasks/" + guid);
  CHECK(t["links"]["app"]["href"] == "http://api.localhost:8080/v3/apps/" + app);
  CHECK(t["links"]["cancel"] == json({{"href", "http://api.localhost:8080/v3/tasks/" + guid +
                                                   "/actions/cancel"},
                                      {"method", "POST"}}));
  CHECK(t["links"]["droplet"]["href"] == "http://api.localhost:8080/v3/droplets/" + droplet);
  CHECK(t["created_at"].get<std::string>().back() == 'Z');
  CHECK(h.runtime.tasks_created == std::vector<std::string>{guid});

  // Defaults: a random 8-hex name, Cloud Controller's default memory and disk; ids count up.
  json second = h.call("POST", "/v3/apps/" + app + "/tasks", {{"command", "true"}});
  CHECK(second["sequence_id"] == 2);
  std::string name = second["name"];
  CHECK(name.size() == 8);
  CHECK(name.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(second["memory_in_mb"] == 1024);
  CHECK(second["disk_in_mb"] == 1024);
  CHECK(second["log_rate_limit_in_bytes_per_second"] == -1);

  json shown = h.call("GET", "/v3/tasks/" + guid);
  CHECK(shown["name"] == "migrate");
  CHECK(shown["command"] == "bin/migrate");
}

TEST_CASE("a process template gives the task its command and limits") {
  Harness h;
  std::string app = h.stagedApp("worker", kTypes);
  json processes = h.call("GET", "/v3/apps/" + app + "/processes");
  std::string worker;
  for (const auto& p : processes["resources"])
    if (p["type"] == "worker") worker = p["guid"];
  REQUIRE(!worker.empty());
  json t = h.call("POST", "/v3/apps/" + app + "/tasks",
                  {{"template", {{"process", {{"guid", worker}}}}}});
  CHECK(t["command"] == "bash work.sh");
  CHECK(t["state"] == "PENDING");
  http::Response bad = h.as_admin("POST", "/v3/apps/" + app + "/tasks",
                                  json({{"template", {{"process", {{"guid", "nope"}}}}}}).dump());
  CHECK(bad.status == 404);
  CHECK(errorOf(bad)["detail"] == "Process not found");
}

TEST_CASE("task creation errors: no droplet, no command, bad limits, unknown app or droplet") {
  Harness h;
  std::string bare = h.createApp("bare");
  http::Response none = h.as_admin("POST", "/v3/apps/" + bare + "/tasks",
                                   json({{"command", "echo hi"}}).dump());
  CHECK(none.status == 422);
  CHECK(errorOf(none) == json({{"code", 10008}, {"title", "CF-UnprocessableEntity"},
                               {"detail", "Task must have a droplet. Assign current droplet to app."}}));

  std::string app = h.stagedApp("worker", kTypes);
  http::Response blank = h.as_admin("POST", "/v3/apps/" + app + "/tasks", "{}");
  CHECK(blank.status == 422);
  CHECK(errorOf(blank)["detail"] == "Command can't be blank");

  http::Response several = h.as_admin(
      "POST", "/v3/apps/" + app + "/tasks",
      json({{"command", 5}, {"memory_in_mb", 0}, {"disk_in_mb", "big"}}).dump());
  CHECK(several.status == 422);
  CHECK(errorOf(several)["detail"] ==
        "Command must be a string, Memory in mb must be greater than or equal to 1, "
        "Disk in mb must be an integer");

  http::Response unknown_app = h.as_admin("POST", "/v3/apps/0a1b2c3d-0000-4000-8000-000000000000/tasks",
                                          json({{"command", "true"}}).dump());
  CHECK(unknown_app.status == 404);
  CHECK(errorOf(unknown_app)["detail"] == "App not found");

  http::Response unknown_droplet = h.as_admin(
      "POST", "/v3/apps/" + app + "/tasks",
      json({{"command", "true"}, {"droplet_guid", "no-such-droplet"}}).dump());
  CHECK(unknown_droplet.status == 404);
  CHECK(errorOf(unknown_droplet)["detail"] == "Droplet not found");

  http::Response parse = h.as_admin("POST", "/v3/apps/" + app + "/tasks", "{nope");
  CHECK(parse.status == 400);
  CHECK(h.runtime.tasks_created.empty());
  CHECK(h.call("GET", "/v3/tasks")["pagination"]["total_results"] == 0);
}

TEST_CASE("task lists filter, paginate, and leave commands out of /v3/tasks") {
  Harness h;
  std::string a = h.stagedApp("alpha", kTypes);
  std::string b = h.stagedApp("beta", kTypes);
  for (const char* name : {"one", "two", "three"})
    h.call("POST", "/v3/apps/" + a + "/tasks", {{"command", "echo a"}, {"name", name}});
  json b1 = h.call("POST", "/v3/apps/" + b + "/tasks", {{"command", "echo b"}, {"name", "one"}});

  json of_a = h.call("GET", "/v3/apps/" + a + "/tasks");
  CHECK(of_a["pagination"]["total_results"] == 3);
  CHECK(of_a["resources"][0]["sequence_id"] == 1);
  CHECK(of_a["resources"][0]["command"] == "echo a");

  json all = h.call("GET", "/v3/tasks");
  CHECK(all["pagination"]["total_results"] == 4);
  CHECK_FALSE(all["resources"][0].contains("command"));

  CHECK(h.call("GET", "/v3/tasks?names=one")["pagination"]["total_results"] == 2);
  CHECK(h.call("GET", "/v3/tasks?app_guids=" + b)["resources"][0]["guid"] == b1["guid"]);
  CHECK(h.call("GET", "/v3/tasks?guids=" + b1["guid"].get<std::string>())["pagination"]["total_results"] == 1);
  json seq = h.call("GET", "/v3/apps/" + a + "/tasks?sequence_ids=2,3");
  REQUIRE(seq["resources"].size() == 2);
  CHECK(seq["resources"][0]["name"] == "two");
  CHECK(h.call("GET", "/v3/tasks?states=PENDING")["pagination"]["total_results"] == 4);
  CHECK(h.call("GET", "/v3/tasks?states=SUCCEEDED")["pagination"]["total_results"] == 0);

  json page = h.call("GET", "/v3/apps/" + a + "/tasks?per_page=2");
  CHECK(page["pagination"]["total_pages"] == 2);
  CHECK(page["pagination"]["next"]["href"] ==
        "http://api.localhost:8080/v3/apps/" + a + "/tasks?page=2&per_page=2");
  http::Response bad_order = h.as_admin("GET", "/v3/tasks?order_by=color");
  CHECK(bad_order.status == 400);
  CHECK(errorOf(bad_order)["title"] == "CF-BadQueryParameter");

  http::Response missing = h.as_admin("GET", "/v3/tasks/no-such-task");
  CHECK(missing.status == 404);
  CHECK(errorOf(missing)["detail"] == "Task not found");
  http::Response missing_app = h.as_admin("GET", "/v3/apps/no-such-app/tasks");
  CHECK(missing_app.status == 404);
  CHECK(errorOf(missing_app)["detail"] == "App not found");
}

TEST_CASE("cancel marks the task CANCELING and asks the runtime; a finished task refuses") {
  Harness h;
  std::string app = h.stagedApp("worker", kTypes);
  json t = h.call("POST", "/v3/apps/" + app + "/tasks", {{"command", "sleep 100"}});
  std::string guid = t["guid"];
  http::Response r = h.as_admin("POST", "/v3/tasks/" + guid + "/actions/cancel");
  REQUIRE(r.status == 202);
  CHECK(json::parse(r.body)["state"] == "CANCELING");
  CHECK(h.runtime.tasks_cancelled == std::vector<std::string>{guid});
  CHECK(h.call("GET", "/v3/tasks/" + guid)["state"] == "CANCELING");
  // A second cancel of a task still stopping is accepted as well (the cf CLI v6 way here).
  CHECK(h.as_admin("PUT", "/v3/tasks/" + guid + "/cancel").status == 202);

  // What the runtime records when it ends.
  for (auto [state, name] : {std::pair{model::TaskState::kSucceeded, "SUCCEEDED"},
                             std::pair{model::TaskState::kFailed, "FAILED"}}) {
    auto stored = *h.store().getTask(guid);
    stored.state = state;
    REQUIRE(h.store().updateTask(stored).ok());
    http::Response refused = h.as_admin("POST", "/v3/tasks/" + guid + "/actions/cancel");
    CHECK(refused.status == 422);
    CHECK(errorOf(refused)["title"] == "CF-UnprocessableEntity");
    CHECK(errorOf(refused)["detail"] ==
          std::string("Task state is ") + name + " and therefore cannot be canceled");
  }
  http::Response unknown = h.as_admin("POST", "/v3/tasks/no-such-task/actions/cancel");
  CHECK(unknown.status == 404);
  CHECK(errorOf(unknown)["detail"] == "Task not found");
}

TEST_CASE("a failed task shows its failure reason; /v3 links tasks") {
  Harness h;
  std::string app = h.stagedApp("worker", kTypes);
  json t = h.call("POST", "/v3/apps/" + app + "/tasks", {{"command", "false"}, {"name", "bad"}});
  auto stored = *h.store().getTask(t["guid"]);
  stored.state = model::TaskState::kFailed;
  stored.failure_reason = "APP/TASK/bad: Exited with status 1";
  REQUIRE(h.store().updateTask(stored).ok());
  json shown = h.call("GET", "/v3/tasks/" + t["guid"].get<std::string>());
  CHECK(shown["state"] == "FAILED");
  CHECK(shown["result"]["failure_reason"] == "APP/TASK/bad: Exited with status 1");
  CHECK(h.call("GET", "/v3")["links"]["tasks"]["href"] == "http://api.localhost:8080/v3/tasks");
  // Deleting the app takes its tasks along.
  http::Response del = h.as_admin("DELETE", "/v3/apps/" + app);
  CHECK(del.status / 100 == 2);
  h.loop.runUntil([&, n = 0]() mutable { return ++n > 50 || h.store().listTasks("")->empty(); });
  CHECK(h.store().listTasks("")->empty());
}
