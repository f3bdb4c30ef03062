// TlsContext (certificates, SNI, the SSL_CTX) and TlsSession (one connection over memory BIOs).
#include "router/tls.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "base/fs.h"
#include "base/log.h"
#include "router/local_ca.h"
#include "router/tls_internal.h"

namespace mcf::router {

using base::Errc;
using base::makeError;

namespace {

constexpr size_t kMaxHostCerts = 4096;  // per-host certificates kept; the cache starts over past it

std::string normalizeName(std::string_view name) {
  std::string s(name);
  while (!s.empty() && s.back() == '.') s.pop_back();
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int onCert(SSL* ssl, void* arg) {
  auto* context = static_cast<TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  auto ck = context->certFor(name ? name : "");
  if (!ck) return 0;
  return SSL_use_cert_and_key(ssl, ck->cert.get(), ck->key.get(), ck->chain.get(), 1) == 1 ? 1 : 0;
}

int onAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = "\x08http/1.1";
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kHttp11, sizeof kHttp11 - 1, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

struct TlsContext::HostCache {
  std::unordered_map<std::string, std::shared_ptr<const CertKey>> certs;
};

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

base::Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsConfig& config,
                                                             const base::Clock& clock) {
  std::unique_ptr<TlsContext> t(new TlsContext());
  t->domain_ = normalizeName(config.domain);
  t->wildcard_works_ = t->domain_.find('.') != std::string::npos;
  t->hosts_ = std::make_unique<HostCache>();
  auto ca = LocalCa::open(config.dir, clock);
  if (!ca.ok()) return ca.takeError();
  t->ca_ = std::move(ca).value();
  auto server = t->ca_->serverCert(t->domain_);
  if (!server.ok()) return server.takeError();
  t->server_ = std::move(server).value();
  MCF_TRY(t->loadOperatorCerts(config, clock.nowNs() / 1000000000));

  t->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!t->ctx_) return makeError(Errc::kInternal, "SSL_CTX_new: {}", takeSslErrors());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  // No renegotiation (a client could make the server do handshakes over and over); the
  // server's cipher order; no buffers kept for idle connections.
  SSL_CTX_set_options(t->ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(t->ctx_, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kSessionContext[] = "microcf";
  SSL_CTX_set_session_id_context(t->ctx_, kSessionContext, sizeof kSessionContext - 1);
  if (SSL_CTX_use_cert_and_key(t->ctx_, t->server_->cert.get(), t->server_->key.get(), nullptr,
                               1) != 1)
    return makeError(Errc::kInternal, "cannot use the server certificate: {}", takeSslErrors());
  SSL_CTX_set_cert_cb(t->ctx_, onCert, t.get());
  SSL_CTX_set_alpn_select_cb(t->ctx_, onAlpn, nullptr);
  return t;
}

base::Status TlsContext::loadOperatorCerts(const TlsConfig& config, int64_t now_s) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& pair : config.cert_files) {
    auto comma = pair.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == pair.size() ||
        pair.find(',', comma + 1) != std::string::npos)
      return makeError(Errc::kInvalid,
                       "--tls-cert '{}': expected CERT.pem,KEY.pem (two files, one comma)", pair);
    files.emplace_back(pair.substr(0, comma), pair.substr(comma + 1));
  }
  std::string certs_dir = base::joinPath(config.dir, "certs");
  if (DIR* d = ::opendir(certs_dir.c_str())) {
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      if (n.size() <= 4 || n.compare(n.size() - 4, 4, ".crt") != 0) continue;
      std::string cert = base::joinPath(certs_dir, n);
      std::string key = base::joinPath(certs_dir, n.substr(0, n.size() - 4) + ".key");
      if (!base::pathExists(key))
        return makeError(Errc::kInvalid, "TLS certificate {} has no key: put it in {}", cert, key);
      files.emplace_back(cert, key);
    }
  }
  time_t now = static_cast<time_t>(now_s);
  for (const auto& [cert, key] : files) {
    auto ck = loadCertKey(cert, key);
    if (!ck.ok()) return ck.takeError();
    if (X509_cmp_time(X509_get0_notAfter((*ck)->cert.get()), &now) < 0)
      MCF_WARN("router", "TLS certificate {} has expired: clients will refuse it", cert);
    operator_.push_back(std::move(ck).value());
  }
  return {};
}

const std::string& TlsContext::caCertPath() const { return ca_->certPath(); }
bool TlsContext::caCreated() const { return ca_->created(); }

std::vector<std::string> TlsContext::operatorCerts() const {
  std::vector<std::string> out;
  for (const auto& ck : operator_) {
    std::string line = ck->source + ":";
    for (size_t i = 0; i < ck->names.size(); ++i) line += (i ? ", " : " ") + ck->names[i];
    out.push_back(std::move(line));
  }
  return out;
}

std::shared_ptr<const CertKey> TlsContext::certFor(std::string_view server_name) {
  std::string name = normalizeName(server_name);
  if (name.empty()) return server_;
  for (const auto& ck : operator_)
    for (const auto& n : ck->names)
      if (n == name) return ck;
  for (const auto& ck : operator_)
    for (const auto& n : ck->names)
      if (n.starts_with("*.") && nameMatches(n, name)) return ck;
  if (name == domain_ || name == "api." + domain_) return server_;
  if (!endsWith(name, "." + domain_) || !checkDnsName(name).ok()) return server_;
  std::string label = name.substr(0, name.size() - domain_.size() - 1);
  if (wildcard_works_ && label.find('.') == std::string::npos) return server_;
  auto& cache = hosts_->certs;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  auto issued = ca_->hostCert(name, *server_);
  if (!issued.ok()) {
    MCF_WARN("router", "cannot issue a TLS certificate for {}: {}", name, issued.error().message);
    return nullptr;
  }
  if (cache.size() >= kMaxHostCerts) cache.clear();
  cache.emplace(name, *issued);
  return *issued;
}

