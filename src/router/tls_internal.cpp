// PEM reading and writing, certificate names and OpenSSL's error queue.
#include "router/tls_internal.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>

#include "base/fs.h"

namespace mcf::router {

using base::Errc;
using base::makeError;

std::string takeSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no details from OpenSSL" : out;
}

namespace {

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string certPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bioText(bio.get());
}

std::string keyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioText(bio.get());
}

std::vector<std::string> certNames(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = gn->d.dNSName;
      names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        static_cast<size_t>(ASN1_STRING_length(s)))));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    if (n > 0) names.push_back(lower(std::string(cn, static_cast<size_t>(n))));
  }
  return names;
}

bool nameMatches(const std::string& pattern, const std::string& host) {
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    auto dot = host.find('.');
    return dot != std::string::npos && dot > 0 && host.compare(dot, std::string::npos, pattern, 1,
                                                               std::string::npos) == 0;
  }
  return pattern == host;
}

base::Result<std::shared_ptr<const CertKey>> loadCertKey(const std::string& cert_path,
                                                          const std::string& key_path) {
  auto cert_text = base::readFile(cert_path);
  if (!cert_text.ok())
    return makeError(Errc::kInvalid, "TLS certificate {}: {}", cert_path,
                     cert_text.error().message);
  auto key_text = base::readFile(key_path);
  if (!key_text.ok())
    return makeError(Errc::kInvalid, "TLS key {}: {}", key_path, key_text.error().message);
  auto ck = std::make_shared<CertKey>();
  BioPtr bio(BIO_new_mem_buf(cert_text->data(), static_cast<int>(cert_text->size())));
  ck->cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!ck->cert) {
    takeSslErrors();
    return makeError(Errc::kInvalid,
                     "TLS certificate {}: no PEM certificate in it (expected '-----BEGIN "
                     "CERTIFICATE-----', leaf first, then any intermediates)",
                     cert_path);
  }
  ck->chain.reset(sk_X509_new_null());
  while (X509* more = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(ck->chain.get(), more);
  ERR_clear_error();  // the end of the file reads as a "no start line" error
  bio.reset(BIO_new_mem_buf(key_text->data(), static_cast<int>(key_text->size())));
  // No passphrase callback: an encrypted key fails here instead of prompting on the terminal.
  ck->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                        [](char*, int, int, void*) { return 0; }, nullptr));
  if (!ck->key) {
    takeSslErrors();
    return makeError(Errc::kInvalid,
                     "TLS key {}: no unencrypted PEM private key in it (expected '-----BEGIN "
                     "PRIVATE KEY-----' or an RSA/EC key; remove a passphrase with `openssl pkey "
                     "-in KEY -out KEY.plain`)",
                     key_path);
  }
  if (X509_check_private_key(ck->cert.get(), ck->key.get()) != 1) {
    takeSslErrors();
    return makeError(Errc::kInvalid, "TLS key {} does not belong to the certificate {}",
                     key_path, cert_path);
  }
  ck->names = certNames(ck->cert.get());
  if (ck->names.empty())
    return makeError(Errc::kInvalid,
                     "TLS certificate {} names no DNS host (no subjectAltName DNS entry or CN)",
                     cert_path);
  ck->source = cert_path;
  return std::shared_ptr<const CertKey>(std::move(ck));
}

}  // namespace mcf::router
