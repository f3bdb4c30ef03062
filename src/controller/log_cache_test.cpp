// Tests of the log-cache API: read parameters and errors, the envelope's tags, and the
// Server-Sent Events stream (collected and live, slow readers, Last-Event-ID).
#include <doctest/doctest.h>

#include "base/strutil.h"
#include "controller/testing/harness.h"

using namespace mcf;
using namespace mcf::controller;

namespace {

std::vector<std::string> payloads(const json& answer) {
  std::vector<std::string> out;
  for (const auto& e : answer["envelopes"]["batch"])
    out.push_back(base::base64Decode(e["log"]["payload"].get<std::string>()));
  return out;
}

// A live stream's writer that a test drains by hand.
struct FakeWriter : http::BodyWriter {
  std::string body;
  size_t backlog = 0;  // what pending() says
  bool ended = false;
  std::function<void()> on_close;
  bool write(std::string_view piece) override {
    if (ended) return false;
    body.append(piece);
    return true;
  }
  size_t pending() const override { return backlog; }
  void end() override { ended = true; }
  void onClose(std::function<void()> fn) override { on_close = std::move(fn); }
};

std::vector<std::string> dataLines(const std::string& body) {
  std::vector<std::string> out;
  for (const auto& line : base::split(body, '\n'))
    if (line.rfind("data: ", 0) == 0) {
      json e = json::parse(line.substr(6));
      out.push_back(base::base64Decode(e["log"]["payload"].get<std::string>()));
    }
  return out;
}

}  // namespace

TEST_CASE("log-cache envelopes carry the app, space, org and process tags") {
  Harness h;
  std::string app = h.createApp("tagged");
  h.logs.emit(app, "APP/PROC/WEB", "2", false, "hi");
  json e = h.call("GET", "/api/v1/read/" + app)["envelopes"]["batch"][0];
  json tags = e["tags"];
  CHECK(e["instance_id"] == "2");
  CHECK(tags["source_type"] == "APP/PROC/WEB");
  CHECK(tags["source_id"] == app);
  CHECK(tags["app_id"] == app);
  CHECK(tags["app_name"] == "tagged");
  CHECK(tags["space_name"] == "dev");
  CHECK(tags["organization_name"] == "microcf");
  CHECK(tags["space_id"].get<std::string>().size() == 36);
  CHECK(tags["organization_id"].get<std::string>().size() == 36);
  CHECK(tags["process_type"] == "web");
  CHECK(tags["process_id"].get<std::string>().size() == 36);
  CHECK(tags["instance_id"] == "2");
}

TEST_CASE("log-cache read: time range, limit, descending, envelope types and errors") {
  Harness h;
  std::string app = h.createApp("ranged");
  for (int i = 0; i < 5; ++i) h.logs.emit(app, "APP/PROC/WEB", "0", false, std::to_string(i));
  auto all = h.logs.read(app, {.limit = 10});
  std::string base = "/api/v1/read/" + app;
  std::string t1 = std::to_string(all[1].timestamp_ns), t3 = std::to_string(all[3].timestamp_ns);
  CHECK(payloads(h.call("GET", base + "?start_time=" + t1 + "&end_time=" + t3)) ==
        std::vector<std::string>{"1", "2"});
  CHECK(payloads(h.call("GET", base + "?limit=2&descending=true")) ==
        std::vector<std::string>{"4", "3"});
  CHECK(payloads(h.call("GET", base + "?limit=2&end_time=" + t3 + "&descending=true")) ==
        std::vector<std::string>{"2", "1"});
  CHECK(payloads(h.call("GET", base + "?envelope_types=ANY&limit=1")) ==
        std::vector<std::string>{"0"});
  CHECK(payloads(h.call("GET", base + "?envelope_types=COUNTER")).empty());
  CHECK(payloads(h.call("GET", base + "?limit=1000")).size() == 5);

  http::Response over = h.as_admin("GET", base + "?limit=1001");
  CHECK(over.status == 400);
  json err = json::parse(over.body)["errors"][0];
  CHECK(err["code"].is_number());
  CHECK(err["detail"].get<std::string>().find("limit must be at most 1000") != std::string::npos);
  http::Response bad = h.as_admin("GET", base + "?start_time=yesterday");
  CHECK(bad.status == 400);
  CHECK(bad.body.find("start_time") != std::string::npos);
  CHECK(h.request("GET", base).status == 401);
  json root = h.call("GET", "/");
  CHECK(root["links"]["log_cache"]["href"].is_string());
}

