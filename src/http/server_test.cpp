// Tests of the HTTP server over loopback: what a client sees on the wire.
#include "http/server.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "http/client.h"
#include "http/testing/raw_talk.h"

using namespace mcf;
using namespace mcf::http;
using http::testing::countOf;
using http::testing::RawStep;
using http::testing::rawTalk;

namespace {

// Answers "<METHOD> <path> q=<query> body=<body>", and echoes X-Echo into X-Echoed.
void echo(Request&& req, Responder r) {
  Response resp =
      Response::text(200, req.method + " " + req.path + " q=" + req.query + " body=" + req.body);
  if (const std::string* e = req.header("X-Echo")) resp.set("X-Echoed", *e);
  resp.set("X-Remote", req.remote_addr);
  r.send(std::move(resp));
}

base::Result<Response> roundTrip(loop::Loop& loop, ClientRequest req) {
  Client client(loop);
  std::optional<base::Result<Response>> out;
  client.request(std::move(req), [&](base::Result<Response> r) { out.emplace(std::move(r)); });
  loop.runUntil([&] { return out.has_value(); });
  REQUIRE(out.has_value());
  return std::move(*out);
}

struct Fixture {
  explicit Fixture(Handler handler = echo, ServerOptions options = {})
      : server(loop, std::move(handler), options) {
    auto st = server.listen("127.0.0.1", 0);
    REQUIRE(st.ok());
    port = server.port();
    REQUIRE(port > 0);
  }
  ClientRequest get(std::string target) {
    ClientRequest r;
    r.host = "127.0.0.1";
    r.port = port;
    r.target = std::move(target);
    return r;
  }
  loop::Loop loop;
  Server server;
  int port = 0;
};

}  // namespace

