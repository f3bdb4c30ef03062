// PortAllocator: host ports for instances while containers share the host's network.
#pragma once

#include <set>

namespace mcf::scheduler {

class PortAllocator {
 public:
  PortAllocator(int first, int last) : first_(first), last_(last), next_(first) {}
  // A port nobody listens on (checked with a bind), or 0 when the range is used up.
  int allocate();
  void release(int port) { used_.erase(port); }
  bool inUse(int port) const { return used_.count(port) > 0; }

 private:
  int first_;
  int last_;
  int next_;
  std::set<int> used_;
};

// Whether a TCP port is free on every interface.
bool portFree(int port);

}  // namespace mcf::scheduler
