// Tests of messages, the Responder contract and status texts.
#include "http/message.h"

#include <doctest/doctest.h>

using namespace mcf::http;

TEST_CASE("headers are found case-insensitively; host() drops the port") {
  Request req;
  req.headers = {{"HOST", "MyApp.LocalHost:8080"}, {"x-a", "1"}, {"X-A", "2"}};
  CHECK(*req.header("x-A") == "1");
  CHECK(req.header("missing") == nullptr);
  CHECK(req.host() == "myapp.localhost");
  req.headers[0].value = "[::1]:8080";
  CHECK(req.host() == "[::1]");
  req.headers[0].value = " \tApp.Example.COM ";
  CHECK(req.host() == "app.example.com");
  req.headers[0].value = "[::1";  // unclosed: kept whole
  CHECK(req.host() == "[::1");
  removeHeader(req.headers, "X-a");
  CHECK(req.headers.size() == 1);
}

TEST_CASE("Response helpers set Content-Type; set() replaces") {
  Response r = Response::json(201, "{}");
  CHECK(r.status == 201);
  CHECK(*r.header("content-type") == "application/json");
  r.set("Content-Type", "text/html");
  r.set("X-New", "v");
  CHECK(r.headers.size() == 2);
  CHECK(*r.header("Content-Type") == "text/html");
  CHECK(*Response::text(200, "").header("Content-Type") == "text/plain; charset=utf-8");
}

TEST_CASE("a Responder answers once across copies, and a dropped one answers 500") {
  std::vector<int> got;
  {
    Responder r = Responder::toCallback([&](Response resp) { got.push_back(resp.status); });
    Responder copy = r;
    CHECK(copy.alive());
    copy.send(Response::text(201, ""));
    r.send(Response::text(202, ""));
    CHECK_FALSE(r.alive());
  }
  CHECK(got == std::vector<int>{201});
  {
    Responder r = Responder::toCallback([&](Response resp) { got.push_back(resp.status); });
    Responder copy = r;
  }
  CHECK(got == std::vector<int>{201, 500});
  Responder nobody;
  CHECK_FALSE(nobody.alive());
  nobody.send(Response{});  // no-op
}

TEST_CASE("statusText knows the common codes") {
  CHECK(std::string(statusText(200)) == "OK");
  CHECK(std::string(statusText(404)) == "Not Found");
  CHECK(std::string(statusText(431)) == "Request Header Fields Too Large");
  CHECK(std::string(statusText(599)) == "Unknown");
}

TEST_CASE("stream() without a streaming transport delivers the head and pieces at end()") {
  std::vector<Response> got;
  Responder r = Responder::toCallback([&](Response resp) { got.push_back(std::move(resp)); });
  Response head = Response::text(200, "first\n");
  std::shared_ptr<BodyWriter> w = r.stream(std::move(head));
  REQUIRE(w);
  CHECK(w->write("second\n"));
  CHECK(got.empty());
  w->end();
  CHECK_FALSE(w->write("late\n"));
  REQUIRE(got.size() == 1);
  CHECK(got[0].status == 200);
  CHECK(got[0].body == "first\nsecond\n");
  CHECK(r.stream(Response::text(200, "")) == nullptr);  // answered already
  r.send(Response::text(500, "no"));                     // and send() is a no-op now
  CHECK(got.size() == 1);
}

TEST_CASE("stream() goes to the transport's opener when it has one") {
  struct Writer : BodyWriter {
    std::string out;
    bool write(std::string_view p) override { out.append(p); return true; }
    size_t pending() const override { return 0; }
    void end() override {}
    void onClose(std::function<void()>) override {}
  };
  auto writer = std::make_shared<Writer>();
  int opened = 0;
  Responder r = Responder::toCallback([](Response) {}, nullptr, [&](Response head) {
    ++opened;
    CHECK(head.status == 201);
    return writer;
  });
  std::shared_ptr<BodyWriter> w = r.stream(Response::text(201, ""));
  CHECK(opened == 1);
  CHECK(w == writer);
}

TEST_CASE("splitTarget: decoded path, raw query, absolute form keeps only the path") {
  Request r;
  r.target = "/v3/apps%20x?names=a%20b&x=1";
  r.splitTarget();
  CHECK(r.path == "/v3/apps x");
  CHECK(r.query == "names=a%20b&x=1");
  r.target = "http://app.localhost:8080/p/q?z";
  r.splitTarget();
  CHECK(r.path == "/p/q");
  CHECK(r.query == "z");
  r.target = "http://app.localhost";
  r.splitTarget();
  CHECK(r.path == "/");
  CHECK(r.query.empty());
}
