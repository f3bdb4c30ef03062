// The CLI's files in $MICROCF_HOME.
#include "cli/config.h"

#include <sys/stat.h>

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/ids.h"

using mcf::cli::Home;

namespace {

struct TempHome {
  std::string dir = "/tmp/microcf-cli-test-" + mcf::base::randomHex(6);
  TempHome() { REQUIRE(mcf::base::makeDirs(dir).ok()); }
  ~TempHome() { (void)mcf::base::removeTree(dir); }
  void write(const std::string& name, const std::string& text) {
    REQUIRE(mcf::base::writeFileAtomic(mcf::base::joinPath(dir, name), text).ok());
  }
};

}  // namespace

TEST_CASE("config.json round trip, written 0600") {
  TempHome t;
  Home home(t.dir);
  auto empty = home.loadConfig();
  REQUIRE(empty.ok());
  CHECK(empty->api.empty());

  mcf::cli::Config c;
  c.api = "http://api.localhost:8080";
  c.access_token = "a.b.c";
  c.refresh_token = "r";
  c.org = {"org-guid", "microcf"};
  c.space = {"space-guid", "dev"};
  c.api_from_daemon = true;
  REQUIRE(home.saveConfig(c).ok());
  struct stat st {};
  REQUIRE(::stat((t.dir + "/config.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto back = home.loadConfig();
  REQUIRE(back.ok());
  CHECK(back->api == c.api);
  CHECK(back->access_token == "a.b.c");
  CHECK(back->refresh_token == "r");
  CHECK(back->org.name == "microcf");
  CHECK(back->space.guid == "space-guid");
  CHECK(back->api_from_daemon);
}

TEST_CASE("a corrupt config.json says what to do") {
  TempHome t;
  t.write("config.json", "{not json");
  auto c = Home(t.dir).loadConfig();
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("delete it") != std::string::npos);
}

TEST_CASE("daemon.json and admin-credentials") {
  TempHome t;
  Home home(t.dir);
  CHECK_FALSE(home.loadDaemon().has_value());
  CHECK_FALSE(home.loadAdminCredentials().has_value());
  t.write("daemon.json",
          R"({"api":"http://api.localhost:9090/","port":9090,"domain":"localhost","pid":42})");
  auto d = home.loadDaemon();
  REQUIRE(d.has_value());
  CHECK(d->api == "http://api.localhost:9090");
  CHECK(d->port == 9090);
  CHECK(d->pid == 42);
  t.write("admin-credentials", R"({"username":"admin","password":"s3cret"})");
  auto creds = home.loadAdminCredentials();
  REQUIRE(creds.has_value());
  CHECK(creds->username == "admin");
  CHECK(creds->password == "s3cret");
}

TEST_CASE("admin-credentials in the daemon's data dir are found too") {
  TempHome t;
  TempHome data;
  data.write("admin-credentials", R"({"username":"admin","password":"p"})");
  t.write("daemon.json", R"({"api":"http://api.localhost:8080","data_dir":")" + data.dir + "\"}");
  auto creds = Home(t.dir).loadAdminCredentials();
  REQUIRE(creds.has_value());
  CHECK(creds->password == "p");
}

TEST_CASE("normalizeApiUrl") {
  CHECK(mcf::cli::normalizeApiUrl("api.localhost:8080") == "http://api.localhost:8080");
  CHECK(mcf::cli::normalizeApiUrl("http://api.localhost:8080/") == "http://api.localhost:8080");
  CHECK(mcf::cli::normalizeApiUrl("https://api.example.com") == "https://api.example.com");
}
