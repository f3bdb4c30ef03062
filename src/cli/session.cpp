// Session: authenticated requests to the microcf API, with tokens kept fresh.
#include "cli/session.h"

#include <chrono>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "base/strutil.h"
#include "cli/json_util.h"
#include "cli/log_batch.h"
#include "cli/token.h"
#include "cli/poll.h"
#include "http/client.h"
#include "http/url.h"

namespace mcf::cli {

namespace {

using nlohmann::json;

constexpr const char* kUserAgent = "microcf/" MICROCF_VERSION;

bool isAbsoluteUrl(const std::string& s) {
  return s.starts_with("http://") || s.starts_with("https://");
}

}  // namespace

std::string apiErrorMessage(const http::Response& response) {
  auto j = json::parse(response.body, nullptr, false);
  if (j.is_object()) {
    auto errors = j.find("errors");
    if (errors != j.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      std::string detail = jstr((*errors)[0], "detail");
      std::string title = jstr((*errors)[0], "title");
      if (detail.empty()) return title;
      return title.empty() ? detail : fmt::format("{} ({})", detail, title);
    }
    if (std::string d = jstr(j, "error_description"); !d.empty()) return d;
    if (std::string d = jstr(j, "description"); !d.empty()) return d;
  }
  std::string body = base::trim(response.body);
  if (body.size() > 300) body = body.substr(0, 300) + "...";
  return fmt::format("The API answered {} {}{}{}", response.status,
                     http::statusText(response.status), body.empty() ? "" : ": ", body);
}

int fail(const base::Error& error) { return fail(error.message); }

void printWarnings(const http::Response& response) {
  const std::string* header = response.header("X-Cf-Warnings");
  if (!header || base::trim(*header).empty()) return;
  std::fflush(stdout);
  for (const auto& w : base::split(*header, ','))
    if (!base::trim(w).empty()) fmt::print(stderr, "{}\n", base::urlDecode(base::trim(w)));
  std::fflush(stderr);
}

int fail(const std::string& message) {
  std::fflush(stdout);
  fmt::print(stderr, "{}\n", message);
  std::fflush(stderr);
  fmt::print("FAILED\n");
  std::fflush(stdout);
  return 1;
}

Session::Session(Home home) : home_(std::move(home)) {}

std::string Session::userName() const { return jwtUserName(config_.access_token); }

base::Status Session::loadConfig() {
  if (loaded_) return {};
  auto config = home_.loadConfig();
  if (!config) return config.takeError();
  config_ = std::move(*config);
  loaded_ = true;
  return {};
}

base::Status Session::saveConfig() { return home_.saveConfig(config_); }

base::Status Session::ensureToken() {
  MCF_TRY(loadConfig());
  auto daemon = home_.loadDaemon();
  if (config_.api.empty() || (config_.api_from_daemon && daemon && daemon->api != config_.api)) {
    if (!daemon)
      return base::makeError(base::Errc::kUnauthenticated,
                             "Not logged in. Start the platform with 'microcf up' (or use "
                             "'microcf login -a URL').");
    // A fresh platform or one on another port: old tokens and target mean nothing there.
    config_ = Config{};
    config_.api = daemon->api;
    config_.api_from_daemon = true;
  }
  if (!config_.access_token.empty() &&
      !tokenNeedsRefresh(config_.access_token, static_cast<int64_t>(std::time(nullptr))))
    return {};
  return reauthenticate();
}

base::Status Session::reauthenticate() {
  if (!config_.refresh_token.empty()) {
    auto refreshed = tokenGrant(config_.api, "grant_type=refresh_token&refresh_token=" +
                                                 base::urlEncode(config_.refresh_token));
    if (refreshed) return saveConfig();
    if (refreshed.error().code == base::Errc::kUnavailable) return refreshed;
  }
  if (auto creds = home_.loadAdminCredentials()) {
    MCF_TRY(tokenGrant(config_.api, "grant_type=password&username=" +
                                        base::urlEncode(creds->username) + "&password=" +
                                        base::urlEncode(creds->password)));
    return saveConfig();
  }
  config_.access_token.clear();
  config_.refresh_token.clear();
  return base::makeError(base::Errc::kUnauthenticated,
                         "Not logged in. Use 'microcf login' to log in to {}.", config_.api);
}

base::Status Session::tokenGrant(const std::string& api, const std::string& form_body,
                                const std::string& basic) {
  http::Headers headers = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Accept", "application/json"},
      {"Authorization", "Basic " + base::base64Encode(basic)},
  };
  auto response = rawFetch("POST", api + "/oauth/token", form_body, headers, 30000);
  if (!response) return response.takeError();
  if (response->status == 401) {
    // A locked account or a throttled address says so; plain bad credentials as the cf CLI.
    auto j = json::parse(response->body, nullptr, false);
    std::string why = j.is_object() ? jstr(j, "error_description") : "";
    if (why.find("Try again") != std::string::npos)
      return base::makeError(base::Errc::kBadCredentials, "{}", why);
    return base::makeError(base::Errc::kBadCredentials,
                           "Credentials were rejected, please try again.");
  }
  if (response->status / 100 != 2)
    return base::makeError(base::Errc::kUnauthenticated, "Authentication failed: {}",
                           apiErrorMessage(*response));
  auto j = json::parse(response->body, nullptr, false);
  if (!j.is_object() || jstr(j, "access_token").empty())
    return base::makeError(base::Errc::kParse, "The token endpoint {}/oauth/token answered "
                           "without an access_token: is {} a microcf API?", api, api);
  config_.access_token = jstr(j, "access_token");
  if (std::string refresh = jstr(j, "refresh_token"); !refresh.empty())
    config_.refresh_token = refresh;
  return {};
}

