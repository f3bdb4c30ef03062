// JobStore: the API's asynchronous jobs (GET /v3/jobs/:guid), kept in memory.
//
// Most work behind a job is finished before the answer (apply_manifest, deletes), so the job is
// born COMPLETE or FAILED; the CLI still polls it as it would poll Cloud Controller. Work that
// waits on a service broker starts a PROCESSING job and finishes it later. Jobs do not survive
// a restart (the service instance's last_operation does), which only matters to a client
// polling across one.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/result.h"

namespace mcf::controller {

struct Job {
  std::string guid;
  std::string operation;  // "space.apply_manifest", "app.delete", ...
  std::string state = "COMPLETE";  // PROCESSING | POLLING | COMPLETE | FAILED
  std::vector<base::Error> errors;
  std::vector<std::string> warnings;
  std::string resource_path;  // "/v3/spaces/<guid>": the object the job worked on, for links
  std::string owner;  // who started it (user guid, or "client:<id>"): only they and global
                      // readers see it
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class JobStore {
 public:
  // Adds a job with a new guid; FAILED when errors is not empty. Returns its guid.
  std::string add(std::string operation, std::string resource_path, int64_t now,
                  std::vector<base::Error> errors = {});
  // Adds a PROCESSING job, for finish() to end. Returns its guid.
  std::string start(std::string operation, std::string resource_path, int64_t now);
  // Ends a PROCESSING job: COMPLETE, or FAILED with errors. A job forgotten meanwhile is
  // ignored.
  void finish(const std::string& guid, int64_t now, std::vector<base::Error> errors = {});
  const Job* find(const std::string& guid) const;
  // Records who started the job the 202 answer's Location names; the controller calls it for
  // every 202, so that handlers need not pass the caller along.
  void setOwnerOf(const std::string& location, const std::string& owner);

 private:
  static constexpr size_t kKeep = 1000;  // old jobs are forgotten first
  std::deque<Job> jobs_;
};

}  // namespace mcf::controller
