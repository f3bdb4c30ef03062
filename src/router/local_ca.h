// LocalCa: the certificate authority microcf makes on first start, and the server
// certificates it signs for the platform's domain.
//
// Owns: DIR/ca.crt, ca.key (the CA, 10 years, EC P-256), server.crt, server.key (for
// *.DOMAIN, DOMAIN and api.DOMAIN, about a year). Does not own: operator certificates or
// choosing a certificate per connection (TlsContext does). Thread: the loop's; it blocks on
// small file writes at start-up and on one ECDSA signature per issued certificate.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace mcf::router {

struct CertKey;

class LocalCa {
 public:
  // Loads DIR/ca.crt and DIR/ca.key, or makes both (DIR created 0700, the key 0600) when
  // neither exists. One without the other, files that do not parse, or a key that does not
  // match are errors naming the file; an expired CA is replaced (with a warning: clients
  // must trust the new one). The clock gives the time certificates are checked and issued
  // at, and must outlive the CA.
  static base::Result<std::unique_ptr<LocalCa>> open(const std::string& dir,
                                                     const base::Clock& clock);
  ~LocalCa();
  LocalCa(const LocalCa&) = delete;
  LocalCa& operator=(const LocalCa&) = delete;

  const std::string& certPath() const { return cert_path_; }
  bool created() const { return created_; }  // made by this open(), not found on disk
  std::string certPem() const;

  // DIR/server.crt and server.key for `domain`: loaded, or issued again (with a new key)
  // when missing, unreadable, not signed by this CA, expiring within 30 days or made for
  // another domain. SAN DNS: *.DOMAIN, DOMAIN, api.DOMAIN.
  base::Result<std::shared_ptr<const CertKey>> serverCert(const std::string& domain);

  // A certificate for one host name, valid about a year, with the given certificate's key;
  // kept in memory only. For names the *.DOMAIN wildcard does not cover for clients: every
  // name under a one-label domain (curl and OpenSSL refuse "*.localhost"), and names two or
  // more labels below the domain.
  base::Result<std::shared_ptr<const CertKey>> hostCert(const std::string& host,
                                                        const CertKey& key_of);

 private:
  struct State;
  LocalCa(std::string dir, const base::Clock& clock);

  std::string dir_;
  std::string cert_path_;
  const base::Clock& clock_;
  bool created_ = false;
  std::unique_ptr<State> state_;
};

// Whether `domain` can be put in a certificate: lowercase letters, digits, '-' and '.', not
// starting or ending with '.' or '-'; the error says why not.
base::Status checkDnsName(const std::string& domain);

}  // namespace mcf::router
