// The service and broker commands as a user runs them, against a fake API that answers with
// the platform's JSON: what they ask, what they print, their exit codes.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/testing/fake_api.h"

namespace mcf::cli {

namespace {

using nlohmann::json;
using testing::CliRun;
using testing::FakeApi;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::LoggedInHome;
using testing::runCli;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// std::vector, not json: json{x} would copy x rather than make a one-element array.
std::string page(const std::vector<json>& resources, const json& included = nullptr) {
  json j = {{"pagination", {{"total_results", resources.size()}, {"next", nullptr}}},
            {"resources", resources}};
  if (!included.is_null()) j["included"] = included;
  return j.dump();
}

const json kOffering = {
    {"guid", "o1"},
    {"name", "overview-service"},
    {"description", "Provides an overview"},
    {"tags", {"test"}},
    {"relationships", {{"service_broker", {{"data", {{"guid", "b1"}}}}}}}};
const json kBroker = {{"guid", "b1"}, {"name", "overview-broker"}, {"url", "http://127.0.0.1:9"}};

json plan(const std::string& guid, const std::string& name, const std::string& visibility) {
  return {{"guid", guid},
          {"name", name},
          {"description", "Plan " + name},
          {"free", true},
          {"available", true},
          {"visibility_type", visibility},
          {"relationships", {{"service_offering", {{"data", {{"guid", "o1"}}}}}}}};
}

// An API with one broker, one offering and plans small (public) and async (admin only).
void catalog(FakeApi& api) {
  api.on("GET", "/v3/service_brokers", 200, page({kBroker}));
  api.on("GET", "/v3/service_offerings", 200, page({kOffering}));
  api.on("GET", "/v3/service_plans", [](const FakeRequest& r) {
    std::vector<json> plans;
    if (!has(r.target, "names=") || has(r.target, "names=small"))
      plans.push_back(plan("p1", "small", "public"));
    if (!has(r.target, "names=") || has(r.target, "names=async"))
      plans.push_back(plan("p2", "async", "admin"));
    return FakeResponse{200, page(plans), ""};
  });
}

}  // namespace

TEST_CASE("create-service: finds the plan, sends parameters and tags, waits for the job") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  api.on("GET", "/v3/service_instances", 200, page({}));
  api.on("POST", "/v3/service_instances", 202, "", api.url() + "/v3/jobs/j1");
  int polls = 0;
  api.on("GET", "/v3/jobs/j1", [&polls](const FakeRequest&) {
    return FakeResponse{200, ++polls < 3 ? R"({"state":"PROCESSING"})" : R"({"state":"COMPLETE"})",
                        ""};
  });
  CliRun r = runCli({"create-service", "overview-service", "small", "db", "-c",
                     R"({"size":3})", "-t", "a, b", "--wait"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Creating service instance db in org microcf / space dev as admin...\n"));
  CHECK(has(r.out, "Waiting for the operation to complete..."));
  CHECK(has(r.out, "Service instance db created.\nOK\n"));
  auto posts = api.requestsTo("POST", "/v3/service_instances");
  REQUIRE(posts.size() == 1);
  json body = json::parse(posts[0].body);
  CHECK(body["type"] == "managed");
  CHECK(body["name"] == "db");
  CHECK(body["relationships"]["service_plan"]["data"]["guid"] == "p1");
  CHECK(body["relationships"]["space"]["data"]["guid"] == "space-guid");
  CHECK(body["parameters"] == json{{"size", 3}});
  CHECK(body["tags"] == json{"a", "b"});
  CHECK(polls == 3);
}

TEST_CASE("create-service: an asynchronous broker leaves it in progress without --wait") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  api.on("GET", "/v3/service_instances", 200, page({}));
  api.on("POST", "/v3/service_instances", 202, "", api.url() + "/v3/jobs/j1");
  api.on("GET", "/v3/jobs/j1", 200, R"({"state":"POLLING"})");
  CliRun r = runCli({"create-service", "overview-service", "async", "q"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Create in progress. Use 'microcf services' or 'microcf service q' to check "
                   "operation status.\nOK\n"));
  CHECK_FALSE(has(r.out, "Waiting"));
}

TEST_CASE("create-service: a failed job is exit 1 with the broker's words and what to do") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  api.on("GET", "/v3/service_instances", 200, page({}));
  api.on("POST", "/v3/service_instances", 202, "", api.url() + "/v3/jobs/j1");
  api.on("GET", "/v3/jobs/j1", 200,
         R"({"state":"FAILED","errors":[{"code":10009,"title":"CF-UnprocessableEntity",)"
         R"("detail":"Service broker error: no capacity"}]})");
  CliRun r = runCli({"create-service", "overview-service", "small", "db"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 1);
  CHECK(has(r.err, "Service broker error: no capacity"));
  CHECK(has(r.err, "microcf delete-service db -f"));
  CHECK(has(r.out, "FAILED"));
}

TEST_CASE("create-service: unknown offering or plan, and a taken name, before any POST") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  api.on("GET", "/v3/service_instances", 200, page({}));
  CliRun plan = runCli({"create-service", "overview-service", "huge", "db"});
  INFO("plan.out:\n" << plan.out << "\nplan.err:\n" << plan.err);
  CHECK(plan.code == 1);
  CHECK(has(plan.err, "The plan huge could not be found for service offering overview-service. "
                      "Use 'microcf marketplace -e overview-service' to see its plans."));

