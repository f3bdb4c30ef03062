// Tests of metadata (labels, annotations) and label selectors through Controller::handle.
#include <doctest/doctest.h>

#include "controller/metadata.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

std::string detail(const http::Response& r) {
  return json::parse(r.body)["errors"][0]["detail"].get<std::string>();
}

json labels(const json& l) { return {{"metadata", {{"labels", l}}}}; }

}  // namespace

TEST_CASE("metadata merges with null deleting a key and shows on the resource") {
  Harness h;
  std::string app = h.createApp("web");
  json patched = h.call("PATCH", "/v3/apps/" + app,
                        {{"metadata",
                          {{"labels", {{"env", "prod"}, {"example.com/team", "a-b_c.d"}}},
                           {"annotations", {{"note", std::string(5000, 'x')}}}}}});
  CHECK(patched["metadata"]["labels"] ==
        json({{"env", "prod"}, {"example.com/team", "a-b_c.d"}}));
  CHECK(patched["metadata"]["annotations"]["note"].get<std::string>().size() == 5000);

  json again = h.call("PATCH", "/v3/apps/" + app,
                      {{"metadata", {{"labels", {{"env", nullptr}, {"tier", ""}}}}}});
  CHECK(again["metadata"]["labels"] == json({{"example.com/team", "a-b_c.d"}, {"tier", ""}}));
  CHECK(again["metadata"]["annotations"].contains("note"));
  CHECK(h.call("GET", "/v3/apps/" + app)["metadata"] == again["metadata"]);
  // The app's name is untouched by a metadata-only PATCH.
  CHECK(again["name"] == "web");

  json space = h.call("PATCH", "/v3/spaces/" + h.spaceGuid(), labels({{"kind", "dev"}}));
  CHECK(space["metadata"]["labels"]["kind"] == "dev");
  json process = h.call("PATCH", "/v3/processes/" + app, labels({{"p", "1"}}));
  CHECK(process["metadata"]["labels"]["p"] == "1");
  CHECK(process["command"].is_null());
  std::string stack = h.call("GET", "/v3/stacks")["resources"][0]["guid"].get<std::string>();
  CHECK(h.call("PATCH", "/v3/stacks/" + stack, labels({{"s", "x"}}))["metadata"]["labels"]["s"] ==
        "x");
  CHECK(h.call("GET", "/v3/stacks/" + stack)["metadata"]["labels"]["s"] == "x");
  CHECK(h.as_admin("PATCH", "/v3/stacks/nope", labels({{"s", "x"}}).dump()).status == 404);
}

TEST_CASE("metadata keys and values are checked as Cloud Controller does") {
  Harness h;
  std::string app = h.createApp("web");
  auto bad = [&](const json& metadata) {
    http::Response r = h.as_admin("PATCH", "/v3/apps/" + app, json{{"metadata", metadata}}.dump());
    CHECK(r.status == 422);
    CHECK(json::parse(r.body)["errors"][0]["title"] == "CF-UnprocessableEntity");
    return detail(r);
  };
  CHECK(bad({{"labels", {{"b@d", "v"}}}}) ==
        "Metadata label key error: 'b@d' contains invalid characters");
  CHECK(bad({{"labels", {{"-x", "v"}}}}) ==
        "Metadata label key error: '-x' starts or ends with invalid characters");
  CHECK(bad({{"labels", {{std::string(64, 'k'), "v"}}}}) ==
        "Metadata label key error: '" + std::string(64, 'k') + "' is greater than 63 characters");
  CHECK(bad({{"labels", {{"a/b/c", "v"}}}}) == "Metadata label key error: 'a/b/c' has more than one '/'");
  CHECK(bad({{"labels", {{"bad_prefix!/x", "v"}}}}) ==
        "Metadata label key error: prefix 'bad_prefix!' must be in valid dns format");
  CHECK(bad({{"labels", {{"cloudfoundry.org/x", "v"}}}}) ==
        "Metadata label key error: Cloudfoundry.org is a reserved domain");
  CHECK(bad({{"labels", {{"k", "a b"}}}}) ==
        "Metadata label value error: 'a b' contains invalid characters");
  CHECK(bad({{"labels", {{"k", std::string(64, 'v')}}}}) ==
        "Metadata label value error: '" + std::string(64, 'v') + "' is greater than 63 characters");
  CHECK(bad({{"annotations", {{"k", std::string(5001, 'v')}}}}) ==
        "Metadata annotation value error: the value of 'k' is greater than 5000 characters");
  CHECK(bad({{"annotations", {{"", "v"}}}}) == "Metadata annotation key error: key cannot be empty string");
  CHECK(bad({{"labels", {{"k", 1}}}}).find("must be a string or null") != std::string::npos);
  CHECK(bad({{"labels", "x"}}) == "Metadata labels must be an object");
  CHECK(bad({{"tags", json::object()}}) == "Metadata has unknown field(s): 'tags'");
  // Nothing was stored by the refused requests.
  CHECK(h.call("GET", "/v3/apps/" + app)["metadata"]["labels"] == json::object());
}

