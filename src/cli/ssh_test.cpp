// Tests of `microcf ssh`'s pure parts.
#include "cli/ssh.h"

#include <doctest/doctest.h>

using namespace mcf::cli;
using nlohmann::json;

TEST_CASE("the ssh endpoint comes from the API root's app_ssh link") {
  json root = {{"links", {{"app_ssh", {{"href", "ssh.localhost:2222"}}}}}};
  auto ep = sshEndpoint(root);
  REQUIRE(ep.ok());
  CHECK(ep->host == "ssh.localhost");
  CHECK(ep->port == 2222);
  auto off = sshEndpoint({{"links", {{"app_ssh", nullptr}}}});
  REQUIRE_FALSE(off.ok());
  CHECK(off.error().message.find("SSH is disabled") != std::string::npos);
  CHECK_FALSE(sshEndpoint({{"links", {{"app_ssh", {{"href", "ssh.localhost"}}}}}}).ok());
}

TEST_CASE("a terminal by default only for a shell on a terminal; -t forces, -T wins") {
  CHECK(wantTerminal(false, true, false, false));
  CHECK_FALSE(wantTerminal(true, true, false, false));
  CHECK_FALSE(wantTerminal(false, false, false, false));
  CHECK(wantTerminal(true, false, true, false));
  CHECK_FALSE(wantTerminal(false, true, true, true));
}

TEST_CASE("the request line is one JSON object with the command only when given") {
  SshRequest r{.token = "t", .app_guid = "g", .index = 2, .command = std::nullopt};
  std::string line = sshRequestLine(r);
  REQUIRE(line.back() == '\n');
  json j = json::parse(line);
  CHECK(j["app"] == "g");
  CHECK(j["index"] == 2);
  CHECK_FALSE(j.contains("command"));
  r.command = "echo hi";
  CHECK(json::parse(sshRequestLine(r))["command"] == "echo hi");
}
