"""A test app for services: tries TCP connections to what its bindings name.

GET /            "svcprobe"
GET /ip          the instance's IP (CF_INSTANCE_IP)
GET /services    one line per bound service: "NAME HOST:PORT connected" or
                 "NAME HOST:PORT failed: WHY" (a TCP connect to its credentials' hostname and
                 port, 3 s at most)
GET /connect?host=H&port=P   "connected" or "failed: WHY"
"""
import http.server
import json
import os
import socket
import urllib.parse

PORT = int(os.environ.get("PORT", "8080"))


def connect(host, port):
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        return "connected"
    except OSError as e:
        return "failed: %s" % (e.strerror or e.__class__.__name__)


def services():
    lines = []
    vcap = json.loads(os.environ.get("VCAP_SERVICES") or "{}")
    for entries in vcap.values():
        for s in entries:
            c = s.get("credentials") or {}
            host = c.get("hostname") or c.get("host")
            port = c.get("port")
            if host and port:
                lines.append("%s %s:%s %s" % (s.get("name"), host, port, connect(host, port)))
    return "\n".join(lines) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/ip":
            body = os.environ.get("CF_INSTANCE_IP", "")
        elif url.path == "/services":
            body = services()
        elif url.path == "/connect":
            body = connect(q["host"][0], q["port"][0])
        else:
            body = "svcprobe"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
