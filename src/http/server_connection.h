// One accepted HTTP connection (server.cpp's helper): read, parse, dispatch, write.
#pragma once

#include <llhttp.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "http/message.h"
#include "http/server.h"
#include "loop/loop.h"

namespace mcf::http {

class ServerConnection;

// What connections share with their Server. Responders hold a weak_ptr to it and find
// their connection by id, so a Responder outliving its connection or Server is harmless.
struct ServerCore {
  loop::Loop& loop;
  Handler handler;
  ServerOptions options;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, ServerConnection*> connections;
};

// Lives from accept until its handle's close callback, which deletes it. After close() it
// is out of core.connections and touches the core no more.
class ServerConnection {
 public:
  ServerConnection(const std::shared_ptr<ServerCore>& core, uint64_t id);
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  void start();
  // Closes now (pending writes are cancelled); safe to call twice.
  void close();
  // Answers request number seq; ignored unless seq is the request in flight.
  void respond(uint64_t seq, Response&& response);
  bool alive(uint64_t seq) const { return !closing_ && busy_ && seq == seq_; }
  // Closes the connection if it has been idle (or lingering) too long.
  void sweep(uint64_t now_ms);

  // llhttp callbacks (static trampolines in the .cpp call these).
  int onMessageBegin();
  int onUrl(const char* at, size_t len);
  int onHeaderField(const char* at, size_t len);
  int onHeaderValue(const char* at, size_t len);
  int onHeadersComplete();
  int onBody(const char* at, size_t len);
  int onMessageComplete();

 private:
  static void onAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);

  void processInput();
  void dispatch();
  void failRequest(int status, std::string body);
  void write(std::string data);
  void finishAndClose();  // after pending writes: shut down, drain, close (lingering close)
  void startDrain();
  bool countHeaderBytes(size_t len);
  void scheduleProcessing();

  std::weak_ptr<ServerCore> weak_core_;
  ServerCore* core_;  // null once closed
  uint64_t id_;
  uv_tcp_t tcp_;
  llhttp_t parser_;
  std::string remote_;
  std::unique_ptr<char[]> read_buf_;

  std::string in_;     // received bytes not yet parsed
  size_t in_off_ = 0;  // how much of in_ the parser has consumed
  bool in_process_ = false;
  bool reading_ = false;

  // The message being parsed.
  Request cur_;
  std::string field_, value_;
  bool in_value_ = false;
  size_t header_bytes_ = 0;
  int error_status_ = 0;
  std::string error_body_;
  bool message_done_ = false;

  // The request in flight.
  bool busy_ = false;
  uint64_t seq_ = 0;
  bool head_ = false;
  bool keep_alive_ = true;

  int pending_writes_ = 0;
  bool close_after_write_ = false;
  bool draining_ = false;
  bool peer_eof_ = false;
  bool closing_ = false;
  uint64_t last_activity_ms_ = 0;
  uint64_t drain_deadline_ms_ = 0;
};

}  // namespace mcf::http
