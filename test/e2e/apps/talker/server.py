# Prints numbered lines on request, for the log tests and bench:
#   /say?tag=n&from=1&to=1500          prints "n=1" .. "n=1500" at once, then answers
#   /drip?tag=d&from=1&to=2000&ms=2    prints them in the background, one every ms
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def say(tag, first, last, pause):
    out = sys.stdout
    for n in range(first, last + 1):
        out.write(f"{tag}={n}\n")
        if pause:
            out.flush()
            time.sleep(pause)
    out.flush()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        tag, first, last = q.get("tag", "n"), int(q.get("from", 1)), int(q.get("to", 10))
        if url.path == "/say":
            say(tag, first, last, 0)
        elif url.path == "/drip":
            pause = int(q.get("ms", 2)) / 1000.0
            threading.Thread(target=say, args=(tag, first, last, pause), daemon=True).start()
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
