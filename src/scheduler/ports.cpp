// Port allocation by probing with bind.
#include "scheduler/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "base/unique_fd.h"

namespace mcf::scheduler {

bool portFree(int port) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

int PortAllocator::allocate() {
  int span = last_ - first_ + 1;
  for (int i = 0; i < span; ++i) {
    int port = next_;
    next_ = next_ == last_ ? first_ : next_ + 1;
    if (used_.count(port) || !portFree(port)) continue;
    used_.insert(port);
    return port;
  }
  return 0;
}

}  // namespace mcf::scheduler
