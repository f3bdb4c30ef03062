// Session: the CLI's connection to one microcf API: where it is, the tokens, the target,
// automatic login, and authenticated requests that turn API errors into messages.
//
// Owns: config.json updates (tokens, target). Does not own: what commands print.
// Thread: the CLI's only thread; every call blocks (http::fetch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cli/config.h"
#include "http/message.h"
#include "logs/log_store.h"

namespace mcf::cli {

class Session {
 public:
  explicit Session(Home home);

  const Home& home() const { return home_; }
  const Config& config() const { return config_; }
  // The API base URL ("http://api.localhost:8080"), once known.
  const std::string& api() const { return config_.api; }
  std::string userName() const;

  // An API and a usable token: takes the API from config.json or daemon.json; refreshes a
  // token that expires within a minute; else logs in from admin-credentials without asking.
  base::Status ensureToken();
  // ensureToken, and an org and a space targeted (the only ones, or microcf/dev).
  base::Status ensureTarget();

  // `microcf login`: password grant against api; saves api and tokens, forgets the target.
  base::Status login(const std::string& api, const std::string& username,
                     const std::string& password);
  // `microcf auth CLIENT SECRET --client-credentials`: a client_credentials token of that
  // client for the current API (no refresh token: it logs in again when it expires).
  base::Status authClient(const std::string& client_id, const std::string& secret);
  base::Status targetOrg(const std::string& name);
  base::Status targetSpace(const std::string& name);
  // Picks the only org/space, else the ones named microcf/dev; kNotFound when it cannot.
  base::Status autoTarget();

  // An authenticated request; path is relative to the API ("/v3/apps") or an absolute URL.
  // Any HTTP status is a value; only "could not talk to the API" is an error. A 401 gets one
  // more try with a fresh token.
  base::Result<http::Response> send(const std::string& method, const std::string& path,
                                    const std::string& body = {},
                                    const http::Headers& headers = {},
                                    uint64_t timeout_ms = 60000);
  // JSON in, JSON out: a non-2xx answer is an error with errors[0].detail. body null = none.
  base::Result<nlohmann::json> api(const std::string& method, const std::string& path,
                                   const nlohmann::json& body = nullptr);
  base::Result<nlohmann::json> get(const std::string& path) { return api("GET", path); }
  // Starts an asynchronous operation (202 + Location); returns the job URL, "" if none.
  base::Result<std::string> startJob(const std::string& method, const std::string& path,
                                     const std::string& body = {},
                                     const std::string& content_type = {});
  // Every resource of a list, following pagination.next.
  base::Result<std::vector<nlohmann::json>> listAll(const std::string& path);
  // Polls a job (its URL from Location) until COMPLETE; FAILED is an error with its detail.
  base::Status waitJob(const std::string& job_url);
  // Log-cache read of one app's LOG envelopes, oldest first.
  base::Result<std::vector<logs::Envelope>> readLogs(const std::string& source_id,
                                                     int64_t start_time_ns, size_t limit,
                                                     bool descending);
  // The URL a person opens for a route: "hello.localhost/x" → "http://hello.localhost:8080/x".
  std::string routeUrl(const std::string& route_url) const;

 private:
  base::Status loadConfig();
  base::Status saveConfig();
  // Refresh token, else admin-credentials; kUnauthenticated saying what to do otherwise.
  base::Status reauthenticate();
  // basic: "id:secret" of the client (the cf CLI's client "cf:" unless given).
  base::Status tokenGrant(const std::string& api, const std::string& form_body,
                          const std::string& basic = "cf:");
  base::Result<http::Response> rawFetch(const std::string& method, const std::string& url,
                                        const std::string& body, const http::Headers& headers,
                                        uint64_t timeout_ms);

  Home home_;
  Config config_;
  bool loaded_ = false;
};

// The message of a failed API answer: errors[0].detail and its title, else a summary.
std::string apiErrorMessage(const http::Response& response);
// Prints the error and FAILED as cf does; returns the exit status 1.
int fail(const base::Error& error);
int fail(const std::string& message);
// The warnings of an X-Cf-Warnings header (comma-separated, each URL-encoded), one per line
// on stderr, as the cf CLI shows them.
void printWarnings(const http::Response& response);

}  // namespace mcf::cli
