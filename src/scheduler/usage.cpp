// Walking a process tree through /proc/<pid>/task/*/children.
#include "scheduler/usage.h"

#include <dirent.h>

#include <string>
#include <vector>

#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::scheduler {

static int64_t rssOf(int pid) {
  auto status = base::readFile("/proc/" + std::to_string(pid) + "/status");
  if (!status.ok()) return -1;
  size_t pos = status->find("VmRSS:");
  if (pos == std::string::npos) return 0;  // a zombie or a kernel thread
  return std::stoll(status->substr(pos + 6)) * 1024;
}

static std::vector<int> childrenOf(int pid) {
  std::vector<int> out;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(task_dir.c_str());
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    auto kids = base::readFile(task_dir + "/" + e->d_name + "/children");
    if (!kids.ok()) continue;
    for (const auto& k : base::split(base::trim(*kids), ' '))
      if (!k.empty()) out.push_back(std::stoi(k));
  }
  ::closedir(dir);
  return out;
}

int64_t treeRssBytes(int pid) {
  if (pid <= 0) return -1;
  int64_t total = rssOf(pid);
  if (total < 0) return -1;
  std::vector<int> stack = childrenOf(pid);
  int guard = 0;
  while (!stack.empty() && ++guard < 4096) {
    int p = stack.back();
    stack.pop_back();
    int64_t rss = rssOf(p);
    if (rss > 0) total += rss;
    for (int c : childrenOf(p)) stack.push_back(c);
  }
  return total;
}

}  // namespace mcf::scheduler
