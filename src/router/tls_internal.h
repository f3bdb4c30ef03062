// OpenSSL types with owners, and the certificate-and-key value that the TLS files pass around.
// Included by router/'s TLS sources and their tests only: nothing else sees OpenSSL.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::router {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ChainPtr = std::unique_ptr<STACK_OF(X509), ChainFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// A server certificate with its key, immutable once built; shared by every connection that
// presents it.
struct CertKey {
  X509Ptr cert;
  PkeyPtr key;
  ChainPtr chain;                  // intermediates sent after cert (may be empty, never null)
  std::vector<std::string> names;  // DNS names it is for, lowercase: SAN, else the CN
  std::string source;              // file it came from, or "local CA"
};

// OpenSSL's queued errors as one line ("error:...: reason; ..."), and the queue emptied.
std::string takeSslErrors();

// PEM text of a certificate / of a private key (unencrypted PKCS#8).
std::string certPem(X509* cert);
std::string keyPem(EVP_PKEY* key);

// DNS names a certificate is for: its subjectAltName DNS entries, or its CN when it has none.
std::vector<std::string> certNames(X509* cert);

// Whether DNS name `host` (lowercase, no trailing dot) matches `pattern` ("*.example.com"
// matches exactly one label in place of the star; anything else must be equal).
bool nameMatches(const std::string& pattern, const std::string& host);

// Reads a PEM certificate chain (leaf first) and key; the error names the file and says
// what is wrong with it (unreadable, not PEM, key that does not match the certificate).
base::Result<std::shared_ptr<const CertKey>> loadCertKey(const std::string& cert_path,
                                                          const std::string& key_path);

}  // namespace mcf::router