// --- TlsSession ---

TlsSession::TlsSession(TlsContext& context) {
  ssl_ = SSL_new(context.native());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!ssl_ || !in_ || !out_) {
    // Out of memory: the session reports it on first use.
    BIO_free(in_);
    BIO_free(out_);
    in_ = out_ = nullptr;
    failed_ = true;
    error_ = "cannot start a TLS session: " + takeSslErrors();
    return;
  }
  BIO_set_mem_eof_return(in_, -1);  // no input yet means "try again later", not EOF
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

base::Status TlsSession::fail(const char* what, int ssl_error) {
  failed_ = true;
  unsigned long e = ERR_peek_error();
  int reason = ERR_GET_REASON(e);
  if (ssl_error == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL && reason == SSL_R_HTTP_REQUEST) {
    error_ = "the client spoke plain HTTP to the HTTPS port";
    plain_http_ = true;
  }
  else if (ssl_error == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL &&
           (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
            reason == SSL_R_UNKNOWN_PROTOCOL))
    error_ = fmt::format("{}: the client sent no TLS 1.2 or later handshake ({})", what,
                         takeSslErrors());
  else if (ssl_error == SSL_ERROR_SSL)
    error_ = fmt::format("{}: {}", what, takeSslErrors());
  else
    error_ = fmt::format("{}: SSL error {} ({})", what, ssl_error, takeSslErrors());
  ERR_clear_error();
  return makeError(Errc::kInvalid, "{}", error_);
}

base::Status TlsSession::receive(const char* data, size_t len, std::string& plaintext) {
  if (failed_) return makeError(Errc::kInvalid, "{}", error_);
  while (len > 0) {
    int chunk = static_cast<int>(std::min<size_t>(len, 1 << 30));
    if (BIO_write(in_, data, chunk) != chunk) return fail("TLS input", SSL_ERROR_SYSCALL);
    data += chunk;
    len -= static_cast<size_t>(chunk);
  }
  if (!SSL_is_init_finished(ssl_)) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_WANT_READ) return {};
      return fail("TLS handshake failed", err);
    }
    MCF_TRY(flushPending());
  }
  for (;;) {
    size_t at = plaintext.size();
    plaintext.resize(at + 16384);
    size_t got = 0;
    int r = SSL_read_ex(ssl_, plaintext.data() + at, 16384, &got);
    plaintext.resize(at + got);
    if (r == 1) continue;
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) return {};
    if (err == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      return {};
    }
    return fail("TLS error", err);
  }
}

base::Status TlsSession::flushPending() {
  if (pending_.empty()) return {};
  std::string data = std::move(pending_);
  pending_.clear();
  return send(data);
}

base::Status TlsSession::send(std::string_view plaintext) {
  if (failed_) return makeError(Errc::kInvalid, "{}", error_);
  if (shutdown_sent_) return makeError(Errc::kInvalid, "the TLS connection is closing");
  if (!SSL_is_init_finished(ssl_)) {
    pending_.append(plaintext);
    return {};
  }
  while (!plaintext.empty()) {
    size_t written = 0;
    // A memory BIO takes everything: SSL_write only fails when the connection has.
    if (SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written) != 1)
      return fail("TLS write", SSL_get_error(ssl_, 0));
    plaintext.remove_prefix(written);
  }
  return {};
}

void TlsSession::close() {
  if (shutdown_sent_ || failed_ || !ssl_ || !SSL_is_init_finished(ssl_)) return;
  shutdown_sent_ = true;
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::string TlsSession::takeOutput() {
  std::string out;
  if (!out_) return out;
  size_t n = BIO_ctrl_pending(out_);
  if (n == 0) return out;
  out.resize(n);
  size_t got = 0;
  if (BIO_read_ex(out_, out.data(), n, &got) != 1) got = 0;
  out.resize(got);
  return out;
}

bool TlsSession::hasOutput() const { return out_ && BIO_ctrl_pending(out_) > 0; }

bool TlsSession::handshakeDone() const { return ssl_ && !failed_ && SSL_is_init_finished(ssl_); }

std::string TlsSession::serverName() const {
  const char* name = ssl_ ? SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name) : nullptr;
  return name ? normalizeName(name) : std::string();
}

std::string TlsSession::protocol() const {
  return handshakeDone() ? SSL_get_version(ssl_) : std::string();
}

// --- TlsFilter ---

TlsFilter::Input TlsFilter::onRead(const char* data, size_t len) {
  Input in;
  auto st = session_.receive(data, len, in.plaintext);
  in.to_write = session_.takeOutput();
  if (!st.ok()) {
    in.error = st.error().message;
    in.close = true;
    if (session_.plainHttp()) in.to_write = plainHttpAnswer();
  } else if (session_.closed()) {
    session_.close();
    in.to_write += session_.takeOutput();
    in.close = true;
  }
  return in;
}

std::string TlsFilter::onWrite(std::string_view plaintext) {
  if (!session_.send(plaintext).ok()) return {};
  return session_.takeOutput();
}

std::string TlsFilter::onClose() {
  session_.close();
  return session_.takeOutput();
}

std::string plainHttpAnswer() {
  static const std::string kBody =
      "This port speaks HTTPS: use https:// in the URL (or the router's HTTP port).\n";
  return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(kBody.size()) + "\r\nConnection: close\r\n\r\n" + kBody;
}

}  // namespace mcf::router
