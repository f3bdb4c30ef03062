// The local CA, certificate choice by SNI, and TlsSession against an OpenSSL client in memory.
#include "router/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ctime>

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/testing/fake_clock.h"
#include "router/local_ca.h"
#include "router/tls_internal.h"

namespace mcf::router {
namespace {

struct TempDir {
  TempDir() {
    std::string tmpl = "/tmp/mcf-tls-XXXXXX";
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string path;
};

X509Ptr parseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// X509_verify_cert of leaf (+ chain) against the CA in PEM, for `host`, at `now`.
int verifyChain(const CertKey& ck, const std::string& ca_pem, const std::string& host,
                time_t now = time(nullptr)) {
  X509Ptr ca = parseCert(ca_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, ck.cert.get(), ck.chain.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  X509_VERIFY_PARAM_set_time(param, now);
  int ok = X509_verify_cert(ctx);
  int result = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

std::string serial(const CertKey& ck) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(ck.cert.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string s = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  return s;
}

// Writes a certificate (and key) made by a second, "operator" CA to dir/name.crt|.key.
void writePair(const CertKey& ck, const std::string& dir, const std::string& name) {
  REQUIRE(base::writeFileAtomic(base::joinPath(dir, name + ".crt"), certPem(ck.cert.get())).ok());
  REQUIRE(
      base::writeFileAtomic(base::joinPath(dir, name + ".key"), keyPem(ck.key.get()), 0600).ok());
}

// An OpenSSL client in memory that trusts ca_pem, sends SNI and checks the host name.
struct Client {
  Client(const std::string& ca_pem, const std::string& host, int max_version = 0) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
    X509Ptr ca = parseCert(ca_pem);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca.get());
    ssl = SSL_new(ctx);
    in = BIO_new(BIO_s_mem());
    out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    if (!host.empty()) {
      SSL_set_tlsext_host_name(ssl, host.c_str());
      SSL_set1_host(ssl, host.c_str());
    }
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(ssl, alpn, sizeof alpn - 1);
  }
  ~Client() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  std::string take() {
    std::string s(BIO_ctrl_pending(out), '\0');
    if (!s.empty()) BIO_read(out, s.data(), static_cast<int>(s.size()));
    return s;
  }
  std::string read() {
    std::string s;
    char buf[4096];
    size_t got = 0;
    while (SSL_read_ex(ssl, buf, sizeof buf, &got) == 1) s.append(buf, got);
    return s;
  }
  SSL_CTX* ctx;
  SSL* ssl;
  BIO* in;
  BIO* out;
};

// Moves bytes both ways until neither side has anything more to say.
base::Status pump(Client& c, TlsSession& s, std::string& server_plain) {
  base::Status st;
  for (int i = 0; i < 50; ++i) {
    if (!SSL_is_init_finished(c.ssl)) SSL_do_handshake(c.ssl);
    std::string to_server = c.take();
    if (!to_server.empty()) {
      auto r = s.receive(to_server.data(), to_server.size(), server_plain);
      if (!r.ok()) st = r;
    }
    std::string to_client = s.takeOutput();
    if (!to_client.empty()) BIO_write(c.in, to_client.data(), static_cast<int>(to_client.size()));
    if (to_server.empty() && to_client.empty()) break;
  }
  return st;
}

std::unique_ptr<TlsContext> makeContext(const std::string& dir, const std::string& domain,
                                        std::vector<std::string> cert_files = {}) {
  static base::SystemClock clock;
  auto t = TlsContext::create({dir, domain, std::move(cert_files)}, clock);
  if (!t.ok()) FAIL(t.error().message);
  return std::move(t).value();
}

TEST_CASE("TLS local CA: made on first start with CA extensions, reused after") {
  TempDir dir;
  std::string tls = base::joinPath(dir.path, "tls");
  base::SystemClock clock;
  auto first = LocalCa::open(tls, clock);
  REQUIRE(first.ok());
  CHECK((*first)->created());
  CHECK((*first)->certPath() == tls + "/ca.crt");
  struct stat st;
  REQUIRE(::stat((tls + "/ca.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(tls.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  X509Ptr ca = parseCert((*first)->certPem());
  REQUIRE(ca);
  CHECK(X509_check_ca(ca.get()) == 1);
  CHECK((X509_get_key_usage(ca.get()) & KU_KEY_CERT_SIGN) != 0);
  char cn[128];
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
  CHECK(std::string(cn) == "microcf local CA");
  time_t in9years = time(nullptr) + 9L * 365 * 86400, in11years = time(nullptr) + 11L * 365 * 86400;
  CHECK(X509_cmp_time(X509_get0_notAfter(ca.get()), &in9years) > 0);
  CHECK(X509_cmp_time(X509_get0_notAfter(ca.get()), &in11years) < 0);

  auto second = LocalCa::open(tls, clock);
  REQUIRE(second.ok());
  CHECK_FALSE((*second)->created());
  CHECK((*second)->certPem() == (*first)->certPem());
}

TEST_CASE("TLS local CA: a missing half, garbage or a foreign key is an error naming the file") {
  TempDir dir;
  base::SystemClock clock;
  REQUIRE(LocalCa::open(dir.path, clock).ok());
  std::string key = base::joinPath(dir.path, "ca.key");
  auto saved = base::readFile(key);
  REQUIRE(::unlink(key.c_str()) == 0);
  auto missing = LocalCa::open(dir.path, clock);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find(key + " is missing") != std::string::npos);

  REQUIRE(base::writeFileAtomic(key, "not a key\n", 0600).ok());
  auto garbage = LocalCa::open(dir.path, clock);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().message.find("TLS key " + key + ": no unencrypted PEM private key") !=
        std::string::npos);

  TempDir other;
  REQUIRE(LocalCa::open(other.path, clock).ok());
  REQUIRE(
      base::writeFileAtomic(key, *base::readFile(base::joinPath(other.path, "ca.key")), 0600).ok());
  auto foreign = LocalCa::open(dir.path, clock);
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().message.find("does not belong to the certificate") != std::string::npos);
}

TEST_CASE("TLS server certificate: verifies against the CA for api.DOMAIN, reused, reissued") {
  TempDir dir;
  base::FakeClock past;
  past.setNowNs((time(nullptr) - 2L * 365 * 86400) * 1000000000LL);
  auto old_ca = LocalCa::open(dir.path, past);
  REQUIRE(old_ca.ok());
  auto old_cert = (*old_ca)->serverCert("localhost");
  REQUIRE(old_cert.ok());
  std::string ca_pem = (*old_ca)->certPem();
  CHECK(verifyChain(**old_cert, ca_pem, "api.localhost", time(nullptr)) ==
        X509_V_ERR_CERT_HAS_EXPIRED);

  base::SystemClock clock;
  auto ca = LocalCa::open(dir.path, clock);
  REQUIRE(ca.ok());
  CHECK((*ca)->certPem() == ca_pem);  // the CA (10 years) is still good
  auto fresh = (*ca)->serverCert("localhost");
  REQUIRE(fresh.ok());
  CHECK(serial(**fresh) != serial(**old_cert));
  CHECK(verifyChain(**fresh, ca_pem, "api.localhost") == X509_V_OK);
  CHECK(verifyChain(**fresh, ca_pem, "localhost") == X509_V_OK);
  CHECK((*fresh)->names == std::vector<std::string>{"*.localhost", "localhost", "api.localhost"});

  SUBCASE("reused while good") {
    auto again = (*ca)->serverCert("localhost");
    REQUIRE(again.ok());
    CHECK(serial(**again) == serial(**fresh));
  }
  SUBCASE("reissued when missing") {
    REQUIRE(::unlink(base::joinPath(dir.path, "server.crt").c_str()) == 0);
    auto again = (*ca)->serverCert("localhost");
    REQUIRE(again.ok());
    CHECK(serial(**again) != serial(**fresh));
    CHECK(base::pathExists(base::joinPath(dir.path, "server.crt")));
  }
  SUBCASE("reissued for another domain") {
    auto other = (*ca)->serverCert("apps.example.test");
    REQUIRE(other.ok());
    CHECK(verifyChain(**other, ca_pem, "app.apps.example.test") == X509_V_OK);
    CHECK(verifyChain(**other, ca_pem, "api.localhost") == X509_V_ERR_HOSTNAME_MISMATCH);
  }
  SUBCASE("a bad domain is refused") {
    auto bad = (*ca)->serverCert("evil.test,DNS:bank.example");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("is not a DNS name") != std::string::npos);
  }
}

TEST_CASE("TLS SNI: *.localhost is refused by clients, so APP.localhost gets its own certificate") {
  TempDir dir;
  auto t = makeContext(dir.path, "localhost");
  std::string ca_pem = *base::readFile(t->caCertPath());
  auto wildcard = t->certFor("");
  REQUIRE(wildcard);
  // OpenSSL's host check (as curl's) takes no wildcard over a single label.
  CHECK(X509_check_host(wildcard->cert.get(), "app.localhost", 0, 0, nullptr) != 1);
  auto app = t->certFor("App.LocalHost.");
  REQUIRE(app);
  CHECK(app != wildcard);
  CHECK(app->names == std::vector<std::string>{"app.localhost"});
  CHECK(verifyChain(*app, ca_pem, "app.localhost") == X509_V_OK);
  CHECK(t->certFor("app.localhost") == app);  // kept
  CHECK(t->certFor("api.localhost") == wildcard);
  CHECK(t->certFor("localhost") == wildcard);
  CHECK(t->certFor("example.com") == wildcard);
  CHECK(t->certFor("bad_name.localhost") == wildcard);
}

TEST_CASE("TLS SNI: under a two-label domain the wildcard serves one-label hosts") {
  TempDir dir;
  auto t = makeContext(dir.path, "apps.example.test");
  std::string ca_pem = *base::readFile(t->caCertPath());
  auto wildcard = t->certFor("");
  CHECK(t->certFor("myapp.apps.example.test") == wildcard);
  CHECK(verifyChain(*wildcard, ca_pem, "myapp.apps.example.test") == X509_V_OK);
  auto deep = t->certFor("a.b.apps.example.test");
  REQUIRE(deep);
  CHECK(deep != wildcard);
  CHECK(verifyChain(*deep, ca_pem, "a.b.apps.example.test") == X509_V_OK);
}

TEST_CASE("TLS operator certificates: exact name, then wildcard, then the local ones") {
  TempDir op_dir, dir;
  base::SystemClock clock;
  auto op_ca = LocalCa::open(op_dir.path, clock);  // stands in for the operator's CA
  REQUIRE(op_ca.ok());
  auto wild = (*op_ca)->serverCert("custom.example");  // *.custom.example, custom.example
  REQUIRE(wild.ok());
  auto exact = (*op_ca)->hostCert("shop.custom.example", **wild);
  REQUIRE(exact.ok());
  std::string certs = base::joinPath(dir.path, "certs");
  REQUIRE(base::makeDirs(certs).ok());
  writePair(**wild, certs, "custom");
  writePair(**exact, op_dir.path, "shop");
  std::string op_ca_pem = (*op_ca)->certPem();

  auto t = makeContext(dir.path, "localhost",
                       {op_dir.path + "/shop.crt," + op_dir.path + "/shop.key"});
  auto lines = t->operatorCerts();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == op_dir.path + "/shop.crt: shop.custom.example");
  CHECK(lines[1] == certs + "/custom.crt: *.custom.example, custom.example, api.custom.example");