  FakeApi empty;
  LoggedInHome home2(empty.url());
  empty.on("GET", "/v3/service_instances", 200, page({}));
  empty.on("GET", "/v3/service_offerings", 200, page({}));
  CliRun offering = runCli({"create-service", "nope", "small", "db"});
  INFO("offering.out:\n" << offering.out << "\noffering.err:\n" << offering.err);
  CHECK(offering.code == 1);
  CHECK(has(offering.err, "Service offering 'nope' not found. Use 'microcf marketplace'"));

  FakeApi taken;
  LoggedInHome home3(taken.url());
  taken.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  CliRun exists = runCli({"create-service", "overview-service", "small", "db"});
  INFO("exists.out:\n" << exists.out << "\nexists.err:\n" << exists.err);
  CHECK(exists.code == 0);
  CHECK(has(exists.out, "Service instance db already exists\nOK\n"));
  CHECK(api.requestsTo("POST", "/v3/service_instances").empty());
  CHECK(taken.requestsTo("POST", "/v3/service_instances").empty());
}

TEST_CASE("create-service: an offering from two brokers needs -b") {
  FakeApi api;
  LoggedInHome home(api.url());
  json other = kOffering;
  other["guid"] = "o2";
  other["relationships"]["service_broker"]["data"]["guid"] = "b2";
  api.on("GET", "/v3/service_offerings", 200, page({kOffering, other}));
  api.on("GET", "/v3/service_brokers", 200,
         page({kBroker, {{"guid", "b2"}, {"name", "second-broker"}}}));
  api.on("GET", "/v3/service_instances", 200, page({}));
  CliRun r = runCli({"create-service", "overview-service", "small", "db"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 1);
  CHECK(has(r.err, "Service offering 'overview-service' is provided by multiple service "
                   "brokers: overview-broker, second-broker. Specify a broker by using the '-b' "
                   "flag."));
}

TEST_CASE("-c that is not a JSON object stops the command before the API is asked") {
  FakeApi api;
  LoggedInHome home(api.url());
  CliRun r = runCli({"create-service", "overview-service", "small", "db", "-c", "{bad"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 1);
  CHECK(has(r.err, "Invalid configuration provided for -c flag."));
  CliRun key = runCli({"create-service-key", "db", "k", "-c", "[1]"});
  INFO("key.out:\n" << key.out << "\nkey.err:\n" << key.err);
  CHECK(key.code == 1);
  CHECK(api.requests().empty());
}

TEST_CASE("marketplace: offerings with their plans and brokers; -e shows one offering's plans") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  CliRun r = runCli({"marketplace"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Getting all service offerings from marketplace in org microcf / space dev "
                   "as admin...\n\n"
                   "offering           plans          description            broker\n"
                   "overview-service   small, async   Provides an overview   overview-broker\n\n"
                   "TIP: Use 'microcf marketplace -e SERVICE_OFFERING'"));
  CliRun e = runCli({"marketplace", "-e", "overview-service"});
  INFO("e.out:\n" << e.out << "\ne.err:\n" << e.err);
  CHECK(e.code == 0);
  CHECK(has(e.out, "Getting service plan information for service offering overview-service in "
                   "org microcf / space dev as admin...\n\n"
                   "broker: overview-broker\n"
                   "   plan    description   free or paid   costs\n"
                   "   small   Plan small    free\n"
                   "   async   Plan async    free\n"));
  CHECK(has(api.requestsTo("GET", "/v3/service_offerings").back().target,
            "names=overview-service"));
}

TEST_CASE("services: offering, plan and broker from the includes, bound apps, last operation") {
  FakeApi api;
  LoggedInHome home(api.url());
  json managed = {{"guid", "si1"},
                  {"name", "db"},
                  {"type", "managed"},
                  {"upgrade_available", false},
                  {"last_operation", {{"type", "create"}, {"state", "in progress"}}},
                  {"relationships", {{"service_plan", {{"data", {{"guid", "p2"}}}}}}}};
  json upsi = {{"guid", "si2"},
               {"name", "creds"},
               {"type", "user-provided"},
               {"last_operation", {{"type", "create"}, {"state", "succeeded"}}}};
  json included = {{"service_plans", {plan("p2", "async", "admin")}},
                   {"service_offerings", {kOffering}},
                   {"service_brokers", {kBroker}}};
  api.on("GET", "/v3/service_instances", 200, page({upsi, managed}, included));
  api.on("GET", "/v3/service_credential_bindings", 200,
         page({{{"guid", "sb1"},
                {"relationships", {{"app", {{"data", {{"guid", "a1"}}}}},
                                   {"service_instance", {{"data", {{"guid", "si1"}}}}}}}}}));
  api.on("GET", "/v3/apps", 200, page({{{"guid", "a1"}, {"name", "web"}}}));
  CliRun r = runCli({"services"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out,
            "name    offering           plan    bound apps   last operation       broker"
            "            upgrade available\n"
            "creds   user-provided                           create succeeded\n"
            "db      overview-service   async   web          create in progress   overview-broker"
            "   no\n"));
  CHECK(has(api.requestsTo("GET", "/v3/service_instances")[0].target,
            "fields%5Bservice_plan.service_offering.service_broker%5D=name,guid"));
}

TEST_CASE("service-brokers and create-service-broker; a failed catalog fetch says what to do") {
  FakeApi api;
  LoggedInHome home(api.url());
  api.on("GET", "/v3/service_brokers", 200, page({kBroker}));
  CliRun list = runCli({"service-brokers"});
  INFO("list.out:\n" << list.out << "\nlist.err:\n" << list.err);
  CHECK(list.code == 0);
  CHECK(has(list.out, "Getting service brokers as admin...\n\n"
                      "name              url\n"
                      "overview-broker   http://127.0.0.1:9\n"));

  api.on("POST", "/v3/service_brokers", 202, "", api.url() + "/v3/jobs/sync");
  api.on("GET", "/v3/jobs/sync", 200,
         R"({"state":"FAILED","errors":[{"detail":"The service broker could not be reached: )"
         R"(http://127.0.0.1:9 (connection refused). Check that it is running and that the URL )"
         R"(is right."}]})");
  CliRun create = runCli({"create-service-broker", "b", "u", "pw", "http://127.0.0.1:9"});
  INFO("create.out:\n" << create.out << "\ncreate.err:\n" << create.err);
  CHECK(create.code == 1);
  CHECK(has(create.out, "Creating service broker b as admin...\n"));
  CHECK(has(create.err, "The service broker could not be reached: http://127.0.0.1:9"));
  CHECK(has(create.err, "'microcf update-service-broker b USER PASSWORD http://127.0.0.1:9' "
                        "reads its catalog again."));
  json body = json::parse(api.requestsTo("POST", "/v3/service_brokers")[0].body);
  CHECK(body["authentication"] ==
        json{{"type", "basic"}, {"credentials", {{"username", "u"}, {"password", "pw"}}}});
  CHECK(body["url"] == "http://127.0.0.1:9");
}

