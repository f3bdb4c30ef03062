// The static server: responses from files, the server on the loop, and its main.
#include "lifecycle/static_server.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "base/fs.h"
#include "base/strutil.h"
#include "lifecycle/lifecycle.h"

namespace mcf::lifecycle {

namespace {

http::Response plainError(const StaticSite& site, int status) {
  if (status == 404) {
    // A site's own 404 page, if it has one (and it really is inside the site).
    StaticTarget page = resolveStaticPath(site.root, "/404.html", site.options);
    if (page.kind == StaticKind::kFile) {
      if (auto body = base::readFile(page.path)) {
        http::Response r{404, {}, std::move(*body)};
        r.set("Content-Type", "text/html; charset=utf-8");
        return r;
      }
    }
  }
  return http::Response::text(status, fmt::format("{} {}\n", status, http::statusText(status)));
}

// FILE.gz beside a served file: a regular file, not a symlink (file_real is inside the root,
// so its sibling is too).
std::optional<std::string> gzipSibling(const std::string& file_real) {
  struct stat st;
  std::string gz = file_real + ".gz";
  if (::lstat(gz.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  auto body = base::readFile(gz);
  if (!body) return std::nullopt;
  return std::move(*body);
}

}  // namespace

bool acceptsGzip(std::string_view accept_encoding) {
  for (const std::string& item : base::split(accept_encoding, ',')) {
    std::vector<std::string> parts = base::split(item, ';');
    std::string coding = base::toLower(base::trim(parts[0]));
    if (coding != "gzip" && coding != "*") continue;
    bool refused = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string param = base::trim(parts[i]);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        refused = std::strtod(param.c_str() + 2, nullptr) <= 0;
    }
    if (!refused) return true;
  }
  return false;
}

http::Response staticResponse(const StaticSite& site, const std::string& method,
                              const std::string& decoded_path, const std::string& raw_target,
                              std::string_view accept_encoding) {
  http::Response r;
  if (method != "GET" && method != "HEAD") {
    r = http::Response::text(405, "405 Method Not Allowed\n");
    r.set("Allow", "GET, HEAD");
  } else {
    StaticTarget target = resolveStaticPath(site.root, decoded_path, site.options);
    switch (target.kind) {
      case StaticKind::kFile: {
        if (site.options.gzip && acceptsGzip(accept_encoding)) {
          if (auto gz = gzipSibling(target.path)) {
            r.body = std::move(*gz);
            r.set("Content-Type", contentTypeFor(target.path));
            r.set("Content-Encoding", "gzip");
            r.set("Vary", "Accept-Encoding");
            break;
          }
        }
        auto body = base::readFile(target.path);
        if (!body) {
          r = plainError(site, 403);
          break;
        }
        r.body = std::move(*body);
        r.set("Content-Type", contentTypeFor(target.path));
        if (site.options.gzip) r.set("Vary", "Accept-Encoding");
        break;
      }
      case StaticKind::kRedirect: {
        size_t q = raw_target.find('?');
        std::string path = raw_target.substr(0, q);
        std::string query = q == std::string::npos ? "" : raw_target.substr(q);
        // Only origin-form targets come here; anything else falls back to the decoded path.
        if (path.empty() || path[0] != '/') path = decoded_path;
        r = http::Response::text(301, "301 Moved Permanently\n");
        r.set("Location", path + "/" + query);
        break;
      }
      case StaticKind::kNotFound: r = plainError(site, 404); break;
      case StaticKind::kForbidden: r = plainError(site, 403); break;
      case StaticKind::kBadRequest: r = plainError(site, 400); break;
    }
  }
  if (!site.instance_index.empty()) r.set("X-Instance-Index", site.instance_index);
  return r;
}

StaticServer::StaticServer(loop::Loop& loop, StaticSite site)
    : loop_(loop),
      site_(std::move(site)),
      server_(loop, [this](http::Request&& request, http::Responder responder) {
        // Only values cross to the thread pool: the server may be gone when the read ends.
        auto response = std::make_shared<http::Response>();
        const std::string* accept_encoding = request.header("Accept-Encoding");
        loop::queueWork(
            loop_,
            [site = site_, response, method = request.method, path = request.path,
             target = request.target,
             accept = accept_encoding ? *accept_encoding : std::string()] {
              *response = staticResponse(site, method, path, target, accept);
            },
            [response, responder]() mutable { responder.send(std::move(*response)); });
      }) {}

int staticServerMain(int argc, char** argv) {
  StaticSite site;
  std::string root = ".";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--host-dot-files")
      site.options.host_dot_files = true;
    else if (arg == "--no-gzip")
      site.options.gzip = false;
    else
      root = arg;
  }
  char real[PATH_MAX];
  if (::realpath(root.c_str(), real) == nullptr || !base::isDirectory(real)) {
    std::fprintf(stderr, "static-server: cannot serve %s: not a readable directory\n",
                 root.c_str());
    return 1;
  }
  site.root = real;
  const char* index = std::getenv("CF_INSTANCE_INDEX");
  site.instance_index = index ? index : "";
  int port = 8080;
  if (const char* p = std::getenv("PORT"); p && *p) {
    auto [end, ec] = std::from_chars(p, p + std::char_traits<char>::length(p), port);
    if (ec != std::errc() || *end != '\0' || port <= 0 || port > 65535) {
      std::fprintf(stderr, "static-server: PORT=%s is not a port number\n", p);
      return 1;
    }
  }
  loop::Loop loop;
  StaticServer server(loop, site);
  if (auto s = server.listen("0.0.0.0", port); !s) {
    std::fprintf(stderr, "static-server: %s\n", s.error().message.c_str());
    return 1;
  }
  std::printf("static-server: serving %s on 0.0.0.0:%d\n", site.root.c_str(), port);
  std::fflush(stdout);
  loop::Signal term(loop), interrupt(loop);
  auto stop = [&](int) {
    server.close();
    loop.stop();
  };
  term.start(SIGTERM, stop);
  interrupt.start(SIGINT, stop);
  loop.run();
  return 0;
}

}  // namespace mcf::lifecycle
