// The static file server that staticfile_buildpack droplets run: GET/HEAD of files under ROOT.
#pragma once

#include <string>

#include "base/result.h"
#include "http/message.h"
#include "http/server.h"
#include "lifecycle/static_files.h"
#include "loop/loop.h"

namespace mcf::lifecycle {

struct StaticSite {
  std::string root;  // a realpath
  StaticOptions options;
  std::string instance_index;  // $CF_INSTANCE_INDEX; sent as X-Instance-Index when set
};

// The whole answer to one request: 405 for methods other than GET and HEAD, 400/403/404
// (ROOT/404.html when present), 301 to add a directory's trailing '/', else the file with
// its Content-Type. raw_target is the request target as sent (for the redirect's Location).
// With options.gzip, a file with a FILE.gz beside it (a regular file, made at staging or
// pushed) is answered with that, Content-Encoding: gzip, when accept_encoding allows gzip.
// Blocking file I/O: call it off the loop.
http::Response staticResponse(const StaticSite& site, const std::string& method,
                              const std::string& decoded_path, const std::string& raw_target,
                              std::string_view accept_encoding = "");

// Whether an Accept-Encoding value allows gzip ("gzip", "*", not with q=0).
bool acceptsGzip(std::string_view accept_encoding);

// An http::Server that answers with staticResponse, reading files on the thread pool.
class StaticServer {
 public:
  StaticServer(loop::Loop& loop, StaticSite site);
  base::Status listen(const std::string& host, int port) { return server_.listen(host, port); }
  int port() const { return server_.port(); }
  void close() { server_.close(); }

 private:
  loop::Loop& loop_;
  StaticSite site_;
  http::Server server_;
};

}  // namespace mcf::lifecycle
