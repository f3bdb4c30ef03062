// HTTP messages: requests, responses, and the Responder a handler answers through.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcf::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The first header called name (case-insensitive), or nullptr.
const std::string* findHeader(const Headers& h, std::string_view name);
// Removes every header called name (case-insensitive).
void removeHeader(Headers& h, std::string_view name);

struct Request {
  std::string method;  // "GET"
  std::string target;  // raw request target "/v3/apps?names=x"
  std::string path;    // percent-decoded path "/v3/apps"
  std::string query;   // raw query string "names=x" (no '?')
  Headers headers;
  std::string body;
  std::string remote_addr;  // "127.0.0.1:5555" ("[::1]:5555" for IPv6)
  bool keep_alive = true;

  const std::string* header(std::string_view name) const { return findHeader(headers, name); }
  std::string host() const;  // Host header, lowercased, without ":port"
  // Sets path and query from target; an absolute-form target ("http://host/p", sent to
  // proxies) keeps only its path.
  void splitTarget();
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  void set(std::string name, std::string value);  // replace or add
  const std::string* header(std::string_view name) const { return findHeader(headers, name); }
  static Response json(int status, std::string body);  // Content-Type: application/json
  static Response text(int status, std::string body);  // text/plain; charset=utf-8
};

// The body of a streamed response (Server-Sent Events, live logs), written in pieces after
// Responder::stream sent the head. A transport that can stream sends the pieces as they
// come (chunked); one that cannot sends the whole body at end().
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Queues a piece; false once the client is gone (then stop writing).
  virtual bool write(std::string_view piece) = 0;
  // Bytes queued but not yet taken by the client: a slow reader shows here.
  virtual size_t pending() const = 0;
  // Ends the body; later writes are refused.
  virtual void end() = 0;
  // fn runs once if the client goes away before end() (never after end()).
  virtual void onClose(std::function<void()> fn) = 0;
};
using StreamOpener = std::function<std::shared_ptr<BodyWriter>(Response head)>;

// The handle that answers one request, now or later. Copies share one answer: the first
// send() wins and later ones are no-ops, so a Responder can live in a std::function.
// If every copy is dropped without send(), the client gets a 500 (that is a handler bug).
// It holds ids, not pointers: sending after the client went away is a no-op.
class Responder {
 public:
  Responder() = default;  // answers nobody; alive() is false

  void send(Response response);  // exactly once; a no-op if the client went away
  // Answers with head's status and headers now and the body later, through the writer
  // (head's body, if any, is written first). Counts as the one answer, like send(); returns
  // nullptr if the request was answered already or the client went away.
  std::shared_ptr<BodyWriter> stream(Response head);
  bool alive() const;

  // A Responder whose answer goes to deliver instead of a socket: for in-process callers
  // and tests. alive, if given, says whether anyone still waits.
  // open, if given, makes stream() live; without it stream() collects the pieces and
  // delivers one Response at end().
  static Responder toCallback(std::function<void(Response)> deliver,
                              std::function<bool()> alive = nullptr, StreamOpener open = nullptr);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request&& request, Responder responder)>;

// "Not Found" for 404; "Unknown" for codes it does not know.
const char* statusText(int status);

}  // namespace mcf::http
