// The control channel's messages, and descriptors passed over a socket pair.
#include "runner/control.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mcf::runner {

TEST_CASE("control messages: each verb with its numbers, anything else refused") {
  auto run = parseControl(formatControl("run", 7));
  REQUIRE(run.ok());
  CHECK(run->verb == "run");
  CHECK(run->id == 7);
  auto exit = parseControl(formatControl("exit", 12, 137));
  REQUIRE(exit.ok());
  CHECK(exit->verb == "exit");
  CHECK(exit->id == 12);
  CHECK(exit->value == 137);
  CHECK(parseControl("signal 3 15")->value == 15);
  CHECK(parseControl("started 3")->id == 3);
  for (const char* bad : {"", "run", "run x", "run 1 2", "exit 7", "signal 1 2 3", "bogus 1",
                          "exit 7 13x", "started -1"}) {
    CAPTURE(bad);
    auto m = parseControl(bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message.find("malformed control message") != std::string::npos);
  }
}

TEST_CASE("control messages carry descriptors; an empty socket and a closed peer are told apart") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  base::UniqueFd ours(sv[0]), theirs(sv[1]);
  int p[2];
  REQUIRE(::pipe(p) == 0);
  base::UniqueFd read_end(p[0]), write_end(p[1]);

  auto none = receiveControl(theirs.get());
  REQUIRE(none.ok());
  CHECK(none->kind == Received::Kind::kNone);

  REQUIRE(sendControl(ours.get(), formatControl("run", 5), {write_end.get()}).ok());
  write_end.reset();  // the message holds the only other reference now
  auto got = receiveControl(theirs.get());
  REQUIRE(got.ok());
  REQUIRE(got->kind == Received::Kind::kMessage);
  CHECK(got->message.verb == "run");
  CHECK(got->message.id == 5);
  REQUIRE(got->message.fds.size() == 1);
  REQUIRE(::write(got->message.fds[0].get(), "hi", 2) == 2);
  got->message.fds.clear();
  char buf[8] = {};
  CHECK(::read(read_end.get(), buf, sizeof buf) == 2);
  CHECK(std::string(buf) == "hi");

  CHECK_FALSE(sendControl(ours.get(), "run 1", {0, 1, 2, 0, 1}).ok());  // more than 4
  ours.reset();
  auto closed = receiveControl(theirs.get());
  REQUIRE(closed.ok());
  CHECK(closed->kind == Received::Kind::kClosed);
}

}  // namespace mcf::runner