TEST_CASE("GET round trip: status, body, headers and Content-Length") {
  Fixture f;
  ClientRequest req = f.get("/hello%20there?x=1&y=2");
  req.headers.push_back({"X-Echo", "abc"});
  auto resp = roundTrip(f.loop, req);
  REQUIRE(resp.ok());
  CHECK(resp->status == 200);
  CHECK(resp->body == "GET /hello there q=x=1&y=2 body=");
  REQUIRE(resp->header("X-Echoed"));
  CHECK(*resp->header("X-Echoed") == "abc");
  REQUIRE(resp->header("Content-Length"));
  CHECK(*resp->header("Content-Length") == std::to_string(resp->body.size()));
  CHECK(*resp->header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(resp->header("X-Remote")->starts_with("127.0.0.1:"));
}

TEST_CASE("POST with a binary body arrives whole") {
  Fixture f;
  ClientRequest req = f.get("/upload");
  req.method = "POST";
  req.body = std::string("a\0b\r\n\r\nc", 8) + std::string(200000, 'x');
  auto resp = roundTrip(f.loop, req);
  REQUIRE(resp.ok());
  CHECK(resp->body == "POST /upload q= body=" + req.body);
}

TEST_CASE("keep-alive: two requests on one connection") {
  Fixture f;
  auto r = rawTalk(f.loop, f.port,
                   {{"GET /one HTTP/1.1\r\nHost: x\r\n\r\n", "body="},
                    {"GET /two HTTP/1.1\r\nHost: x\r\n\r\n", "/two q= body="}},
                   false);
  CHECK(countOf(r.received, "HTTP/1.1 200 OK\r\n") == 2);
  CHECK(countOf(r.received, "Connection: keep-alive\r\n") == 2);
  CHECK(r.received.find("GET /one") < r.received.find("GET /two"));
  CHECK_FALSE(r.closed);
}

TEST_CASE("pipelined requests are answered in order even when the first answers later") {
  loop::Loop* loop_ptr = nullptr;
  std::unique_ptr<loop::Timer> timer;
  Fixture f([&](Request&& req, Responder r) {
    if (req.path == "/slow") {
      timer = std::make_unique<loop::Timer>(*loop_ptr);
      timer->start(30, 0, [r]() mutable { r.send(Response::text(200, "slow-answer")); });
      return;
    }
    r.send(Response::text(200, "fast-answer"));
  });
  loop_ptr = &f.loop;
  auto r = rawTalk(f.loop, f.port,
                   {{"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     ""}});
  CHECK(countOf(r.received, "HTTP/1.1 200 OK") == 3);
  size_t slow_at = r.received.find("slow-answer");
  size_t fast_at = r.received.find("fast-answer");
  REQUIRE(slow_at != std::string::npos);
  REQUIRE(fast_at != std::string::npos);
  CHECK(slow_at < fast_at);
  CHECK(r.received.ends_with("Connection: close\r\n\r\nfast-answer"));
  CHECK(r.closed);
  timer.reset();  // before the loop goes
}

TEST_CASE("a chunked request body is decoded") {
  Fixture f;
  auto r = rawTalk(f.loop, f.port,
                   {{"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                     "body=hello world"}},
                   false);
  CHECK(r.received.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r.received.find("Content-Length: 27\r\n") != std::string::npos);
  CHECK(r.received.ends_with("POST /c q= body=hello world"));
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the body is sent") {
  Fixture f;
  auto r =
      rawTalk(f.loop, f.port,
              {{"PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
                "HTTP/1.1 100 Continue\r\n\r\n"},
               {"hello", "body=hello"}},
              false);
  CHECK(r.received.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
  CHECK(r.received.ends_with("PUT /e q= body=hello"));
}

TEST_CASE("limits: oversized headers get 431, oversized bodies 413, and the connection closes") {
  ServerOptions options;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 1000;
  Fixture f(echo, options);

  SUBCASE("header") {
    auto r = rawTalk(
        f.loop, f.port,
        {{"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", ""}});
    CHECK(r.received.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    CHECK(r.received.find("Connection: close\r\n") != std::string::npos);
    CHECK(r.closed);
  }
  SUBCASE("declared body") {
    auto r = rawTalk(
        f.loop, f.port,
        {{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'b'),
          ""}});
    CHECK(r.received.starts_with("HTTP/1.1 413 Payload Too Large\r\n"));
    CHECK(r.received.find("Connection: close\r\n") != std::string::npos);
    CHECK(r.received.find("the limit is 1000 bytes") != std::string::npos);
    CHECK(r.closed);
  }
  SUBCASE("chunked body") {
    std::string chunk = "258\r\n" + std::string(600, 'c') + "\r\n";
    auto r = rawTalk(f.loop, f.port,
                     {{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk +
                           chunk + "0\r\n\r\n",
                       ""}});
    CHECK(r.received.starts_with("HTTP/1.1 413 Payload Too Large\r\n"));
    CHECK(r.closed);
  }
  SUBCASE("declared body with Expect gets 413 instead of 100") {
    auto r = rawTalk(
        f.loop, f.port,
        {{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
          ""}});
    CHECK(r.received.starts_with("HTTP/1.1 413 "));
    CHECK(r.received.find("100 Continue") == std::string::npos);
  }
}

TEST_CASE("garbage gets 400 with Connection: close") {
  Fixture f;
  auto r = rawTalk(f.loop, f.port, {{"\x01\x02 this is not http\r\n\r\n", ""}});
  CHECK(r.received.starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(r.received.find("Connection: close\r\n") != std::string::npos);
  CHECK(r.closed);
}

TEST_CASE("HEAD answers carry the length but no body, and the connection stays usable") {
  Fixture f;
  auto r = rawTalk(f.loop, f.port,
                   {{"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n"},
                    {"GET /g HTTP/1.1\r\nHost: x\r\n\r\n", "body="}},
                   false);
  std::string head_answer = r.received.substr(0, r.received.find("\r\n\r\n") + 4);
  CHECK(head_answer.find("Content-Length: 16\r\n") != std::string::npos);  // "HEAD /h q= body="
  CHECK(r.received.substr(head_answer.size()).starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("HTTP/1.0 without keep-alive is answered and closed") {
  Fixture f;
  auto r = rawTalk(f.loop, f.port, {{"GET /old HTTP/1.0\r\n\r\n", ""}});
  CHECK(r.received.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r.received.find("Connection: close\r\n") != std::string::npos);
  CHECK(r.closed);
}

TEST_CASE("a handler that throws or forgets to answer gets its client a 500") {
  Fixture f([](Request&& req, Responder r) {
    if (req.path == "/throw") throw std::runtime_error("boom");
    if (req.path == "/ok") r.send(Response::text(200, "fine"));
    // "/forget": r is dropped unanswered
  });
  auto thrown = roundTrip(f.loop, f.get("/throw"));
  REQUIRE(thrown.ok());
  CHECK(thrown->status == 500);
  auto forgot = roundTrip(f.loop, f.get("/forget"));
  REQUIRE(forgot.ok());
  CHECK(forgot->status == 500);
  auto ok = roundTrip(f.loop, f.get("/ok"));
  REQUIRE(ok.ok());
  CHECK(ok->body == "fine");
}

TEST_CASE("a responder outliving its server is a harmless no-op") {
  std::optional<Responder> kept;
  auto loop = std::make_unique<loop::Loop>();
  auto server = std::make_unique<Server>(*loop, [&](Request&&, Responder r) { kept = r; });
  REQUIRE(server->listen("127.0.0.1", 0).ok());
  Client client(*loop);
  bool answered = false;
  ClientRequest req;
  req.host = "127.0.0.1";
  req.port = server->port();
  client.request(req, [&](base::Result<Response>) { answered = true; });
  loop->runUntil([&] { return kept.has_value(); });
  CHECK(kept->alive());
  server.reset();
  CHECK_FALSE(kept->alive());
  kept->send(Response::text(200, "too late"));
  loop->runUntil([&] { return answered; });  // the client sees its connection closed
  CHECK(answered);
}

TEST_CASE("idle connections are closed after the idle timeout") {
  ServerOptions options;
  options.idle_timeout_ms = 50;
  Fixture f(echo, options);
  auto start = f.loop.nowMs();
  auto r = rawTalk(f.loop, f.port, {{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "body="}}, true, 3000);
  CHECK(r.received.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(r.closed);
  CHECK(f.loop.nowMs() - start < 2000);
}

TEST_CASE("listening on a port in use says so") {
  Fixture f;
  Server second(f.loop, echo);
  auto st = second.listen("127.0.0.1", f.port);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == base::Errc::kUnavailable);
  CHECK(st.error().message.find("address already in use") != std::string::npos);
  auto bad = second.listen("not-an-ip.example", 0);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == base::Errc::kInvalid);
}
