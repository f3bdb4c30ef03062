// LocalCa: making, loading and checking the local CA and the certificates it signs.
#include "router/local_ca.h"

#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>

#include "base/fs.h"
#include "base/log.h"
#include "router/tls_internal.h"

namespace mcf::router {

using base::Errc;
using base::makeError;

namespace {

constexpr long kDay = 24 * 3600;
constexpr long kCaDays = 3650;
constexpr long kServerDays = 365;
constexpr long kRenewBeforeDays = 30;  // a certificate closer than this to expiry is reissued

base::Result<PkeyPtr> newKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return makeError(Errc::kInternal, "cannot make an EC key: {}", takeSslErrors());
  return key;
}

// ext is OpenSSL's configuration syntax ("critical,CA:TRUE"); values come from checked names.
base::Status addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return makeError(Errc::kInternal, "bad extension {}: {}", value, takeSslErrors());
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ok) return makeError(Errc::kInternal, "cannot add extension: {}", takeSslErrors());
  return {};
}

struct Issue {
  std::string common_name;
  std::vector<std::string> dns;  // SAN DNS entries; empty for the CA
  bool ca = false;
  long days = kServerDays;
};

// A certificate for `key`, signed by issuer_key (self-signed when issuer is null), valid
// from an hour before `now` (clients with a clock a little behind) for `days`.
base::Result<X509Ptr> issue(const Issue& what, EVP_PKEY* key, X509* issuer,
                            EVP_PKEY* issuer_key, time_t now) {
  X509Ptr cert(X509_new());
  if (!cert) return makeError(Errc::kInternal, "X509_new: {}", takeSslErrors());
  X509_set_version(cert.get(), X509_VERSION_3);
  BIGNUM* serial = BN_new();
  ASN1_INTEGER* sn = nullptr;
  if (serial && BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
    sn = BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  if (!sn) return makeError(Errc::kInternal, "cannot make a serial number: {}", takeSslErrors());
  time_t t = now;
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &t);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(what.days), 0, &t);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(what.common_name.c_str()),
                             -1, -1, 0);
  if (what.ca) X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>("microcf"), -1,
                                          -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  X509_set_pubkey(cert.get(), key);
  if (what.ca) {
    MCF_TRY(addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE"));
    MCF_TRY(addExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    MCF_TRY(addExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE"));
    MCF_TRY(addExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature"));
    MCF_TRY(addExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth"));
    std::string san;
    for (const auto& d : what.dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    MCF_TRY(addExtension(cert.get(), signer, NID_subject_alt_name, san));
  }
  MCF_TRY(addExtension(cert.get(), signer, NID_subject_key_identifier, "hash"));
  if (issuer)
    MCF_TRY(addExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always"));
  if (!X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()))
    return makeError(Errc::kInternal, "cannot sign a certificate: {}", takeSslErrors());
  return cert;
}

// Whether cert is in its validity period at now and stays so for `margin` more seconds.
bool validFor(X509* cert, time_t now, long margin) {
  time_t later = now + margin;
  return X509_cmp_time(X509_get0_notBefore(cert), &now) < 0 &&
         X509_cmp_time(X509_get0_notAfter(cert), &later) > 0;
}

std::vector<std::string> serverNames(const std::string& domain) {
  return {"*." + domain, domain, "api." + domain};
}

}  // namespace

struct LocalCa::State {
  X509Ptr cert;
  PkeyPtr key;
};

LocalCa::LocalCa(std::string dir, const base::Clock& clock)
    : dir_(std::move(dir)), cert_path_(base::joinPath(dir_, "ca.crt")), clock_(clock),
      state_(std::make_unique<State>()) {}

LocalCa::~LocalCa() = default;

base::Result<std::unique_ptr<LocalCa>> LocalCa::open(const std::string& dir,
                                                     const base::Clock& clock) {
  std::unique_ptr<LocalCa> ca(new LocalCa(dir, clock));
  MCF_TRY(base::makeDirs(dir, 0700));
  std::string key_path = base::joinPath(dir, "ca.key");
  bool have_cert = base::pathExists(ca->cert_path_), have_key = base::pathExists(key_path);
  time_t now = static_cast<time_t>(clock.nowNs() / 1000000000);
  if (have_cert != have_key)
    return makeError(Errc::kInvalid,
                     "{} is missing but {} exists: restore it, or remove {} to make a new CA "
                     "(clients that trusted the old one must then trust the new one)",
                     have_cert ? key_path : ca->cert_path_, have_cert ? ca->cert_path_ : key_path,
                     have_cert ? ca->cert_path_ : key_path);
  if (have_cert) {
    auto loaded = loadCertKey(ca->cert_path_, key_path);
    if (!loaded.ok()) return loaded.takeError();
    X509* cert = (*loaded)->cert.get();
    if (X509_check_ca(cert) == 0)
      return makeError(Errc::kInvalid, "{} is not a CA certificate: remove {} and {} to make "
                       "a new CA", ca->cert_path_, ca->cert_path_, key_path);
    if (validFor(cert, now, 0)) {
      ca->state_->cert.reset(X509_dup(cert));
      ca->state_->key.reset(EVP_PKEY_dup((*loaded)->key.get()));
      return ca;
    }
    MCF_WARN("router", "the local CA {} has expired: making a new one; clients must trust the "
             "new {}", ca->cert_path_, ca->cert_path_);
  }
  auto key = newKey();
  if (!key.ok()) return key.takeError();
  auto cert = issue({"microcf local CA", {}, true, kCaDays}, key->get(), nullptr, nullptr, now);
  if (!cert.ok()) return cert.takeError();
  MCF_TRY(base::writeFileAtomic(key_path, keyPem(key->get()), 0600));
  MCF_TRY(base::writeFileAtomic(ca->cert_path_, router::certPem(cert->get()), 0644));
  ca->state_->cert = std::move(cert).value();
  ca->state_->key = std::move(key).value();
  ca->created_ = true;
  return ca;
}

std::string LocalCa::certPem() const { return router::certPem(state_->cert.get()); }

base::Result<std::shared_ptr<const CertKey>> LocalCa::serverCert(const std::string& domain) {
  MCF_TRY(checkDnsName(domain));
  std::string cert_path = base::joinPath(dir_, "server.crt");
  std::string key_path = base::joinPath(dir_, "server.key");
  time_t now = static_cast<time_t>(clock_.nowNs() / 1000000000);
  std::vector<std::string> want = serverNames(domain);
  if (base::pathExists(cert_path) && base::pathExists(key_path)) {
    auto loaded = loadCertKey(cert_path, key_path);
    if (loaded.ok()) {
      X509* cert = (*loaded)->cert.get();
      auto have = (*loaded)->names;
      auto sorted_want = want;
      std::sort(have.begin(), have.end());
      std::sort(sorted_want.begin(), sorted_want.end());
      bool ours = X509_check_issued(state_->cert.get(), cert) == X509_V_OK &&
                  X509_verify(cert, state_->key.get()) == 1;
      if (ours && have == sorted_want && validFor(cert, now, kRenewBeforeDays * kDay)) {
        auto ck = std::make_shared<CertKey>();
        ck->cert.reset(X509_dup(cert));
        ck->key.reset(EVP_PKEY_dup((*loaded)->key.get()));
        ck->chain.reset(sk_X509_new_null());
        ck->names = std::move(want);
        ck->source = "local CA";
        return std::shared_ptr<const CertKey>(std::move(ck));
      }
    } else {
      MCF_WARN("router", "{}: issuing a new server certificate", loaded.error().message);
    }
    takeSslErrors();
  }
  auto key = newKey();
  if (!key.ok()) return key.takeError();
  auto cert = issue({"*." + domain, want, false, kServerDays}, key->get(), state_->cert.get(),
                    state_->key.get(), now);
  if (!cert.ok()) return cert.takeError();
  MCF_TRY(base::writeFileAtomic(key_path, keyPem(key->get()), 0600));
  MCF_TRY(base::writeFileAtomic(cert_path, router::certPem(cert->get()), 0644));
  auto ck = std::make_shared<CertKey>();
  ck->cert = std::move(cert).value();
  ck->key = std::move(key).value();
  ck->chain.reset(sk_X509_new_null());
  ck->names = std::move(want);
  ck->source = "local CA";
  return std::shared_ptr<const CertKey>(std::move(ck));
}

base::Result<std::shared_ptr<const CertKey>> LocalCa::hostCert(const std::string& host,
                                                               const CertKey& key_of) {
  MCF_TRY(checkDnsName(host));
  time_t now = static_cast<time_t>(clock_.nowNs() / 1000000000);
  auto cert = issue({host, {host}, false, kServerDays}, key_of.key.get(), state_->cert.get(),
                    state_->key.get(), now);
  if (!cert.ok()) return cert.takeError();
  auto ck = std::make_shared<CertKey>();
  ck->cert = std::move(cert).value();
  EVP_PKEY_up_ref(key_of.key.get());
  ck->key.reset(key_of.key.get());
  ck->chain.reset(sk_X509_new_null());
  ck->names = {host};
  ck->source = "local CA";
  return std::shared_ptr<const CertKey>(std::move(ck));
}

base::Status checkDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253)
    return makeError(Errc::kInvalid, "'{}' is not a DNS name (1 to 253 characters)", name);
  if (name.front() == '.' || name.back() == '.' || name.front() == '-' || name.back() == '-' ||
      name.find("..") != std::string::npos)
    return makeError(Errc::kInvalid,
                     "'{}' is not a DNS name (empty label, or '-' or '.' at an end)", name);
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return makeError(Errc::kInvalid,
                       "'{}' is not a DNS name: only lowercase letters, digits, '-' and '.'", name);
  return {};
}

}  // namespace mcf::router
