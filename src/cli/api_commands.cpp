// Commands about the connection itself: login, auth, target, curl, oauth-token, create-client.
#include <cctype>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strutil.h"
#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/prompt.h"
#include "cli/session.h"
#include "cli/table.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

struct LoginOptions {
  std::string api, username, password, org, space;
};

struct TargetOptions {
  std::string org, space;
};

struct CurlOptions {
  std::string path;
  std::string method;
  std::string data;
  std::vector<std::string> headers;
  bool include = false;
};

void printTarget(Session& session) {
  std::string version;
  if (auto root = session.get(session.api() + "/"))
    version = jstr(jobj(jobj(jobj(*root, "links"), "cloud_controller_v3"), "meta"), "version");
  const Config& c = session.config();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"API endpoint", c.api}, {"API version", version}, {"user", session.userName()}};
  if (!c.org.name.empty()) rows.push_back({"org", c.org.name});
  if (!c.space.name.empty()) rows.push_back({"space", c.space.name});
  fmt::print("{}", formatKeyValues(rows));
  if (c.org.name.empty() || c.space.name.empty())
    fmt::print("\nNo {} targeted, use 'microcf target -o ORG -s SPACE'\n",
               c.org.name.empty() ? "org or space" : "space");
}

int login(const Context& ctx, LoginOptions o) {
  Session session(ctx.home);
  std::string api = o.api;
  if (api.empty()) {
    if (auto config = ctx.home.loadConfig(); config && !config->api.empty()) api = config->api;
    else if (auto daemon = ctx.home.loadDaemon()) api = daemon->api;
  }
  bool tty = stdinIsTty();
  if (api.empty() && tty) api = promptLine("API endpoint: ", false).value_or("");
  if (api.empty())
    return fail("No API endpoint: use 'microcf login -a http://api.localhost:8080' (or start the "
                "platform with 'microcf up')");
  fmt::print("API endpoint: {}\n\n", normalizeApiUrl(api));
  if ((o.username.empty() || o.password.empty()) && !tty)
    return fail(fmt::format("Username and password are needed and stdin is not a terminal: use "
                            "'microcf login -u USER -p PASSWORD' (the admin's are in {})",
                            base::joinPath(ctx.home.dir(), "admin-credentials")));
  if (o.username.empty()) o.username = base::trim(promptLine("Email: ", false).value_or(""));
  if (o.password.empty()) o.password = promptLine("Password: ", true).value_or("");
  fmt::print("Authenticating...\n");
  std::fflush(stdout);
  if (auto s = session.login(api, o.username, o.password); !s) return fail(s.error());
  fmt::print("OK\n\n");
  if (!o.org.empty()) {
    if (auto s = session.targetOrg(o.org); !s) return fail(s.error());
    fmt::print("Targeted org {}.\n", o.org);
  }
  if (!o.space.empty()) {
    if (auto s = session.targetSpace(o.space); !s) return fail(s.error());
    fmt::print("Targeted space {}.\n", o.space);
  }
  if (o.org.empty() && o.space.empty()) (void)session.autoTarget();
  fmt::print("\n");
  printTarget(session);
  return 0;
}

int target(const Context& ctx, const TargetOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  if (!o.org.empty())
    if (auto s = session.targetOrg(o.org); !s) return fail(s.error());
  if (!o.space.empty())
    if (auto s = session.targetSpace(o.space); !s) return fail(s.error());
  if (o.org.empty() && o.space.empty() &&
      (session.config().org.guid.empty() || session.config().space.guid.empty()))
    (void)session.autoTarget();
  printTarget(session);
  return 0;
}

int curl(const Context& ctx, const CurlOptions& o) {
  std::string body = o.data;
  if (body.starts_with("@")) {
    auto file = base::readFile(body.substr(1));
    if (!file) return fail(file.error());
    body = std::move(*file);
  }
  http::Headers headers;
  for (const auto& h : o.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos)
      return fail(fmt::format("-H '{}': write headers as 'Name: value'", h));
    headers.push_back({base::trim(h.substr(0, colon)), base::trim(h.substr(colon + 1))});
  }
  if (!body.empty() && !http::findHeader(headers, "Content-Type"))
    headers.push_back({"Content-Type", "application/json"});
  std::string method = o.method.empty() ? (o.data.empty() ? "GET" : "POST") : o.method;
  std::string path = o.path;
  if (!path.starts_with("/") && !path.starts_with("http://") && !path.starts_with("https://"))
    path = "/" + path;
  Session session(ctx.home);
  for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto response = session.send(method, path, body, headers);
  if (!response) return fail(response.error());
  if (o.include) {
    fmt::print("HTTP/1.1 {} {}\n", response->status, http::statusText(response->status));
    for (const auto& h : response->headers) fmt::print("{}: {}\n", h.name, h.value);
    fmt::print("\n");
  }
  auto j = nlohmann::ordered_json::parse(response->body, nullptr, false);
  if (!j.is_discarded() && !response->body.empty()) fmt::print("{}\n", j.dump(2));
  else fmt::print("{}", response->body);
  std::fflush(stdout);
  return response->status / 100 == 2 ? 0 : 1;
}

struct AuthOptions {
  std::string name, secret;
  bool client_credentials = false;
};

