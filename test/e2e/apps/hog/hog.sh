#!/usr/bin/env bash
# Goes past one limit, chosen by $HOG, and serves $PORT if it survives.
#   memory  allocates 4x the memory limit (the instance is killed: out of memory)
#   pids    forks until fork fails, then reports how many it got
#   disk    writes /home/vcap and /tmp until the disk quota stops it
set -u
case "$HOG" in
  memory)
    exec python3 -c 'b = bytearray(4 * int("'"${MEMORY_LIMIT%m}"'") << 20); print("allocated", len(b), flush=True)'
    echo "HOG memory survived"  # not reached: exec
    ;;
  pids)
    python3 -c '
import os, signal, time
children = []
while len(children) < 3000:
    try:
        pid = os.fork()
    except OSError as e:
        print("HOG pids forked", len(children), "processes before fork failed:", e, flush=True)
        break
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
'
    ;;
  disk)
    for dir in /home/vcap /tmp; do
      if out=$(dd if=/dev/zero of="$dir/fill" bs=1M count=4096 2>&1); then
        echo "HOG disk wrote 4 GiB to $dir"
      else
        echo "HOG disk $dir stopped: $(printf '%s\n' "$out" | head -1)"
      fi
      rm -f "$dir/fill"
    done
    ;;
esac
exec python3 -m http.server "$PORT"
