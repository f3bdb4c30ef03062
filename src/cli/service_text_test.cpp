#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/ids.h"
#include "cli/service_text.h"

namespace mcf::cli {

using nlohmann::json;

TEST_CASE("service text: -c takes a JSON object in-line or from a file, else cf's words") {
  auto inline_json = parseJsonObjectFlag(R"({"ram_gb":4,"tags":["a"]})");
  REQUIRE(inline_json.ok());
  CHECK((*inline_json)["ram_gb"] == 4);

  std::string path = "/tmp/microcf-params-" + base::randomHex(6) + ".json";
  REQUIRE(base::writeFileAtomic(path, "{\"nodes\": {\"count\": 5}}\n").ok());
  auto from_file = parseJsonObjectFlag(path);
  (void)base::removeTree(path);
  REQUIRE(from_file.ok());
  CHECK((*from_file)["nodes"]["count"] == 5);

  for (const char* bad : {"{\"a\":", "[1,2]", "\"text\"", "no-such-file.json", ""}) {
    auto r = parseJsonObjectFlag(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.starts_with(
        "Invalid configuration provided for -c flag. Please provide a valid JSON object or path "
        "to a file containing a valid JSON object"));
    CHECK(r.error().message.find("-c '{\"name\":\"value\"}'") != std::string::npos);
  }
}

TEST_CASE("service text: -t splits on commas and drops blanks") {
  CHECK(parseTags("list, of,tags") == std::vector<std::string>{"list", "of", "tags"});
  CHECK(parseTags(" a ,, ") == std::vector<std::string>{"a"});
  CHECK(parseTags("").empty());
}

TEST_CASE("service text: last operations as cf shows them") {
  CHECK(lastOperationText(json::parse(
            R"({"last_operation":{"type":"create","state":"in progress"}})")) ==
        "create in progress");
  CHECK(lastOperationText(json::parse(R"({"last_operation":null})")).empty());
  CHECK(lastOperationText(json::object()).empty());
}

// A services list answer with the fields[...] includes, as the API sends it.
const json kIncluded = json::parse(R"({
  "service_plans": [{"guid": "p1", "name": "small",
                     "relationships": {"service_offering": {"data": {"guid": "o1"}}}}],
  "service_offerings": [{"guid": "o1", "name": "overview-service", "description": "Overview",
                         "documentation_url": "http://docs",
                         "relationships": {"service_broker": {"data": {"guid": "b1"}}}}],
  "service_brokers": [{"guid": "b1", "name": "overview-broker"}]
})");

TEST_CASE("service text: plan, offering and broker names come from the includes") {
  json si = json::parse(
      R"({"name":"db","relationships":{"service_plan":{"data":{"guid":"p1"}}}})");
  ServiceNames names = serviceNamesFrom(si, kIncluded);
  CHECK(names.plan == "small");
  CHECK(names.offering == "overview-service");
  CHECK(names.broker == "overview-broker");
  CHECK(names.description == "Overview");
  CHECK(names.documentation_url == "http://docs");
  json upsi = json::parse(R"({"name":"creds","type":"user-provided"})");
  CHECK(serviceNamesFrom(upsi, kIncluded).plan.empty());
  json dangling = json::parse(
      R"({"name":"x","relationships":{"service_plan":{"data":{"guid":"gone"}}}})");
  CHECK(serviceNamesFrom(dangling, kIncluded).offering.empty());
  CHECK(serviceInstanceFieldsQuery() ==
        "fields%5Bservice_plan%5D=name,guid"
        "&fields%5Bservice_plan.service_offering%5D=name,guid,description,documentation_url"
        "&fields%5Bservice_plan.service_offering.service_broker%5D=name,guid");
}