TEST_CASE("service-access and enable-service-access: admin-only plans become public") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  CliRun access = runCli({"service-access"});
  INFO("access.out:\n" << access.out << "\naccess.err:\n" << access.err);
  CHECK(access.code == 0);
  CHECK(has(access.out, "Getting service access as admin...\n\n"
                        "broker: overview-broker\n"
                        "   offering           plan    access   orgs\n"
                        "   overview-service   small   all\n"
                        "   overview-service   async   none\n"));
  api.on("PATCH", "/v3/service_plans/p2/visibility", 200, R"({"type":"public"})");
  CliRun enable = runCli({"enable-service-access", "overview-service"});
  INFO("enable.out:\n" << enable.out << "\nenable.err:\n" << enable.err);
  CHECK(enable.code == 0);
  CHECK(has(enable.out, "Enabling access to all plans of service overview-service for all orgs "
                        "as admin...\n\n"
                        "Did not update plan small as it already has visibility all.\n\nOK\n"));
  auto patches = api.requestsTo("PATCH", "/v3/service_plans/");
  REQUIRE(patches.size() == 1);
  CHECK(patches[0].target == "/v3/service_plans/p2/visibility");
  CHECK(json::parse(patches[0].body) == json{{"type", "public"}});
}

TEST_CASE("delete-service: a managed instance's job; a refusal is the API's words") {
  FakeApi api;
  LoggedInHome home(api.url());
  api.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  api.on("DELETE", "/v3/service_instances/si1", 202, "", api.url() + "/v3/jobs/d1");
  api.on("GET", "/v3/jobs/d1", 200, R"({"state":"COMPLETE"})");
  CliRun r = runCli({"delete-service", "db", "-f"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Deleting service instance db in org microcf / space dev as admin...\n\n"
                   "Service instance db deleted.\nOK\n"));

  FakeApi refusing;
  LoggedInHome home2(refusing.url());
  refusing.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  refusing.on("DELETE", "/v3/service_instances/si1", 422,
              R"({"errors":[{"code":10008,"title":"CF-UnprocessableEntity","detail":"Cannot )"
              R"(delete service instance 'db': it is bound to app(s) web. Unbind them first."}]})");
  CliRun refused = runCli({"delete-service", "db", "-f"});
  INFO("refused.out:\n" << refused.out << "\nrefused.err:\n" << refused.err);
  CHECK(refused.code == 1);
  CHECK(has(refused.err, "it is bound to app(s) web. Unbind them first."));
}