base::Status Session::login(const std::string& api, const std::string& username,
                            const std::string& password) {
  MCF_TRY(loadConfig());
  Config fresh;
  fresh.api = normalizeApiUrl(api);
  auto daemon = home_.loadDaemon();
  fresh.api_from_daemon = daemon && daemon->api == fresh.api;
  if (fresh.api == config_.api) {
    fresh.org = config_.org;
    fresh.space = config_.space;
  }
  config_ = std::move(fresh);
  MCF_TRY(tokenGrant(config_.api, "grant_type=password&username=" + base::urlEncode(username) +
                                      "&password=" + base::urlEncode(password)));
  return saveConfig();
}

base::Status Session::authClient(const std::string& client_id, const std::string& secret) {
  MCF_TRY(loadConfig());
  if (config_.api.empty()) {
    auto daemon = home_.loadDaemon();
    if (!daemon)
      return base::makeError(base::Errc::kUnauthenticated,
                             "No API endpoint: use 'microcf login -a URL' first, or start the "
                             "platform with 'microcf up'.");
    config_.api = daemon->api;
    config_.api_from_daemon = true;
  }
  MCF_TRY(tokenGrant(config_.api, "grant_type=client_credentials",
                     base::urlEncode(client_id) + ":" + base::urlEncode(secret)));
  config_.refresh_token.clear();
  return saveConfig();
}

base::Result<http::Response> Session::rawFetch(const std::string& method, const std::string& url,
                                               const std::string& body,
                                               const http::Headers& headers,
                                               uint64_t timeout_ms) {
  auto parsed = http::parseUrl(url);
  if (!parsed)
    return base::makeError(base::Errc::kInvalid, "{}: use an API URL like "
                           "http://api.localhost:8080", parsed.error().message);
  http::ClientRequest request;
  request.method = method;
  request.host = parsed->host;
  request.port = parsed->port;
  request.target = parsed->target;
  request.headers = headers;
  request.headers.push_back({"User-Agent", kUserAgent});
  request.body = body;
  request.timeout_ms = timeout_ms;
  auto response = http::fetch(request);
  if (response) return response;
  const base::Error& e = response.error();
  if (e.code == base::Errc::kUnavailable)
    return base::makeError(base::Errc::kUnavailable,
                           "Cannot reach the microcf API at {}: {}. Is 'microcf up' running?",
                           config_.api.empty() ? url : config_.api, e.message);
  return base::makeError(e.code, "The microcf API at {} did not answer {} {}: {}",
                         config_.api.empty() ? url : config_.api, method, parsed->target,
                         e.message);
}

