"""Tries to break out of its container; prints one line per attempt and then serves $PORT.

Each line is "PROBE <name> <blocked|ALLOWED> <detail>", read by test/e2e/isolation.sh; the
last one, a destination the test allows, says "reached" or "UNREACHABLE".
Targets come from the environment the test puts in the manifest."""
import http.server
import os
import socket

results = []


def report(name, blocked, detail):
    results.append(f"PROBE {name} {'blocked' if blocked else 'ALLOWED'} {detail}")
    print(results[-1], flush=True)


def connects(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True, "connected"
    except OSError as e:
        return False, str(e)


def fails(fn):
    try:
        fn()
        return False, "succeeded"
    except OSError as e:
        return True, str(e)


host_home = os.environ["HOST_HOME"]
report("read-other-app", *fails(lambda: os.listdir(os.path.join(host_home, "droplets"))))
report("read-database", *fails(lambda: open(os.path.join(host_home, "microcf.db"), "rb").read(16)))
report("write-stemcell", *fails(lambda: open("/usr/bin/microcf-was-here", "w").write("x")))
report("write-etc", *fails(lambda: open("/etc/microcf-was-here", "w").write("x")))
report("write-root", *fails(lambda: open("/microcf-was-here", "w").write("x")))

pids = [p for p in os.listdir("/proc") if p.isdigit()]
cmdlines = ""
for p in pids:
    try:
        cmdlines += open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace") + "\n"
    except OSError:
        pass
sees_platform = host_home in cmdlines or "microcf\0up" in cmdlines
report("list-processes", len(pids) < 10 and not sees_platform, f"{len(pids)} processes visible")
# The host's other mounts (/sys, /boot, /run, the data dir, ...) are not mounted here.
ours = ("/usr", "/etc", "/proc", "/dev", "/tmp", "/home")
points = {line.split()[4] for line in open("/proc/self/mountinfo")}
foreign = sorted(p for p in points if p != "/" and not p.startswith(ours))
report("see-host-mounts", not foreign, "foreign mount points: " + " ".join(foreign) if foreign else f"{len(points)} mount points, all the container's")

status = open("/proc/self/status").read()
cap_eff = [l.split()[1] for l in status.splitlines() if l.startswith("CapEff:")][0]
no_new_privs = [l.split()[1] for l in status.splitlines() if l.startswith("NoNewPrivs:")][0]
report("capabilities", int(cap_eff, 16) == 0 and no_new_privs == "1", f"CapEff={cap_eff} NoNewPrivs={no_new_privs}")
report("hostname", socket.gethostname() == os.environ.get("CF_INSTANCE_GUID"), socket.gethostname())

reached, why = connects(os.environ["VICTIM_IP"], 8080)
report("reach-other-container", not reached, why)
reached, why = connects(os.environ["HOST_IP"], os.environ["HOST_PORT"])
report("reach-host", not reached, why)
reached, why = connects(os.environ["OUTSIDE_IP"], os.environ["DENIED_PORT"])
report("reach-denied-address", not reached, why)
# The one destination the platform's running security group allows: proves the rules work.
reached, why = connects(os.environ["OUTSIDE_IP"], os.environ["ALLOWED_PORT"])
results.append(f"PROBE reach-allowed-address {'reached' if reached else 'UNREACHABLE'} {why}")
print(results[-1], flush=True)


class Results(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("\n".join(results) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Results).serve_forever()
