// Task states and their legal moves.
#include "model/task.h"

namespace mcf::model {

const char* toString(TaskState s) {
  switch (s) {
    case TaskState::kPending: return "PENDING";
    case TaskState::kRunning: return "RUNNING";
    case TaskState::kSucceeded: return "SUCCEEDED";
    case TaskState::kFailed: return "FAILED";
    case TaskState::kCanceling: return "CANCELING";
  }
  return "FAILED";
}

std::optional<TaskState> taskStateFrom(const std::string& s) {
  for (TaskState t : {TaskState::kPending, TaskState::kRunning, TaskState::kSucceeded,
                      TaskState::kFailed, TaskState::kCanceling}) {
    if (s == toString(t)) return t;
  }
  return std::nullopt;
}

bool isFinal(TaskState s) { return s == TaskState::kSucceeded || s == TaskState::kFailed; }

bool legalTransition(TaskState from, TaskState to) {
  using S = TaskState;
  switch (from) {
    case S::kPending: return to == S::kRunning || to == S::kFailed || to == S::kCanceling;
    case S::kRunning: return to == S::kSucceeded || to == S::kFailed || to == S::kCanceling;
    case S::kCanceling: return to == S::kFailed;
    case S::kSucceeded:
    case S::kFailed: return false;
  }
  return false;
}

std::string taskSourceType(const Task& task) { return "APP/TASK/" + task.name; }

}  // namespace mcf::model