base::Result<http::Response> Session::send(const std::string& method, const std::string& path,
                                           const std::string& body,
                                           const http::Headers& headers,
                                           uint64_t timeout_ms) {
  MCF_TRY(ensureToken());
  std::string url = isAbsoluteUrl(path) ? path : config_.api + path;
  for (int attempt = 0;; ++attempt) {
    http::Headers all = headers;
    all.push_back({"Authorization", "bearer " + config_.access_token});
    if (!http::findHeader(all, "Accept")) all.push_back({"Accept", "application/json"});
    auto response = rawFetch(method, url, body, all, timeout_ms);
    if (response) printWarnings(*response);
    if (!response || response->status != 401 || attempt > 0) return response;
    // A token the platform no longer accepts (a new data dir, a new signing key).
    config_.access_token.clear();
    auto status = reauthenticate();
    if (!status) return response;
  }
}

base::Result<json> Session::api(const std::string& method, const std::string& path,
                                const json& body) {
  http::Headers headers;
  std::string payload;
  if (!body.is_null()) {
    headers.push_back({"Content-Type", "application/json"});
    payload = body.dump();
  }
  auto response = send(method, path, payload, headers);
  if (!response) return response.takeError();
  if (response->status / 100 != 2)
    return base::Error{response->status == 404 ? base::Errc::kNotFound : base::Errc::kInvalid,
                       apiErrorMessage(*response)};
  if (base::trim(response->body).empty()) return json(nullptr);
  auto j = json::parse(response->body, nullptr, false);
  if (j.is_discarded())
    return base::makeError(base::Errc::kParse, "{} {} answered with something that is not "
                           "JSON: is {} a microcf API?", method, path, config_.api);
  return j;
}

base::Result<std::string> Session::startJob(const std::string& method, const std::string& path,
                                            const std::string& body,
                                            const std::string& content_type) {
  http::Headers headers;
  if (!content_type.empty()) headers.push_back({"Content-Type", content_type});
  auto response = send(method, path, body, headers);
  if (!response) return response.takeError();
  if (response->status / 100 != 2)
    return base::Error{response->status == 404 ? base::Errc::kNotFound : base::Errc::kInvalid,
                       apiErrorMessage(*response)};
  const std::string* location = response->header("Location");
  return location ? *location : std::string();
}

base::Result<std::vector<json>> Session::listAll(const std::string& path) {
  std::vector<json> out;
  std::string next = path;
  while (!next.empty()) {
    auto page = get(next);
    if (!page) return page.takeError();
    if (auto it = page->find("resources"); it != page->end() && it->is_array())
      for (auto& r : *it) out.push_back(std::move(r));
    next.clear();
    auto pagination = page->find("pagination");
    if (pagination != page->end() && pagination->is_object()) {
      auto n = pagination->find("next");
      if (n != pagination->end() && n->is_object()) next = jstr(*n, "href");
    }
  }
  return out;
}

base::Status Session::waitJob(const std::string& job_url) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  PollDelay delay;
  for (;;) {
    auto job = get(job_url);
    if (!job) return job.takeError();
    std::string state = jstr(*job, "state");
    if (state == "COMPLETE") return {};
    if (state == "FAILED") {
      std::string detail;
      if (auto it = job->find("errors"); it != job->end() && it->is_array() && !it->empty())
        detail = jstr((*it)[0], "detail");
      return base::makeError(base::Errc::kInvalid, "{}",
                             detail.empty() ? "The job failed without saying why" : detail);
    }
    if (std::chrono::steady_clock::now() > deadline)
      return base::makeError(base::Errc::kUnavailable,
                             "The job {} did not finish in 10 minutes", job_url);
    delay.sleep();
  }
}

base::Result<std::vector<logs::Envelope>> Session::readLogs(const std::string& source_id,
                                                            int64_t start_time_ns, size_t limit,
                                                            bool descending) {
  auto answer = get("/api/v1/read/" + source_id + "?" +
                    readQuery(start_time_ns, limit, descending));
  if (!answer) return answer.takeError();
  return parseEnvelopes(*answer);
}

std::string Session::routeUrl(const std::string& route_url) const {
  int port = 80;
  if (auto api = http::parseUrl(config_.api)) port = api->port;
  size_t slash = route_url.find('/');
  std::string host = route_url.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : route_url.substr(slash);
  return port == 80 ? fmt::format("http://{}{}", host, path)
                    : fmt::format("http://{}:{}{}", host, port, path);
}

}  // namespace mcf::cli
