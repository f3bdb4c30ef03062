// Tests for the small YAML reader: the shapes buildpacks and Procfiles really use.
#include "lifecycle/mini_yaml.h"

#include <doctest/doctest.h>

namespace mcf::lifecycle {

using nlohmann::json;

static json yaml(std::string_view text) {
  auto r = parseYaml(text);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

TEST_CASE("parseYaml reads release output with plain and quoted commands") {
  json doc = yaml(
      "---\n"
      "default_process_types:\n"
      "  web: bundle exec rackup config.ru -p $PORT  # the app\n"
      "  worker: \"node worker.js --name \\\"a b\\\"\"\n"
      "  clock: 'ruby clock.rb ''now'''\n"
      "addons: []\n"
      "config_vars: {}\n");
  CHECK(doc["default_process_types"]["web"] == "bundle exec rackup config.ru -p $PORT");
  CHECK(doc["default_process_types"]["worker"] == "node worker.js --name \"a b\"");
  CHECK(doc["default_process_types"]["clock"] == "ruby clock.rb 'now'");
  CHECK(doc["addons"] == json::array());
  CHECK(doc["config_vars"] == json::object());
}

TEST_CASE("parseYaml reads flow mappings and keeps every scalar a string") {
  json doc =
      yaml("default_process_types: {web: \"npm start\", worker: node w.js}\nversion: 1.10\n");
  CHECK(doc["default_process_types"]["web"] == "npm start");
  CHECK(doc["default_process_types"]["worker"] == "node w.js");
  CHECK(doc["version"] == "1.10");
}

TEST_CASE("parseYaml reads launch.yml: a sequence of mappings at the key's indentation") {
  json doc = yaml(
      "processes:\n"
      "- type: web\n"
      "  command: ./bin/web\n"
      "- type: \"side\"\n"
      "  command: ./side\n"
      "  platforms:\n"
      "    cloudfoundry:\n"
      "      sidecar_for: [ \"web\" ]\n");
  REQUIRE(doc["processes"].size() == 2);
  CHECK(doc["processes"][0]["type"] == "web");
  CHECK(doc["processes"][0]["command"] == "./bin/web");
  CHECK(doc["processes"][1]["platforms"]["cloudfoundry"]["sidecar_for"] == json::array({"web"}));
}

TEST_CASE("parseYaml reads block scalars and multi-line plain values") {
  json doc = yaml(
      "literal: |\n"
      "  line one\n"
      "  line two\n"
      "folded: >-\n"
      "  a\n"
      "  b\n"
      "plain: first\n"
      "  second\n");
  CHECK(doc["literal"] == "line one\nline two\n");
  CHECK(doc["folded"] == "a b");
  CHECK(doc["plain"] == "first second");
}

TEST_CASE("parseYaml reads a Procfile, comments, CRLF and URLs in values") {
  json doc = yaml("# processes\r\nweb: python3 app.py\r\nworker: curl http://x:8080/a#b\r\n");
  CHECK(doc["web"] == "python3 app.py");
  CHECK(doc["worker"] == "curl http://x:8080/a#b");
}

TEST_CASE("parseYaml: empty input is an empty scalar, and a bare word is a scalar") {
  CHECK(yaml("") == "");
  CHECK(yaml("# nothing\n---\n") == "");
  CHECK(yaml("hello") == "hello");
}

TEST_CASE("parseYaml rejects broken documents and names the line") {
  auto bad_indent = parseYaml("a:\n  b: 1\n   c: 2\n");
  REQUIRE_FALSE(bad_indent.ok());
  CHECK(bad_indent.error().code == base::Errc::kParse);
  CHECK(bad_indent.error().message.find("line 3") != std::string::npos);

  CHECK_FALSE(parseYaml("web: \"unterminated\n").ok());
  CHECK_FALSE(parseYaml("a: {b: c\n").ok());
  CHECK_FALSE(parseYaml("a: 1\n\tb: 2\n").ok());
  CHECK_FALSE(parseYaml("a: 1\nnot a mapping line\n").ok());
  CHECK_FALSE(parseYaml("a: \"x\" trailing\n").ok());
}

TEST_CASE("stringMap accepts mappings of strings and refuses everything else") {
  auto ok = stringMap(json{{"web", "x"}}, "Procfile");
  REQUIRE(ok.ok());
  CHECK(ok->at("web") == "x");
  CHECK(stringMap(json(""), "Procfile")->empty());
  auto nested = stringMap(json{{"web", {{"a", "b"}}}}, "Procfile");
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().message == "Procfile: the value of `web` is not a string");
  CHECK_FALSE(stringMap(json("just text"), "default_process_types").ok());
}

}  // namespace mcf::lifecycle
