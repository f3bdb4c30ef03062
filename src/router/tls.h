// TLS termination for the router's HTTPS port: the certificates (TlsContext) and one
// connection's TLS state over memory buffers (TlsSession), independent of sockets.
//
// Owns: the SSL_CTX, choosing a certificate per connection by SNI, encrypting and decrypting.
// Does not own: sockets, HTTP, or the files of the local CA (LocalCa). Thread: the loop's;
// nothing here blocks except TlsContext::create (files) and issuing a host certificate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

struct ssl_st;
struct ssl_ctx_st;
struct bio_st;

namespace mcf::router {

struct CertKey;
class LocalCa;

struct TlsConfig {
  std::string dir;     // $MICROCF_HOME/tls: ca.crt, ca.key, server.crt, server.key, certs/
  std::string domain;  // the platform's domain: certificates for *.DOMAIN, DOMAIN, api.DOMAIN
  // Operator certificates, each "CERT.pem,KEY.pem" (`up --tls-cert`), besides the pairs
  // DIR/certs/NAME.crt + NAME.key. PEM; the certificate file may hold intermediates after
  // the leaf.
  std::vector<std::string> cert_files;
};

// Which certificate a connection gets, from the server name the client sent (SNI,
// lowercased, trailing dot ignored):
//   1. an operator certificate with that exact name, then one whose wildcard matches it;
//   2. a name the local *.DOMAIN certificate serves to clients: DOMAIN, api.DOMAIN, and
//      HOST.DOMAIN when DOMAIN has two labels or more;
//   3. any other name under DOMAIN (every name when DOMAIN is one label like "localhost":
//      clients refuse "*.localhost"): a certificate for that name alone, issued by the local
//      CA on first use and kept in memory;
//   4. anything else, or no SNI: the *.DOMAIN certificate.
// TLS 1.2 and 1.3; ALPN: http/1.1 only (a client that offers only h2 gets no ALPN answer).
class TlsContext {
 public:
  // Opens or makes the local CA and its server certificate, loads the operator certificates.
  // Errors name the file and say what is wrong. The clock (the time certificates are issued
  // and checked at) must outlive the context.
  static base::Result<std::unique_ptr<TlsContext>> create(const TlsConfig& config,
                                                          const base::Clock& clock);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const std::string& caCertPath() const;
  bool caCreated() const;  // the CA was made by this start (clients do not trust it yet)
  // One line per operator certificate: "FILE: name, name".
  std::vector<std::string> operatorCerts() const;

  // The certificate for a server name per the rules above; null only if issuing failed.
  std::shared_ptr<const CertKey> certFor(std::string_view server_name);

  ssl_ctx_st* native() { return ctx_; }

 private:
  TlsContext() = default;
  base::Status loadOperatorCerts(const TlsConfig& config, int64_t now_s);

  ssl_ctx_st* ctx_ = nullptr;
  std::unique_ptr<LocalCa> ca_;
  std::string domain_;
  bool wildcard_works_ = false;  // DOMAIN has two labels or more
  std::shared_ptr<const CertKey> server_;
  std::vector<std::shared_ptr<const CertKey>> operator_;
  struct HostCache;
  std::unique_ptr<HostCache> hosts_;
};

// One server-side TLS connection. Feed it what the socket read; write to the socket what
// takeOutput() returns after every call (handshake records, alerts and application data).
// The TlsContext must outlive its sessions.
//
//   on read(bytes):  std::string plain;
//                    auto st = tls.receive(bytes, n, plain);
//                    write(tls.takeOutput());           // also on error: the alert
//                    if (!st.ok()) { log(st.error().message); close after the write; }
//                    else { parse(plain); if (tls.closed()) close after the write; }
//   to answer:       tls.send(bytes); write(tls.takeOutput());
//   to close:        tls.close(); write(tls.takeOutput()); then close the socket.
class TlsSession {
 public:
  explicit TlsSession(TlsContext& context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Takes ciphertext from the peer and appends whatever it decrypts to `plaintext` (nothing
  // while the handshake runs). An error is final (handshake failure, a client speaking plain
  // HTTP, a corrupt record): its message says what the client did; takeOutput() may still
  // hold an alert for the peer.
  base::Status receive(const char* data, size_t len, std::string& plaintext);
  // Encrypts plaintext for the peer; before the handshake is done it is kept and sent when
  // the handshake completes. An error after a failure or close().
  base::Status send(std::string_view plaintext);
  // Queues our close_notify (once; nothing before the handshake is done).
  void close();
  // Ciphertext to write to the socket, taken out of the session.
  std::string takeOutput();
  bool hasOutput() const;

  bool handshakeDone() const;
  bool closed() const { return peer_closed_; }  // the peer sent close_notify
  bool failed() const { return failed_; }
  // The session failed because the client spoke plain HTTP: the router may write
  // plainHttpAnswer() to the socket as it is (no TLS) before closing, as nginx does.
  bool plainHttp() const { return plain_http_; }
  std::string serverName() const;  // SNI, "" if none
  std::string protocol() const;    // "TLSv1.3", "TLSv1.2"; "" before the handshake

 private:
  base::Status fail(const char* what, int ssl_error);
  base::Status flushPending();

  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;   // owned by ssl_
  bio_st* out_ = nullptr;  // owned by ssl_
  std::string pending_;    // plaintext sent before the handshake completed
  bool peer_closed_ = false;
  bool failed_ = false;
  bool plain_http_ = false;
  bool shutdown_sent_ = false;
  std::string error_;
};

// A front connection's TLS in three calls, for the HTTPS port: everything a TlsSession
// needs the caller to decide, decided (alerts written, close_notify answered, plain HTTP
// answered with plainHttpAnswer()).
//
//   on read:   auto in = filter.onRead(buf, n);
//              if (!in.to_write.empty()) write(std::move(in.to_write));
//              if (!in.error.empty()) log(in.error);       // says what the client did wrong
//              parse(in.plaintext);                        // may be empty (handshake)
//              if (in.close) close after the pending writes;
//   to answer: write(filter.onWrite(bytes));               // "" before the handshake is done:
//                                                          // it comes with a later onRead
//   to close:  write(filter.onClose()); close after the pending writes.
class TlsFilter {
 public:
  explicit TlsFilter(TlsContext& context) : session_(context) {}

  struct Input {
    std::string plaintext;  // decrypted bytes for the HTTP parser
    std::string to_write;   // ciphertext (handshake, alerts, answers) or a plain 400
    bool close = false;     // the peer closed or the session failed: close after to_write
    std::string error;      // why it failed; "" if it did not
  };
  Input onRead(const char* data, size_t len);
  // Ciphertext for plaintext; after a failure "" (the connection is closing anyway).
  std::string onWrite(std::string_view plaintext);
  // Our close_notify, to write before closing the socket.
  std::string onClose();

  const TlsSession& session() const { return session_; }

 private:
  TlsSession session_;
};

// A plain HTTP/1.1 400 response (with Connection: close) for a client that sent plain HTTP
// to the HTTPS port, telling it to use https://.
std::string plainHttpAnswer();

}  // namespace mcf::router