TEST_CASE("the SSE stream replays from start_time and ends after limit when asked") {
  Harness h;
  std::string app = h.createApp("streamed");
  for (int i = 0; i < 4; ++i) h.logs.emit(app, "APP/PROC/WEB", "0", false, "line " + std::to_string(i));
  http::Response r = h.as_admin("GET", "/api/v1/stream/" + app + "?start_time=0&limit=3");
  CHECK(r.status == 200);
  REQUIRE(r.header("Content-Type"));
  CHECK(*r.header("Content-Type") == "text/event-stream");
  CHECK(dataLines(r.body) == std::vector<std::string>{"line 0", "line 1", "line 2"});
  auto all = h.logs.read(app, {.limit = 10});
  CHECK(r.body.rfind("id: " + std::to_string(all[0].timestamp_ns) + "\ndata: {", 0) == 0);
  CHECK(h.request("GET", "/api/v1/stream/" + app).status == 401);
  CHECK(h.as_admin("GET", "/api/v1/stream/" + app + "?start_time=x").status == 400);
}

TEST_CASE("the SSE stream goes live, resumes after Last-Event-ID and survives a slow reader") {
  Harness h;
  std::string app = h.createApp("live");
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "old");
  std::string token = h.login("admin", h.admin_password);
  auto open = [&](http::Headers headers, std::shared_ptr<FakeWriter>& writer) {
    http::Request req;
    req.method = "GET";
    req.target = req.path = "/api/v1/stream/" + app;
    req.headers = std::move(headers);
    req.headers.push_back({"Authorization", "bearer " + token});
    h.controller->handle(std::move(req),
                         http::Responder::toCallback([](http::Response) {}, nullptr,
                                                     [&](http::Response head) {
                                                       CHECK(head.status == 200);
                                                       writer = std::make_shared<FakeWriter>();
                                                       return writer;
                                                     }));
    REQUIRE(writer);
  };
  std::shared_ptr<FakeWriter> live;
  open({}, live);
  CHECK(live->body.empty());  // without start_time: new envelopes only
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "new 1");
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "new 2");
  CHECK(dataLines(live->body) == std::vector<std::string>{"new 1", "new 2"});

  // A reader 1 MiB behind loses envelopes, counted, and hears about it once it drains.
  live->backlog = 2 << 20;
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "lost 1");
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "lost 2");
  live->backlog = 0;
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "after");
  CHECK(dataLines(live->body) == std::vector<std::string>{"new 1", "new 2",
                                                          "dropped 2 envelopes: slow reader",
                                                          "after"});
  CHECK(live->body.find("\"source_type\":\"LGR\"") != std::string::npos);

  // Resume from the id of "new 1": everything after it that the buffer has.
  auto all = h.logs.read(app, {.limit = 10});
  std::shared_ptr<FakeWriter> resumed;
  open({{"Last-Event-ID", std::to_string(all[1].timestamp_ns)}}, resumed);
  CHECK(dataLines(resumed->body) ==
        std::vector<std::string>{"new 2", "lost 1", "lost 2", "after"});

  // A client that goes away is unsubscribed: later envelopes are not written to it.
  live->on_close();
  size_t before = live->body.size();
  h.logs.emit(app, "APP/PROC/WEB", "0", false, "gone");
  CHECK(live->body.size() == before);
  CHECK(dataLines(resumed->body).back() == "gone");
}