  auto shop = t->certFor("shop.custom.example");
  REQUIRE(shop);
  CHECK(shop->source == op_dir.path + "/shop.crt");
  CHECK(verifyChain(*shop, op_ca_pem, "shop.custom.example") == X509_V_OK);
  auto www = t->certFor("www.custom.example");
  REQUIRE(www);
  CHECK(www->source == certs + "/custom.crt");
  CHECK(verifyChain(*www, op_ca_pem, "www.custom.example") == X509_V_OK);
  CHECK(t->certFor("custom.example")->source == certs + "/custom.crt");
  CHECK(t->certFor("a.b.custom.example")->source == "local CA");
  CHECK(t->certFor("app.localhost")->source == "local CA");
}

TEST_CASE("TLS operator certificates: bad files stop start-up with the file's name") {
  TempDir op_dir, dir;
  base::SystemClock clock;
  auto op_ca = LocalCa::open(op_dir.path, clock);
  REQUIRE(op_ca.ok());
  auto good = (*op_ca)->serverCert("custom.example");
  REQUIRE(good.ok());
  writePair(**good, op_dir.path, "good");
  std::string crt = op_dir.path + "/good.crt", key = op_dir.path + "/good.key";
  std::string ca_key = op_dir.path + "/ca.key";

  auto fails = [&](std::vector<std::string> files) {
    auto t = TlsContext::create({dir.path, "localhost", std::move(files)}, clock);
    REQUIRE_FALSE(t.ok());
    return t.error().message;
  };
  CHECK(fails({crt}) ==
        "--tls-cert '" + crt + "': expected CERT.pem,KEY.pem (two files, one comma)");
  CHECK(fails({crt + "," + ca_key}) ==
        "TLS key " + ca_key + " does not belong to the certificate " + crt);
  CHECK(fails({key + "," + key}).starts_with("TLS certificate " + key + ": no PEM certificate"));
  CHECK(fails({op_dir.path + "/nope.crt," + key}).starts_with("TLS certificate " + op_dir.path +
                                                              "/nope.crt: "));
  std::string certs = base::joinPath(dir.path, "certs");
  REQUIRE(base::makeDirs(certs).ok());
  REQUIRE(base::writeFileAtomic(certs + "/lonely.crt", *base::readFile(crt)).ok());
  CHECK(fails({}) == "TLS certificate " + certs + "/lonely.crt has no key: put it in " + certs +
                         "/lonely.key");
}

TEST_CASE("TLS session: handshake with a verifying client, HTTP both ways, close_notify") {
  TempDir dir;
  auto t = makeContext(dir.path, "localhost");
  std::string ca_pem = *base::readFile(t->caCertPath());
  for (int version : {0, TLS1_2_VERSION}) {
    CAPTURE(version);
    for (std::string host : {"myapp.localhost", "api.localhost"}) {
      CAPTURE(host);
      Client c(ca_pem, host, version);
      TlsSession s(*t);
      std::string plain;
      // An early answer waits for the handshake.
      REQUIRE(s.send("").ok());
      REQUIRE(pump(c, s, plain).ok());
      REQUIRE(SSL_is_init_finished(c.ssl));
      CHECK(SSL_get_verify_result(c.ssl) == X509_V_OK);
      CHECK(s.handshakeDone());
      CHECK(s.serverName() == host);
      CHECK(s.protocol() == (version ? "TLSv1.2" : "TLSv1.3"));
      const unsigned char* alpn = nullptr;
      unsigned int alpn_len = 0;
      SSL_get0_alpn_selected(c.ssl, &alpn, &alpn_len);
      CHECK(std::string(reinterpret_cast<const char*>(alpn), alpn_len) == "http/1.1");

      std::string request = "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
      REQUIRE(SSL_write(c.ssl, request.data(), static_cast<int>(request.size())) > 0);
      REQUIRE(pump(c, s, plain).ok());
      CHECK(plain == request);

      std::string body(100000, 'x');  // more than one TLS record
      std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + body;
      REQUIRE(s.send(response).ok());
      REQUIRE(pump(c, s, plain).ok());
      CHECK(c.read() == response);

      SSL_shutdown(c.ssl);
      REQUIRE(pump(c, s, plain).ok());
      CHECK(s.closed());
      s.close();
      CHECK(s.hasOutput());
      REQUIRE(pump(c, s, plain).ok());
      c.read();
      CHECK((SSL_get_shutdown(c.ssl) & SSL_RECEIVED_SHUTDOWN) != 0);
      CHECK_FALSE(s.send("more").ok());
    }
  }
}

TEST_CASE("TLS session: a client without the CA's trust fails to verify; SNI-less gets *.DOMAIN") {
  TempDir dir, other;
  auto t = makeContext(dir.path, "localhost");
  auto stranger = makeContext(other.path, "localhost");
  Client c(*base::readFile(stranger->caCertPath()), "api.localhost");
  TlsSession s(*t);
  std::string plain;
  auto st = pump(c, s, plain);
  CHECK_FALSE(SSL_is_init_finished(c.ssl));
  CHECK(SSL_get_verify_result(c.ssl) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // The client's alert ends the session with a message.
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.starts_with("TLS handshake failed: "));
  CHECK(s.failed());
  ERR_clear_error();

  Client anon(*base::readFile(t->caCertPath()), "");
  TlsSession s2(*t);
  REQUIRE(pump(anon, s2, plain).ok());
  CHECK(s2.handshakeDone());
  CHECK(s2.serverName() == "");
  X509* peer = SSL_get0_peer_certificate(anon.ssl);
  REQUIRE(peer);
  CHECK(certNames(peer) == std::vector<std::string>{"*.localhost", "localhost", "api.localhost"});
}

TEST_CASE("TLS session: plain HTTP or garbage gets a clear error, and stays failed") {
  TempDir dir;
  auto t = makeContext(dir.path, "localhost");
  std::string plain;
  {
    TlsSession s(*t);
    std::string http = "GET / HTTP/1.1\r\nHost: app.localhost\r\n\r\n";
    auto st = s.receive(http.data(), http.size(), plain);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == "the client spoke plain HTTP to the HTTPS port");
    CHECK(s.failed());
    CHECK(s.plainHttp());
    CHECK(plainHttpAnswer().starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK_FALSE(s.handshakeDone());
    auto again = s.receive("x", 1, plain);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message == st.error().message);
    CHECK_FALSE(s.send("HTTP/1.1 400 Bad Request\r\n\r\n").ok());
  }
  {
    TlsSession s(*t);
    // A handshake record whose ClientHello is 4 bytes of nonsense.
    std::string junk("\x16\x03\x01\x00\x08\x01\x00\x00\x04garb", 13);
    auto st = s.receive(junk.data(), junk.size(), plain);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.starts_with("TLS handshake failed"));
    CHECK_FALSE(s.plainHttp());
    CHECK(s.hasOutput());  // an alert for the client
  }
  {
    TlsSession s(*t);
    std::string junk(64, '\x01');
    auto st = s.receive(junk.data(), junk.size(), plain);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("no TLS 1.2 or later handshake") != std::string::npos);
  }
  CHECK(plain.empty());
  CHECK(ERR_peek_error() == 0);  // nothing left behind for the next connection
}