// cf CLI's `auth`: no prompts, no target changes; a user's password or a client's secret.
int auth(const Context& ctx, const AuthOptions& o) {
  Session session(ctx.home);
  std::string api;
  if (auto config = ctx.home.loadConfig(); config && !config->api.empty()) api = config->api;
  else if (auto daemon = ctx.home.loadDaemon()) api = daemon->api;
  if (api.empty())
    return fail("No API endpoint: use 'microcf login -a URL' first, or start the platform with "
                "'microcf up'");
  fmt::print("API endpoint: {}\nAuthenticating...\n", api);
  std::fflush(stdout);
  base::Status done = o.client_credentials ? session.authClient(o.name, o.secret)
                                           : session.login(api, o.name, o.secret);
  if (!done) return fail(done.error());
  fmt::print("OK\n\nUse 'microcf target' to view or set your target org and space.\n");
  return 0;
}

struct CreateClientOptions {
  std::string id, secret;
  std::vector<std::string> authorities;
};

// UAA's client registration (uaac client add): POST /oauth/clients, admins only.
int createClient(const Context& ctx, const CreateClientOptions& o) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("Creating client {} as {}...\n", o.id, session.userName());
  std::vector<std::string> authorities;
  for (const auto& a : o.authorities)
    for (const auto& part : base::split(a, ','))
      if (!base::trim(part).empty()) authorities.push_back(base::trim(part));
  json body = {{"client_id", o.id},
               {"client_secret", o.secret},
               {"authorized_grant_types", {"client_credentials"}},
               {"authorities", authorities},
               {"scope", {"uaa.none"}}};
  auto response = session.send("POST", "/oauth/clients", body.dump(),
                               {{"Content-Type", "application/json"}});
  if (!response) return fail(response.error());
  if (response->status != 201) {
    auto j = json::parse(response->body, nullptr, false);
    std::string why = j.is_object() ? jstr(j, "error_description") : "";
    return fail(why.empty() ? fmt::format("The API answered {}", response->status) : why);
  }
  fmt::print("OK\n\nLog in as the client with 'microcf auth {} SECRET --client-credentials'.\n",
             o.id);
  return 0;
}

int oauthToken(const Context& ctx) {
  Session session(ctx.home);
  if (auto s = session.ensureToken(); !s) return fail(s.error());
  fmt::print("bearer {}\n", session.config().access_token);
  return 0;
}

}  // namespace

void addApiCommands(CLI::App& app, CommandTable& table, const Context& ctx) {
  auto lo = std::make_shared<LoginOptions>();
  CLI::App* l = app.add_subcommand("login", "Log user in");
  l->add_option("-a", lo->api, "API endpoint (e.g. http://api.localhost:8080)");
  l->add_option("-u", lo->username, "Username");
  l->add_option("-p", lo->password, "Password");
  l->add_option("-o", lo->org, "Org");
  l->add_option("-s", lo->space, "Space");
  table.add(l, [lo, &ctx] { return login(ctx, *lo); });

  auto to = std::make_shared<TargetOptions>();
  CLI::App* t = app.add_subcommand("target", "Set or view the targeted org or space");
  t->add_option("-o,--organization", to->org, "Organization");
  t->add_option("-s,--space", to->space, "Space");
  table.add(t, [to, &ctx] { return target(ctx, *to); });

  auto co = std::make_shared<CurlOptions>();
  CLI::App* c = app.add_subcommand("curl", "Executes a request to the targeted API endpoint");
  c->add_option("path", co->path, "Path (e.g. /v3/apps) or URL")->required();
  c->add_option("-X", co->method, "HTTP method (GET, POST, PUT, PATCH, DELETE)");
  c->add_option("-d", co->data, "HTTP data to include in the request body, or '@' followed by "
                                "a file name to read the data from");
  c->add_option("-H", co->headers, "Custom header to include in the request, repeatable")
      ->allow_extra_args(false);
  c->add_flag("-i", co->include, "Include response headers in the output");
  table.add(c, [co, &ctx] { return curl(ctx, *co); });

  auto ao = std::make_shared<AuthOptions>();
  CLI::App* a = app.add_subcommand("auth", "Authenticate non-interactively");
  a->add_option("username", ao->name, "Username, or the client's id with --client-credentials")
      ->required();
  a->add_option("password", ao->secret, "Password, or the client's secret")->required();
  a->add_flag("--client-credentials", ao->client_credentials,
              "Use (non-user) service account (also called client credentials)");
  table.add(a, [ao, &ctx] { return auth(ctx, *ao); });

  auto cc = std::make_shared<CreateClientOptions>();
  CLI::App* ccmd = app.add_subcommand("create-client",
                                      "Register an OAuth client for the client_credentials grant");
  ccmd->add_option("client_id", cc->id, "The client's id")->required();
  ccmd->add_option("--secret", cc->secret, "The client's secret")->required();
  ccmd->add_option("--authorities", cc->authorities,
                   "Scopes its tokens carry, comma-separated (e.g. cloud_controller.admin)");
  table.add(ccmd, [cc, &ctx] { return createClient(ctx, *cc); });

  table.add(app.add_subcommand("oauth-token", "Retrieve and display the OAuth token for the "
                                              "current session"),
            [&ctx] { return oauthToken(ctx); });
}

}  // namespace mcf::cli
