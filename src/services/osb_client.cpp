// OSB requests over HTTP or to an in-process broker, with the headers Cloud Controller sends.
#include "services/osb_client.h"

#include <cstdlib>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strutil.h"
#include "http/url.h"

namespace mcf::services {

using base::Errc;
using nlohmann::json;

namespace {

std::string fieldOf(const OsbResponse& r, const char* key) {
  if (!r.body.is_object()) return "";
  auto it = r.body.find(key);
  return it != r.body.end() && it->is_string() ? it->get<std::string>() : "";
}

OsbResponse readResponse(const http::Response& raw) {
  OsbResponse r;
  r.status = raw.status;
  r.raw = raw.body;
  json j = json::parse(raw.body, nullptr, false);
  if (!j.is_discarded()) {
    r.body = std::move(j);
    r.body_is_json = true;
  }
  if (const std::string* ra = raw.header("Retry-After")) {
    char* end = nullptr;
    long v = std::strtol(ra->c_str(), &end, 10);
    if (end != ra->c_str() && v >= 0) r.retry_after_s = static_cast<int>(std::min(v, 86400L));
  }
  return r;
}

std::string builtinName(const std::string& url) {
  std::string rest = url.substr(std::string_view(kBuiltinScheme).size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  return rest;
}

}  // namespace

std::string OsbResponse::error() const { return fieldOf(*this, "error"); }
std::string OsbResponse::description() const { return fieldOf(*this, "description"); }

OsbClient::OsbClient(loop::Loop& loop, std::string api_info_url, uint64_t timeout_ms)
    : loop_(loop), api_info_url_(std::move(api_info_url)), timeout_ms_(timeout_ms), http_(loop) {}

OsbClient::~OsbClient() { *alive_ = false; }

void OsbClient::addBuiltin(const std::string& name, OsbHandler* handler) {
  builtins_[name] = handler;
}

base::Status OsbClient::checkUrl(const std::string& url) const {
  if (url.starts_with(kBuiltinScheme)) {
    if (builtins_.count(builtinName(url))) return {};
    return base::makeError(Errc::kInvalid, "There is no built-in service broker called '{}'.",
                           builtinName(url));
  }
  if (url.starts_with("https://"))
    return base::makeError(Errc::kInvalid, "The service broker URL '{}' uses https, which "
                           "microcf cannot call yet. Serve the broker over http on this "
                           "machine (for example http://127.0.0.1:PORT).", url);
  auto parsed = http::parseUrl(url);
  if (!parsed.ok() || parsed->scheme != "http")
    return base::makeError(Errc::kInvalid, "The service broker URL '{}' is not a valid http "
                           "URL. Give one such as http://127.0.0.1:9000.", url);
  std::string authority = url.substr(7, url.find('/', 7) == std::string::npos
                                            ? std::string::npos : url.find('/', 7) - 7);
  if (authority.find('@') != std::string::npos)
    return base::makeError(Errc::kInvalid, "The service broker URL must not contain "
                           "credentials; give the username and password separately.");
  return {};
}

void OsbClient::send(const model::ServiceBroker& broker, OsbRequest request,
                     std::function<void(base::Result<OsbResponse>)> done) {
  http::Headers headers = {
      {"X-Broker-API-Version", kBrokerApiVersion},
      {"X-Broker-API-Request-Identity", base::newGuid()},
      {"X-Api-Info-Location", api_info_url_},
      {"Accept", "application/json"},
      {"Authorization", "Basic " + base::base64Encode(broker.username + ":" + broker.password)},
  };
  if (!request.user_guid.empty())
    headers.push_back({"X-Broker-API-Originating-Identity",
                       "cloudfoundry " + base::base64Encode(
                                             json{{"user_id", request.user_guid}}.dump())});
  std::string body;
  if (!request.body.is_null()) {
    body = request.body.dump();
    headers.push_back({"Content-Type", "application/json"});
  }
  std::string query;
  for (const auto& [k, v] : request.query)
    query += (query.empty() ? "?" : "&") + base::urlEncode(k) + "=" + base::urlEncode(v);

  if (broker.url.starts_with(kBuiltinScheme)) {
    auto it = builtins_.find(builtinName(broker.url));
    if (it == builtins_.end()) {
      auto fail = std::make_shared<loop::Timer>(loop_);
      fail->start(0, 0, [fail, done, url = broker.url]() mutable {
        done(base::makeError(Errc::kUnavailable, "The built-in service broker {} is not "
                             "running in this microcf.", url));
        fail.reset();
      });
      return;
    }
    http::Request r;
    r.method = request.method;
    r.target = request.path + query;
    r.headers = std::move(headers);
    r.body = std::move(body);
    r.remote_addr = "127.0.0.1:0";
    r.splitTarget();
    // The handler may answer inside handle(); the answer is handed on from a later loop turn.
    auto alive = alive_;
    loop::Loop* loop = &loop_;
    it->second->handle(r, [alive, loop, done](http::Response resp) {
      if (!*alive) return;
      auto later = std::make_shared<loop::Timer>(*loop);
      later->start(0, 0, [later, alive, done, resp = std::move(resp)]() mutable {
        if (*alive) done(readResponse(resp));
        later.reset();
      });
    });
    return;
  }

  auto url = http::parseUrl(broker.url);
  if (!url.ok()) {
    auto fail = std::make_shared<loop::Timer>(loop_);
    fail->start(0, 0, [fail, done, err = url.error()]() mutable {
      done(base::makeError(Errc::kUnavailable, "{}", err.message));
      fail.reset();
    });
    return;
  }
  http::ClientRequest creq;
  creq.method = request.method;
  creq.host = url->host;
  creq.port = url->port;
  std::string base_path = url->target == "/" ? "" : url->target;
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  creq.target = base_path + request.path + query;
  creq.headers = std::move(headers);
  creq.body = std::move(body);
  creq.timeout_ms = timeout_ms_;
  std::string where = broker.url;
  uint64_t timeout_ms = timeout_ms_;
  http_.request(std::move(creq), [done, where, timeout_ms](base::Result<http::Response> r) {
    if (r.ok()) return done(readResponse(*r));
    if (r.error().code == Errc::kUnavailable)
      return done(base::makeError(Errc::kUnavailable, "The service broker could not be reached "
                                  "at {} ({}). Check that it is running and that the URL is "
                                  "right.", where, r.error().message));
    bool timed_out = r.error().message.find("within") != std::string::npos;
    if (timed_out)
      return done(base::makeError(Errc::kIo, "The service broker at {} did not answer within {} "
                                  "seconds.", where, (timeout_ms + 999) / 1000));
    done(base::makeError(Errc::kIo, "The service broker at {} failed to answer: {}", where,
                         r.error().message));
  });
}

}  // namespace mcf::services