TEST_CASE("TLS filter: a front connection's reads and writes; plain HTTP gets a 400") {
  TempDir dir;
  auto t = makeContext(dir.path, "localhost");
  Client c(*base::readFile(t->caCertPath()), "app.localhost");
  TlsFilter f(*t);
  auto feed = [&](const std::string& bytes) {
    TlsFilter::Input in = f.onRead(bytes.data(), bytes.size());
    BIO_write(c.in, in.to_write.data(), static_cast<int>(in.to_write.size()));
    return in;
  };
  for (int i = 0; i < 10 && !SSL_is_init_finished(c.ssl); ++i) {
    SSL_do_handshake(c.ssl);
    auto in = feed(c.take());
    CHECK(in.error == "");
    CHECK_FALSE(in.close);
    CHECK(in.plaintext == "");
  }
  REQUIRE(SSL_is_init_finished(c.ssl));
  CHECK(f.session().serverName() == "app.localhost");

  std::string request = "GET / HTTP/1.1\r\nHost: app.localhost\r\n\r\n";
  REQUIRE(SSL_write(c.ssl, request.data(), static_cast<int>(request.size())) > 0);
  auto in = feed(c.take());
  CHECK(in.plaintext == request);
  CHECK_FALSE(in.close);
  std::string response = "HTTP/1.1 204 No Content\r\n\r\n";
  std::string cipher = f.onWrite(response);
  BIO_write(c.in, cipher.data(), static_cast<int>(cipher.size()));
  CHECK(c.read() == response);

  SSL_shutdown(c.ssl);
  in = feed(c.take());
  CHECK(in.close);
  CHECK(in.error == "");
  c.read();
  CHECK((SSL_get_shutdown(c.ssl) & SSL_RECEIVED_SHUTDOWN) != 0);  // our close_notify came

  TlsFilter plain_http(*t);
  std::string http = "GET / HTTP/1.1\r\nHost: app.localhost\r\n\r\n";
  in = plain_http.onRead(http.data(), http.size());
  CHECK(in.close);
  CHECK(in.error == "the client spoke plain HTTP to the HTTPS port");
  CHECK(in.to_write == plainHttpAnswer());
  CHECK(in.plaintext == "");
  CHECK(plain_http.onWrite("HTTP/1.1 200 OK\r\n\r\n") == "");
}

}  // namespace
}  // namespace mcf::router