TEST_CASE("service keys: create, list, show the credentials, delete") {
  FakeApi api;
  LoggedInHome home(api.url());
  api.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  json key = {{"guid", "k1"},
              {"name", "k"},
              {"type", "key"},
              {"last_operation", {{"type", "create"}, {"state", "succeeded"}}}};
  bool created = false;
  api.on("GET", "/v3/service_credential_bindings", [&](const FakeRequest& r) {
    bool listed = created && !has(r.target, "names=nope");
    return FakeResponse{200, page(listed ? std::vector<json>{key} : std::vector<json>{}), ""};
  });
  api.on("POST", "/v3/service_credential_bindings", [&](const FakeRequest&) {
    created = true;
    return FakeResponse{202, "", "/v3/jobs/k"};
  });
  api.on("GET", "/v3/jobs/k", 200, R"({"state":"COMPLETE"})");
  CliRun none = runCli({"service-keys", "db"});
  INFO("none.out:\n" << none.out << "\nnone.err:\n" << none.err);
  CHECK(has(none.out, "No service keys for service instance db\n"));
  CliRun create = runCli({"create-service-key", "db", "k", "-c", R"({"role":"ro"})"});
  INFO("create.out:\n" << create.out << "\ncreate.err:\n" << create.err);
  CHECK(create.code == 0);
  CHECK(has(create.out, "Creating service key k for service instance db as admin...\nOK\n"));
  json body = json::parse(api.requestsTo("POST", "/v3/service_credential_bindings")[0].body);
  CHECK(body["type"] == "key");
  CHECK(body["name"] == "k");
  CHECK(body["parameters"] == json{{"role", "ro"}});
  CliRun again = runCli({"create-service-key", "db", "k"});
  INFO("again.out:\n" << again.out << "\nagain.err:\n" << again.err);
  CHECK(has(again.out, "Service key k already exists\nOK\n"));
  CliRun list = runCli({"service-keys", "db"});
  INFO("list.out:\n" << list.out << "\nlist.err:\n" << list.err);
  CHECK(has(list.out, "name   last operation     message\nk      create succeeded\n"));
  api.on("GET", "/v3/service_credential_bindings/k1/details", 200,
         R"({"credentials":{"uri":"test://user-k1@host/db"}})");
  CliRun show = runCli({"service-key", "db", "k"});
  INFO("show.out:\n" << show.out << "\nshow.err:\n" << show.err);
  CHECK(show.code == 0);
  CHECK(has(show.out, "{\n  \"credentials\": {\n    \"uri\": \"test://user-k1@host/db\"\n  }\n}"));
  CliRun guid = runCli({"service-key", "db", "k", "--guid"});
  INFO("guid.out:\n" << guid.out << "\nguid.err:\n" << guid.err);
  CHECK(guid.out == "k1\n");
  CliRun missing = runCli({"service-key", "db", "nope"});
  INFO("missing.out:\n" << missing.out << "\nmissing.err:\n" << missing.err);
  CHECK(missing.code == 1);
  CHECK(has(missing.err, "No service key nope found for service instance db. Use 'microcf "
                         "service-keys db' to see its keys."));
  api.on("DELETE", "/v3/service_credential_bindings/k1", 202, "", "/v3/jobs/k");
  CliRun refused = runCli({"delete-service-key", "db", "k"});
  INFO("refused.out:\n" << refused.out << "\nrefused.err:\n" << refused.err);
  CHECK(refused.code == 1);
  CHECK(has(refused.err, "microcf delete-service-key db k -f"));
  CliRun del = runCli({"delete-service-key", "db", "k", "-f"});
  INFO("del.out:\n" << del.out << "\ndel.err:\n" << del.err);
  CHECK(del.code == 0);
  CHECK(has(del.out, "Deleting key k for service instance db as admin...\nOK\n"));
}

}  // namespace mcf::cli

