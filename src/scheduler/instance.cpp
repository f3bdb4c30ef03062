// The instance state machine.
#include "scheduler/instance.h"

namespace mcf::scheduler {

bool legalTransition(model::InstanceState from, model::InstanceState to) {
  using S = model::InstanceState;
  switch (from) {
    case S::kStarting: return to == S::kRunning || to == S::kCrashed || to == S::kStopping;
    case S::kRunning: return to == S::kCrashed || to == S::kStopping;
    case S::kCrashed: return to == S::kStarting || to == S::kDown;
    case S::kStopping: return to == S::kDown;
    case S::kDown: return false;
  }
  return false;
}

}  // namespace mcf::scheduler
