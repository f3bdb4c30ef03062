"""A test app for the scheduler: answers on $PORT and misbehaves on request.

GET /            "crashy VERSION instance N" (VERSION from $CRASHY_VERSION, default v1)
GET /crash       exits with status 1 (after answering), as an app that crashes
GET /health      200, or 500 once /sick was called; hangs forever once /hang was called
GET /sick        makes /health answer 500 from now on
GET /hang        makes /health hang from now on
GET /well        makes /health answer 200 again (after /sick)
Environment:
  CRASHY_START_DELAY  seconds to wait before listening (a slow start)
  CRASHY_NO_LISTEN    set: never listen (a start that never gets healthy)
  CRASHY_IGNORE_TERM  set: ignore SIGTERM (stop must SIGKILL it)
"""
import http.server
import os
import signal
import sys
import threading
import time

PORT = int(os.environ.get("PORT", "8080"))
INDEX = os.environ.get("CF_INSTANCE_INDEX", "0")
VERSION = os.environ.get("CRASHY_VERSION", "v1")
state = {"health": "ok"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/crash":
            self.answer(200, "crashing\n")
            print(f"instance {INDEX} crashes on request", flush=True)
            threading.Timer(0.05, lambda: os._exit(1)).start()
        elif self.path == "/health":
            if state["health"] == "hang":
                time.sleep(3600)
            self.answer(200 if state["health"] == "ok" else 500, state["health"] + "\n")
        elif self.path in ("/sick", "/hang", "/well"):
            state["health"] = "ok" if self.path == "/well" else self.path[1:]
            self.answer(200, f"health is now {state['health']}\n")
        else:
            self.answer(200, f"crashy {VERSION} instance {INDEX}\n")

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    if os.environ.get("CRASHY_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", flush=True))
    delay = float(os.environ.get("CRASHY_START_DELAY", "0"))
    print(f"crashy {VERSION} instance {INDEX} starting", flush=True)
    if os.environ.get("CRASHY_NO_LISTEN"):
        print("not listening on purpose", flush=True)
        while True:
            time.sleep(3600)
    time.sleep(delay)
    server = http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    print(f"listening on port {PORT}", flush=True)
    sys.stdout.flush()
    server.serve_forever()
