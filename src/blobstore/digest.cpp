// Digests of files, read in large blocks so hashing runs at memory speed.
#include "blobstore/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

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

base::Result<std::string> digestTree(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> entries;  // path → "type mode what"
  std::error_code ec;
  fs::path root(dir);
  for (fs::recursive_directory_iterator it(root, ec), end; it != end; it.increment(ec)) {
    if (ec) break;
    fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    std::string rel = it->path().lexically_relative(root).generic_string();
    unsigned mode = static_cast<unsigned>(st.permissions()) & 07777;
    std::string what;
    if (fs::is_symlink(st)) {
      what = "l " + fs::read_symlink(it->path(), ec).generic_string();
    } else if (fs::is_directory(st)) {
      what = "d";
    } else if (fs::is_regular_file(st)) {
      auto sha = hashFile(it->path().string(), DigestAlgo::kSha256);
      if (!sha.ok()) return sha.takeError();
      what = "f " + *sha;
    } else {
      what = "o";
    }
    if (ec) break;
    entries.emplace_back(std::move(rel), fmt::format("{:o} {}", mode, what));
  }
  if (ec) return base::makeError(base::Errc::kIo, "Cannot read {}: {}", dir, ec.message());
  std::sort(entries.begin(), entries.end());
  Digest d(DigestAlgo::kSha256);
  for (const auto& [path, what] : entries) {
    d.update(path.data(), path.size() + 1);  // with its NUL: no path is a prefix of a line
    d.update(what.data(), what.size());
    d.update("\n", 1);
  }
  return d.hex();
}

}  // namespace mcf::blobstore
