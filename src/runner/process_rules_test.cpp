// Tests of user lookup, program lookup, exit statuses and the process spec's JSON.
#include "runner/process_rules.h"

#include <doctest/doctest.h>
#include <errno.h>

#include "base/fs.h"
#include "runner/runner_test_paths.h"

using namespace mcf::runner;

TEST_CASE("the stemcell's passwd and group give vcap uid and gid 2000, home /home/vcap") {
  auto passwd = mcf::base::readFile(std::string(MCF_STEMCELL_DIR) + "/host/etc/passwd");
  auto group = mcf::base::readFile(std::string(MCF_STEMCELL_DIR) + "/host/etc/group");
  REQUIRE(passwd.ok());
  REQUIRE(group.ok());
  auto vcap = lookupUser(*passwd, *group, "vcap");
  REQUIRE(vcap.ok());
  CHECK(vcap->uid == kVcapUid);
  CHECK(vcap->gid == kVcapGid);
  CHECK(vcap->home == "/home/vcap");
  CHECK(vcap->groups == std::vector<uint32_t>{2000});
  CHECK(passwd->find("vcap:x:2000:2000:vcap:/home/vcap:/bin/bash\n") != std::string::npos);
  auto root = lookupUser(*passwd, *group, "root");
  REQUIRE(root.ok());
  CHECK(root->uid == 0);
  CHECK(root->gid == 0);
}

TEST_CASE("supplementary groups are those that list the user") {
  std::string passwd = "alice:x:1001:1001::/home/alice:/bin/sh\n";
  std::string group = "alice:x:1001:\nstaff:x:50:bob,alice\nwheel:x:10:bob\n";
  auto alice = lookupUser(passwd, group, "alice");
  REQUIRE(alice.ok());
  CHECK(alice->groups == std::vector<uint32_t>{1001, 50});
}

TEST_CASE("an unknown or malformed user is an error that names it") {
  auto missing = lookupUser("root:x:0:0::/root:/bin/sh\n", "", "vcap");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("user 'vcap' does not exist") != std::string::npos);
  auto bad = lookupUser("vcap:x:abc:2000::/home/vcap:/bin/sh\n", "", "vcap");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("malformed") != std::string::npos);
}

TEST_CASE("a program name is searched in the process's PATH, a path is taken as is") {
  CHECK(programCandidates("/bin/sh", {"PATH=/x"}) == std::vector<std::string>{"/bin/sh"});
  CHECK(programCandidates("./run", {}) == std::vector<std::string>{"./run"});
  CHECK(programCandidates("ruby", {"HOME=/h", "PATH=/home/vcap/deps/0/bin:/usr/bin"}) ==
        std::vector<std::string>{"/home/vcap/deps/0/bin/ruby", "/usr/bin/ruby"});
  CHECK(programCandidates("sh", {}) ==
        std::vector<std::string>{"/usr/local/bin/sh", "/usr/bin/sh", "/bin/sh"});
}

TEST_CASE("exit statuses follow the shell's convention") {
  CHECK(shellExitStatus(3, 0) == 3);
  CHECK(shellExitStatus(0, 9) == 137);
  CHECK(shellExitStatus(0, 15) == 143);
  CHECK(execFailureStatus(ENOENT) == 127);
  CHECK(execFailureStatus(EACCES) == 126);
}

TEST_CASE("a process spec survives JSON, and bad JSON is a parse error") {
  ProcessSpec spec;
  spec.path = "/bin/sh";
  spec.args = {"-c", "echo \"hi\""};
  spec.env = {"A=1", "VCAP_SERVICES={\"x\":[]}"};
  spec.dir = "/tmp";
  spec.user = "root";
  spec.tty = true;
  spec.rows = 40;
  spec.cols = 132;
  auto back = parseProcessSpec(serializeProcessSpec(spec));
  REQUIRE(back.ok());
  CHECK(back->path == spec.path);
  CHECK(back->args == spec.args);
  CHECK(back->env == spec.env);
  CHECK(back->dir == "/tmp");
  CHECK(back->user == "root");
  CHECK(back->tty);
  CHECK(back->rows == 40);
  CHECK(back->cols == 132);

  auto defaults = parseProcessSpec(R"({"path":"x"})");
  REQUIRE(defaults.ok());
  CHECK(defaults->dir == "/home/vcap");
  CHECK(defaults->user == "vcap");
  CHECK_FALSE(defaults->tty);

  auto bad = parseProcessSpec("{nope");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == mcf::base::Errc::kParse);
  CHECK_FALSE(parseProcessSpec(R"({"args":[]})").ok());
}

TEST_CASE("a user namespace maps one id: vcap inside is microcf's own user outside") {
  CHECK(singleIdMap(kVcapUid, 1000) == "2000 1000 1\n");
  CHECK(singleIdMap(kVcapGid, 65534) == "2000 65534 1\n");
}

TEST_CASE("in a user namespace of vcap alone, only vcap without other groups can run") {
  std::string passwd = "root:x:0:0::/root:/bin/sh\nvcap:x:2000:2000::/home/vcap:/bin/sh\n";
  auto vcap = lookupUser(passwd, "vcap:x:2000:\n", "vcap");
  REQUIRE(vcap.ok());
  CHECK(checkUserInUserNamespace(*vcap).ok());

  auto root = lookupUser(passwd, "", "root");
  REQUIRE(root.ok());
  auto refused = checkUserInUserNamespace(*root);
  REQUIRE_FALSE(refused.ok());
  const std::string& message = refused.error().message;
  CHECK(message.find("user 'root' (uid 0, gid 0) does not exist in this container") !=
        std::string::npos);
  CHECK(message.find("run `microcf up` as root") != std::string::npos);

  auto grouped = lookupUser(passwd, "vcap:x:2000:\nstaff:x:50:vcap\n", "vcap");
  REQUIRE(grouped.ok());
  auto no_groups = checkUserInUserNamespace(*grouped);
  REQUIRE_FALSE(no_groups.ok());
  CHECK(no_groups.error().message.find("belongs to group 50 too") != std::string::npos);
}
