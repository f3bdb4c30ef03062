// Digests of files, read in large blocks so hashing runs at memory speed.
#include "blobstore/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "base/strutil.h"
#include "base/unique_fd.h"

namespace mcf::blobstore {

size_t hexLength(DigestAlgo algo) { return algo == DigestAlgo::kSha1 ? 40 : 64; }

Digest::Digest(DigestAlgo algo) : ctx_(EVP_MD_CTX_new()) {
  // Failing here means OpenSSL cannot allocate or lost its built-in digests: a broken host.
  if (!ctx_ ||
      EVP_DigestInit_ex(ctx_, algo == DigestAlgo::kSha1 ? EVP_sha1() : EVP_sha256(), nullptr) != 1)
    std::abort();
}

Digest::~Digest() { EVP_MD_CTX_free(ctx_); }

void Digest::update(const void* data, size_t size) { EVP_DigestUpdate(ctx_, data, size); }

std::string Digest::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  return base::hexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

base::Result<std::string> hashFile(const std::string& path, DigestAlgo algo) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return base::makeError(errno == ENOENT ? base::Errc::kNotFound : base::Errc::kIo,
                           "Cannot read {}: {}.", path, strerror(errno));
  Digest digest(algo);
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::makeError(base::Errc::kIo, "Cannot read {}: {}.", path, strerror(errno));
    if (n == 0) break;
    digest.update(buf.data(), static_cast<size_t>(n));
  }
  return digest.hex();
}

}  // namespace mcf::blobstore