TEST_CASE("service text: the services table in cf v8's columns") {
  ServiceRow managed{"db", "managed", "overview-service", "small", "overview-broker",
                     "create succeeded", {"app1", "app2"}, false};
  ServiceRow upsi{"creds", "user-provided", "", "", "", "create succeeded", {}, false};
  ServiceRow pending{"q", "managed", "overview-service", "async", "overview-broker",
                     "create in progress", {}, true};
  CHECK(formatServicesTable({managed, upsi, pending}) ==
        "name    offering           plan    bound apps   last operation       broker            "
        "upgrade available\n"
        "db      overview-service   small   app1, app2   create succeeded     overview-broker   "
        "no\n"
        "creds   user-provided                           create succeeded\n"
        "q       overview-service   async                create in progress   overview-broker   "
        "yes\n");
}

TEST_CASE("service text: marketplace tables") {
  CHECK(formatMarketplaceTable({{"overview-service", "Overview", "overview-broker",
                                 {"small", "async"}},
                                {"postgresql", "PostgreSQL", "postgresql", {"default"}}}) ==
        "offering           plans          description   broker\n"
        "overview-service   small, async   Overview      overview-broker\n"
        "postgresql         default        PostgreSQL    postgresql\n");
  json paid = json::parse(R"({"costs":[{"amount":10,"currency":"USD","unit":"month"}]})");
  CHECK(planCosts(paid) == std::vector<std::string>{"USD 10.00/month"});
  CHECK(formatMarketplacePlans("overview-broker", {{"small", "A small plan", true, {}},
                                                   {"big", "A big one", false, planCosts(paid)}}) ==
        "broker: overview-broker\n"
        "   plan    description    free or paid   costs\n"
        "   small   A small plan   free\n"
        "   big     A big one      paid           USD 10.00/month\n");
}

TEST_CASE("service text: brokers and service access") {
  CHECK(formatBrokersTable({{"overview-broker", "http://127.0.0.1:9000"},
                            {"postgresql", "builtin://postgresql"}}) ==
        "name              url\n"
        "overview-broker   http://127.0.0.1:9000\n"
        "postgresql        builtin://postgresql\n");
  CHECK(accessFromVisibility("public") == "all");
  CHECK(accessFromVisibility("admin") == "none");
  CHECK(accessFromVisibility("organization") == "limited");
  CHECK(formatServiceAccess({{"b1", "svc", "small", "public", {}},
                             {"b1", "svc", "async", "organization", {"o1", "o2"}},
                             {"b2", "pg", "default", "admin", {}}}) ==
        "broker: b1\n"
        "   offering   plan    access    orgs\n"
        "   svc        small   all\n"
        "   svc        async   limited   o1,o2\n"
        "\n"
        "broker: b2\n"
        "   offering   plan      access   orgs\n"
        "   pg         default   none\n"
        "\n");
  CHECK(formatServiceAccess({}).empty());
}

TEST_CASE("service text: what a job's state means and why it failed") {
  CHECK(jobState(json::parse(R"({"state":"COMPLETE"})")) == JobState::kComplete);
  CHECK(jobState(json::parse(R"({"state":"PROCESSING"})")) == JobState::kInProgress);
  CHECK(jobState(json::parse(R"({"state":"POLLING"})")) == JobState::kInProgress);
  json failed = json::parse(R"({"state":"FAILED","operation":"service_instance.create",
      "errors":[{"code":10009,"title":"CF-UnprocessableEntity",
                 "detail":"Service broker error: out of disk"}]})");
  CHECK(jobState(failed) == JobState::kFailed);
  CHECK(jobFailureDetail(failed) == "Service broker error: out of disk");
  CHECK(jobFailureDetail(json::parse(
            R"({"state":"FAILED","operation":"service_bindings.create","errors":[]})")) ==
        "The job service_bindings.create failed without saying why.");
  CHECK(ambiguousOfferingMessage("db", {"b1", "b2"}) ==
        "Service offering 'db' is provided by multiple service brokers: b1, b2. Specify a broker "
        "by using the '-b' flag.");
}

}  // namespace mcf::cli