TEST_CASE("label_selector filters lists with CC's grammar; a bad selector is a 400") {
  Harness h;
  std::string a = h.createApp("a"), b = h.createApp("b"), c = h.createApp("c");
  h.call("PATCH", "/v3/apps/" + a, labels({{"env", "prod"}, {"tier", "web"}}));
  h.call("PATCH", "/v3/apps/" + b, labels({{"env", "dev"}}));
  auto names = [&](const std::string& selector) {
    json list = h.call("GET", "/v3/apps?label_selector=" + selector);
    std::string out;
    for (const auto& r : list["resources"]) out += r["name"].get<std::string>();
    return out;
  };
  CHECK(names("env") == "ab");
  CHECK(names("!env") == "c");
  CHECK(names("env=prod") == "a");
  CHECK(names("env==dev") == "b");
  CHECK(names("env!=prod") == "bc");
  CHECK(names("env%20in%20(prod,dev)") == "ab");
  CHECK(names("env%20notin%20(prod)") == "bc");
  CHECK(names("env,tier=web") == "a");
  CHECK(names("env=prod,tier=api") == "");
  json counted = h.call("GET", "/v3/apps?label_selector=env&per_page=1");
  CHECK(counted["pagination"]["total_results"] == 2);
  CHECK(counted["pagination"]["next"]["href"].get<std::string>().find("label_selector=env") !=
        std::string::npos);

  for (const char* bad : {"", "env=a%20b", "env%20in%20prod", "env%20in%20()", "(env", "a/b/c",
                          "env,,x"}) {
    http::Response r = h.as_admin("GET", std::string("/v3/apps?label_selector=") + bad);
    CHECK_MESSAGE(r.status == 400, bad);
    CHECK(json::parse(r.body)["errors"][0]["title"] == "CF-BadQueryParameter");
  }
  // Other lists take it too.
  h.call("PATCH", "/v3/spaces/" + h.spaceGuid(), labels({{"kind", "dev"}}));
  CHECK(h.call("GET", "/v3/spaces?label_selector=kind=dev")["resources"].size() == 1);
  CHECK(h.call("GET", "/v3/spaces?label_selector=kind=prod")["resources"].empty());
  CHECK(h.call("GET", "/v3/processes?label_selector=kind")["resources"].empty());
}

TEST_CASE("selectors parse and match without a controller") {
  auto sel = parseSelector("a in (x, y),!b,c!=z");
  REQUIRE(sel.ok());
  REQUIRE(sel->size() == 3);
  CHECK(matches(*sel, std::map<std::string, std::string>{{"a", "y"}}));
  CHECK(matches(*sel, std::map<std::string, std::string>{{"a", "x"}, {"c", "q"}}));
  CHECK_FALSE(matches(*sel, std::map<std::string, std::string>{{"a", "x"}, {"b", ""}}));
  CHECK_FALSE(matches(*sel, std::map<std::string, std::string>{{"a", "x"}, {"c", "z"}}));
  CHECK_FALSE(matches(*sel, std::map<std::string, std::string>{}));
  CHECK(parseSelector("a=").ok());  // the empty value
  CHECK_FALSE(parseSelector("a in x").ok());
}

TEST_CASE("metadata goes with its resource") {
  Harness h;
  std::string app = h.createApp("web");
  h.call("PATCH", "/v3/apps/" + app, labels({{"env", "prod"}}));
  h.call("PATCH", "/v3/processes/" + app, labels({{"env", "prod"}}));
  REQUIRE(h.store().listMetadata("process")->size() == 1);
  REQUIRE(h.as_admin("DELETE", "/v3/apps/" + app).status == 202);
  CHECK(h.store().listMetadata("app")->empty());
  CHECK(h.store().listMetadata("process")->empty());
}
