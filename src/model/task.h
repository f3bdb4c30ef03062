// Tasks: one-off commands run in a container from an app's droplet (Cloud Foundry's
// /v3/tasks), their states and the legal moves between them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/model.h"

namespace mcf::model {

// PENDING → RUNNING → SUCCEEDED | FAILED; PENDING | RUNNING → CANCELING → FAILED;
// PENDING → FAILED (it could not start). SUCCEEDED and FAILED are final.
enum class TaskState { kPending, kRunning, kSucceeded, kFailed, kCanceling };

struct Task : Stamps {
  std::string guid;
  std::string app_guid;
  int64_t sequence_id = 0;  // per app, from 1, given by the store
  std::string name;
  std::string command;
  TaskState state = TaskState::kPending;
  int memory_in_mb = 1024;
  int disk_in_mb = 1024;
  int64_t log_rate_limit_in_bytes_per_second = -1;
  std::string failure_reason;  // result.failure_reason; "" = null
  std::string droplet_guid;    // the app's current droplet when the task was created
};

const char* toString(TaskState s);
std::optional<TaskState> taskStateFrom(const std::string& s);
bool isFinal(TaskState s);
bool legalTransition(TaskState from, TaskState to);

// Cloud Foundry's failure reasons.
inline constexpr const char* kTaskCancelledReason = "task was cancelled";

// The log source type of a task's output: "APP/TASK/<name>", as `cf logs` shows it.
std::string taskSourceType(const Task& task);

}  // namespace mcf::model
