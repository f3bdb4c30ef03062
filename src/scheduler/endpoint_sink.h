// What the scheduler needs from the router: instances in and out of the route table.
// Declared here by its consumer; daemon/ connects it to router::RouteTable.
#pragma once

#include <string>

namespace mcf::scheduler {

struct RoutableInstance {
  std::string app_guid;
  std::string instance_guid;
  int index = 0;
  std::string host;
  int port = 0;
};

class EndpointSink {
 public:
  virtual ~EndpointSink() = default;
  // Called when an instance passes its health check.
  virtual void addEndpoint(const RoutableInstance& instance) = 0;
  // Called at once when an instance crashes, fails its check or starts stopping.
  virtual void removeEndpoint(const std::string& app_guid, const std::string& instance_guid) = 0;
};

}  // namespace mcf::scheduler
