"""A test app for the router: answers on $PORT, one thread per connection, HTTP/1.1 keep-alive.

GET  /                 "routerapp NAME instance INDEX guid GUID" (NAME: the app's name)
POST /echo             reads the body as it comes (Content-Length or chunked) and answers
                       {"bytes": N, "sha256": HEX}; nothing is kept in memory but the hash
GET  /download?mb=N    N MiB in chunked encoding: MiB number i is download_block(i)
GET  /headers          the request's headers as JSON: {"headers": [[name, value], ...],
                       "instance": INDEX}
GET  /session          sets "JSESSIONID=..." and answers like /
GET  /slow?ms=N        sleeps N ms, then answers like /
GET  /close            reads the request and closes the connection without an answer
GET  /ws               WebSocket (RFC 6455): echoes text and binary messages, answers pings,
                       closes when asked
GET  /unlisten         closes the listening socket and stays alive: new connections are
                       refused (until the health check notices and the instance is replaced)
"""
import base64
import hashlib
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

PORT = int(os.environ.get("PORT", "8080"))
INDEX = os.environ.get("CF_INSTANCE_INDEX", "0")
GUID = os.environ.get("CF_INSTANCE_GUID", "")
try:
    NAME = json.loads(os.environ.get("VCAP_APPLICATION", "{}")).get("application_name", "routerapp")
except ValueError:
    NAME = "routerapp"
MIB = 1 << 20
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_BASE_BLOCK = hashlib.sha256(b"microcf router test").digest() * (MIB // 32)


def download_block(i):
    """MiB number i of /download: the same bytes the test computes on its side."""
    return i.to_bytes(8, "big") + _BASE_BLOCK[8:]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def identity(self):
        return f"routerapp {NAME} instance {INDEX} guid {GUID}\n"

    def answer(self, code, text, ctype="text/plain", extra=()):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def query(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)

    def route(self):
        return urllib.parse.urlsplit(self.path).path

    def do_GET(self):
        path = self.route()
        if path == "/download":
            self.download(int(self.query().get("mb", ["1"])[0]))
        elif path == "/headers":
            self.answer(200, json.dumps({"headers": [[k, v] for k, v in self.headers.items()],
                                         "instance": INDEX}) + "\n", "application/json")
        elif path == "/session":
            self.answer(200, self.identity(),
                        extra=[("Set-Cookie", f"JSESSIONID={uuid.uuid4().hex}; Path=/")])
        elif path == "/slow":
            time.sleep(int(self.query().get("ms", ["0"])[0]) / 1000)
            self.answer(200, self.identity())
        elif path == "/close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path == "/ws":
            self.websocket()
        elif path == "/unlisten":
            self.close_connection = True
            self.answer(200, f"instance {INDEX} stops listening\n", extra=[("Connection", "close")])
            print(f"instance {INDEX} stops listening", flush=True)
            threading.Thread(target=lambda: (self.server.shutdown(), self.server.server_close())).start()
        else:
            self.answer(200, self.identity())

    def do_POST(self):
        if self.route() == "/echo":
            self.echo()
        else:
            self.answer(200, self.identity())

    do_PUT = do_POST

    def body_pieces(self):
        """The request body as it arrives, decoded; no more than 1 MiB at a time."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while size:
                    piece = self.rfile.read(min(size, MIB))
                    if not piece:
                        raise ConnectionError("the body ended early")
                    size -= len(piece)
                    yield piece
                self.rfile.readline(16)
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                piece = self.rfile.read(min(left, MIB))
                if not piece:
                    raise ConnectionError("the body ended early")
                left -= len(piece)
                yield piece

    def echo(self):
        digest, count = hashlib.sha256(), 0
        for piece in self.body_pieces():
            digest.update(piece)
            count += len(piece)
        self.answer(200, json.dumps({"bytes": count, "sha256": digest.hexdigest(),
                                     "instance": INDEX}) + "\n", "application/json")

    def download(self, mb):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(mb):
            block = download_block(i)
            self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if "websocket" not in self.headers.get("Upgrade", "").lower() or not key:
            self.answer(400, "expected a WebSocket upgrade\n")
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            masked = head[1] & 0x80
            if length == 126:
                length = struct.unpack("!H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if masked else b"\0\0\0\0"
            data = bytearray(self.rfile.read(length))
            for i in range(len(data)):
                data[i] ^= mask[i % 4]
            if opcode == 0x9:
                opcode = 0xA  # ping → pong
            self.wfile.write(ws_frame(opcode, bytes(data)))
            self.wfile.flush()
            if opcode == 0x8:
                return

    def log_message(self, fmt, *args):
        pass


def ws_frame(opcode, data):
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + data


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    print(f"routerapp {NAME} instance {INDEX} listening on port {PORT}", flush=True)
    sys.stdout.flush()
    server.serve_forever()
    while True:  # after /unlisten: alive, not listening
        time.sleep(3600)
