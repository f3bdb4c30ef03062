"""Shared by the example apps' tests: free ports, running an example app on loopback with a
given environment, plain HTTP calls, and the exit codes meson reads (77 = skipped)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(SOURCE, "examples")
SKIP = 77
tracked = []  # (process, stop signal) to stop if the test itself is killed


def track(proc, sig=signal.SIGTERM):
    """Stops proc when this test is terminated (meson's timeout) before its own clean-up."""
    tracked.append((proc, sig))
    return proc


temp_dirs = []


def make_temp(prefix):
    """A temporary folder, removed also when this test is terminated."""
    temp_dirs.append(tempfile.mkdtemp(prefix=prefix))
    return temp_dirs[-1]


def on_terminate(signum, frame):
    print("terminated: stopping the servers and removing the temporary folders", flush=True)
    for proc, sig in tracked:
        stop(proc, sig)
    for d in temp_dirs:
        shutil.rmtree(d, ignore_errors=True)
    os._exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc=None, what="server", attempts=300):
    """Waits (at most attempts × 0.1 s) until something accepts on 127.0.0.1:port."""
    for _ in range(attempts):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what} exited with status {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on port {port}")


def stop(proc, sig=None):
    if proc.poll() is None:
        if sig is None:
            proc.terminate()
        else:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class App:
    """An example app (examples/NAME/app.py) started as its Procfile would, on a free port."""

    def __init__(self, test, name, env):
        self.port = free_port()
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("VCAP_SERVICES", "DATABASE_URL", "VCAP_APPLICATION")}
        full_env.update(env, PORT=str(self.port))
        self.log = open(os.path.join(test.tmp, f"{name}-{self.port}.log"), "w+")
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=os.path.join(EXAMPLES, name),
                                     env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        track(self.proc)
        test.addCleanup(self.close)
        wait_for_port(self.port, self.proc, f"examples/{name}")

    def call(self, method, path, body=None):
        """(status, body text) of one request; error statuses are answers, not exceptions."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=body.encode() if isinstance(body, str) else body)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self):
        stop(self.proc)
        self.log.close()


def stage(test, name):
    """Runs the python buildpack's detect, supply and finalize on a copy of examples/NAME, as
    staging does; returns their output and the deps folder."""
    root = tempfile.mkdtemp(prefix=f"{name}-stage-", dir=test.tmp)
    app, deps = os.path.join(root, "app"), os.path.join(root, "deps")
    shutil.copytree(os.path.join(EXAMPLES, name), app)
    for d in ("cache", "deps/0", "profile"):
        os.makedirs(os.path.join(root, d))
    bin_dir = os.path.join(SOURCE, "buildpacks", "python_buildpack", "bin")
    out = ""
    for step, args in (("detect", [app]), ("supply", [app, root + "/cache", deps, "0"]),
                       ("finalize", [app, root + "/cache", deps, "0", root + "/profile"])):
        run = subprocess.run([os.path.join(bin_dir, step)] + args, capture_output=True, text=True, timeout=60)
        test.assertEqual(run.returncode, 0, f"{step}: {run.stdout}{run.stderr}")
        out += run.stdout + run.stderr
    return out, os.path.join(deps, "0")


def main(skip_reason):
    """Runs the module's tests; exits 77 with the reason when skip_reason is set."""
    if skip_reason:
        print(f"skipped: {skip_reason}")
        sys.exit(SKIP)
    signal.signal(signal.SIGTERM, on_terminate)
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
