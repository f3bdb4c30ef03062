// SshProxy: the endpoint behind links.app_ssh: `microcf ssh` sessions into app instances.
//
// Cloud Foundry's ssh proxy speaks SSH; microcf has no SSH library, so the same shape runs
// over microcf's own small protocol on plain TCP (loopback only):
//   client -> server   one JSON line: {"token", "app" (guid), "index", "command" (a string
//                      for bash -c, or an argv array; absent or "" = a login shell),
//                      "tty", "rows", "cols", "term"}
//   then frames (base/frames.h): client stdin, stdin-eof, resize ("rows cols"); server
//   stdout, stderr, and finally exit ("<status>") or error ("<message>"), then it closes.
// Owns: the listening socket and every session's connection; each session's Shell (through
// the Runtime seam). Does not own: authorization (Controller::authorizeSsh) or processes.
// Every session ends when either side goes away: a client that leaves hangs its shell up
// (SIGHUP, then SIGKILL); a process that exits sends exit and closes.
// Thread: the loop's.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/result.h"
#include "controller/controller.h"
#include "controller/platform.h"
#include "loop/loop.h"

namespace mcf::controller {

class SshProxy {
 public:
  SshProxy(loop::Loop& loop, Controller& controller, Runtime& runtime);
  ~SshProxy();  // closes every session (their shells hang up)
  SshProxy(const SshProxy&) = delete;
  SshProxy& operator=(const SshProxy&) = delete;

  // host: a numeric address; port 0 picks one (see port()).
  base::Status listen(const std::string& host, int port);
  int port() const { return port_; }
  void close();
  size_t sessions() const { return sessions_.size(); }

  struct Session;

 private:
  void onConnection();
  void remove(Session* session);

  loop::Loop& loop_;
  Controller& controller_;
  Runtime& runtime_;
  uv_tcp_t* listener_ = nullptr;
  int port_ = 0;
  std::map<Session*, std::shared_ptr<Session>> sessions_;
};

}  // namespace mcf::controller