namespace mcf::cli {

TEST_CASE("service: a managed instance's offering, plan, broker, last operation, parameters") {
  FakeApi api;
  LoggedInHome home(api.url());
  json si = {{"guid", "si1"},
             {"name", "db"},
             {"type", "managed"},
             {"tags", {"mine"}},
             {"dashboard_url", "http://dash"},
             {"last_operation",
              {{"type", "create"},
               {"state", "failed"},
               {"description", "Service broker error: no capacity"},
               {"created_at", "2026-12-06T08:00:00Z"},
               {"updated_at", "2026-12-06T08:00:05Z"}}},
             {"relationships", {{"service_plan", {{"data", {{"guid", "p1"}}}}}}}};
  json included = {{"service_plans", {plan("p1", "small", "public")}},
                   {"service_offerings", {kOffering}},
                   {"service_brokers", {kBroker}}};
  api.on("GET", "/v3/service_instances", [=](const FakeRequest& r) {
    bool found = !has(r.target, "names=nope");
    return FakeResponse{200, found ? page({si}, included) : page({}), ""};
  });
  api.on("GET", "/v3/service_offerings/o1", 200, kOffering.dump());
  api.on("GET", "/v3/service_instances/si1/parameters", 200, R"({"size":3})");
  api.on("GET", "/v3/service_credential_bindings", 200, page({}));
  CliRun r = runCli({"service", "db"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Showing info of service db in org microcf / space dev as admin...\n\n"
                   "name:            db\n"
                   "guid:            si1\n"
                   "type:            managed\n"
                   "broker:          overview-broker\n"
                   "offering:        overview-service\n"
                   "plan:            small\n"
                   "tags:            mine\n"
                   "offering tags:   test\n"
                   "description:     Provides an overview\n"
                   "documentation:\n"
                   "dashboard url:   http://dash\n\n"
                   "Showing status of last operation from service instance db...\n\n"
                   "status:    create failed\n"
                   "message:   Service broker error: no capacity\n"
                   "started:   2026-12-06T08:00:00Z\n"
                   "updated:   2026-12-06T08:00:05Z\n\n"
                   "Showing parameters for service instance db...\n\n"
                   "{\n  \"size\": 3\n}\n\n"
                   "Showing bound apps:\n"
                   "There are no bound apps for this service instance.\n"));
  CliRun guid = runCli({"service", "db", "--guid"});
  CHECK(guid.out == "si1\n");
  CliRun missing = runCli({"service", "nope"});
  CHECK(missing.code == 1);
  CHECK(has(missing.err, "Service instance nope not found. Use 'microcf services' to see the "
                         "service instances of space dev."));
}

TEST_CASE("bind-service to a managed instance: an asynchronous binding is in progress") {
  FakeApi api;
  LoggedInHome home(api.url());
  api.on("GET", "/v3/apps", 200, page({{{"guid", "a1"}, {"name", "web"}}}));
  api.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  api.on("POST", "/v3/service_credential_bindings", 202, "", "/v3/jobs/b");
  api.on("GET", "/v3/jobs/b", 200, R"({"state":"POLLING"})");
  CliRun r = runCli({"bind-service", "web", "db", "-c", R"({"role":"ro"})"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "OK\nBinding in progress. Use 'microcf service db' to check operation "
                   "status.\n\nTIP: Once this operation succeeds, use 'microcf restart web'"));
  json body = json::parse(api.requestsTo("POST", "/v3/service_credential_bindings")[0].body);
  CHECK(body["parameters"] == json{{"role", "ro"}});
  CHECK(body["relationships"]["app"]["data"]["guid"] == "a1");

  FakeApi failing;
  LoggedInHome home2(failing.url());
  failing.on("GET", "/v3/apps", 200, page({{{"guid", "a1"}, {"name", "web"}}}));
  failing.on("GET", "/v3/service_instances", 200, page({{{"guid", "si1"}, {"name", "db"}}}));
  failing.on("POST", "/v3/service_credential_bindings", 202, "", "/v3/jobs/f");
  failing.on("GET", "/v3/jobs/f", 200,
             R"({"state":"FAILED","errors":[{"detail":"Service broker error: bind refused"}]})");
  CliRun f = runCli({"bind-service", "web", "db", "--wait"});
  CHECK(f.code == 1);
  CHECK(has(f.err, "Service broker error: bind refused"));
}

TEST_CASE("update-service: a new plan of the same offering; no flags changes nothing") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  json si = {{"guid", "si1"},
             {"name", "db"},
             {"type", "managed"},
             {"relationships", {{"service_plan", {{"data", {{"guid", "p1"}}}}}}}};
  api.on("GET", "/v3/service_instances", 200, page({si}));
  api.on("GET", "/v3/service_plans/p1", 200, plan("p1", "small", "public").dump());
  api.on("GET", "/v3/service_offerings/o1", 200, kOffering.dump());
  api.on("PATCH", "/v3/service_instances/si1", 202, "", "/v3/jobs/u");
  api.on("GET", "/v3/jobs/u", 200, R"({"state":"COMPLETE"})");
  CliRun none = runCli({"update-service", "db"});
  CHECK(has(none.out, "No flags specified. No changes were made.\nOK\n"));
  CliRun r = runCli({"update-service", "db", "-p", "async", "-t", "x"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 0);
  CHECK(has(r.out, "Update of service instance db complete.\nOK\n"));
  auto patches = api.requestsTo("PATCH", "/v3/service_instances/si1");
  REQUIRE(patches.size() == 1);
  json body = json::parse(patches[0].body);
  CHECK(body["relationships"]["service_plan"]["data"]["guid"] == "p2");
  CHECK(body["tags"] == json{"x"});
  CliRun bad = runCli({"update-service", "db", "-p", "huge"});
  CHECK(bad.code == 1);
  CHECK(has(bad.err, "The plan huge could not be found for service offering overview-service."));
}

TEST_CASE("disable-service-access -o on a public plan says how to limit it instead") {
  FakeApi api;
  LoggedInHome home(api.url());
  catalog(api);
  api.on("GET", "/v3/organizations", 200, page({{{"guid", "org1"}, {"name", "other"}}}));
  CliRun r = runCli({"disable-service-access", "overview-service", "-p", "small", "-o", "other"});
  INFO("r.out:\n" << r.out << "\nr.err:\n" << r.err);
  CHECK(r.code == 1);
  CHECK(has(r.err, "Cannot remove organization level access for public plans."));
  CHECK(api.requestsTo("DELETE", "/v3/service_plans").empty());
  CliRun none = runCli({"disable-service-access", "overview-service", "-p", "async"});
  CHECK(none.code == 0);
  CHECK(has(none.out, "Did not update plan async as it already has visibility none."));
}

TEST_CASE("delete-service-broker: asks, or -f; a missing broker is not an error") {
  FakeApi api;
  LoggedInHome home(api.url());
  CliRun ask = runCli({"delete-service-broker", "b"});
  CHECK(ask.code == 1);
  CHECK(has(ask.err, "microcf delete-service-broker b -f"));
  CHECK(api.requests().empty());
  api.on("GET", "/v3/service_brokers", 200, page({}));
  CliRun gone = runCli({"delete-service-broker", "b", "-f"});
  CHECK(gone.code == 0);
  CHECK(has(gone.out, "Service broker 'b' does not exist.\nOK\n"));
}

}  // namespace mcf::cli
