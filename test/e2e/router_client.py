"""Raw HTTP/1.1 clients for test/e2e/router.sh: what curl cannot do, over plain sockets.

  router_client.py PORT HOST pipeline          3 requests in one write; prints one line per answer
  router_client.py PORT HOST websocket         handshake on /ws, one text message echoed, close
  router_client.py PORT HOST upload MB         POST /echo, MB MiB in chunked encoding
  router_client.py PORT HOST expect MB         POST /echo with Expect: 100-continue (Content-Length)
  router_client.py PORT HOST download MB       GET /download?mb=MB, compared as it arrives
  router_client.py PORT HOST bad KIND          KIND: request-line, big-headers, bad-chunked
  router_client.py PORT HOST slowloris SECS    one header byte a second for at most SECS seconds

Each prints what it saw on stdout, one fact per line, for the test to compare; an unexpected
failure is an exception (exit status 1).
"""
import base64
import hashlib
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps", "routerapp"))
from server import download_block  # noqa: E402  (the bytes /download sends)

MIB = 1 << 20


def connect(port, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    """Reads HTTP responses from a socket, one after another (keeps what it read ahead)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def more(self):
        data = self.sock.recv(1 << 18)
        if not data:
            raise EOFError("the connection was closed")
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n, sink):
        while n:
            if not self.buf:
                self.more()
            piece, self.buf = self.buf[:n], self.buf[n:]
            sink(piece)
            n -= len(piece)

    def head(self):
        """(status, {lowercased name: value}, status line) of the next response."""
        status_line = self.line().decode("latin-1")
        headers = {}
        while True:
            line = self.line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers, status_line

    def body(self, headers, sink):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int(self.line().split(b";")[0], 16)
                if size == 0:
                    while self.line():
                        pass
                    return
                self.exactly(size, sink)
                self.line()
        elif "content-length" in headers:
            self.exactly(int(headers["content-length"]), sink)
        else:  # delimited by the end of the connection
            sink(self.buf)
            self.buf = b""
            while True:
                data = self.sock.recv(1 << 18)
                if not data:
                    return
                sink(data)

    def response(self):
        """The next final response (1xx skipped): (status, headers, body bytes)."""
        while True:
            status, headers, _ = self.head()
            if status >= 200 or status == 101:
                break
        parts = []
        if status not in (101, 204, 304):
            self.body(headers, parts.append)
        return status, headers, b"".join(parts)


def request(host, method, target, extra=""):
    return f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def pipeline(port, host):
    s = connect(port)
    s.sendall(request(host, "GET", "/slow?ms=300") + request(host, "GET", "/headers") +
              request(host, "GET", "/slow?ms=0"))
    r = Reader(s)
    for _ in range(3):
        status, _, body = r.response()
        first = body.decode(errors="replace").splitlines()[0] if body else ""
        print(status, first[:60])


def websocket(port, host):
    s = connect(port, timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(request(host, "GET", "/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"))
    r = Reader(s)
    status, headers, status_line = r.head()
    print(status_line)
    want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
                            .digest()).decode()
    print("accept", "ok" if headers.get("sec-websocket-accept") == want else
          f"wrong ({headers.get('sec-websocket-accept')!r}, expected {want!r})")
    if status != 101:
        return
    for text in ("hello through the router", "x" * 70000):
        mask = os.urandom(4)
        data = text.encode()
        n = len(data)
        head = struct.pack("!BB", 0x81, 0x80 | n) if n < 126 else (
            struct.pack("!BBH", 0x81, 0x80 | 126, n) if n < 65536 else
            struct.pack("!BBQ", 0x81, 0x80 | 127, n))
        s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        frame = bytearray()
        r.exactly(2, frame.extend)
        length = frame[1] & 0x7F
        if length == 126:
            ext = bytearray()
            r.exactly(2, ext.extend)
            length = struct.unpack("!H", ext)[0]
        elif length == 127:
            ext = bytearray()
            r.exactly(8, ext.extend)
            length = struct.unpack("!Q", ext)[0]
        payload = bytearray()
        r.exactly(length, payload.extend)
        same = payload.decode() == text
        print(f"echo opcode {frame[0] & 0x0F} {len(payload)} bytes {'same' if same else 'different'}")
    s.sendall(struct.pack("!BB", 0x88, 0x80) + b"\0\0\0\0")
    frame = bytearray()
    r.exactly(2, frame.extend)
    print(f"close opcode {frame[0] & 0x0F}")


def upload(port, host, mb, expect):
    s = connect(port, timeout=120)
    digest = hashlib.sha256()
    if expect:
        s.sendall(request(host, "POST", "/echo", f"Content-Length: {mb * MIB}\r\n"
                          "Expect: 100-continue\r\n"))
        r = Reader(s)
        status, _, _ = r.head()
        print("interim", status)
        if status != 100:
            return
    else:
        s.sendall(request(host, "POST", "/echo", "Transfer-Encoding: chunked\r\n"))
        r = Reader(s)
    for i in range(mb):
        block = download_block(i)
        digest.update(block)
        s.sendall(block if expect else b"%x\r\n" % len(block) + block + b"\r\n")
    if not expect:
        s.sendall(b"0\r\n\r\n")
    status, _, body = r.response()
    print("status", status)
    print("sent", mb * MIB, digest.hexdigest())
    print("got", body.decode(errors="replace").strip())


def download(port, host, mb):
    s = connect(port, timeout=120)
    s.sendall(request(host, "GET", f"/download?mb={mb}"))
    r = Reader(s)
    status, headers, _ = r.head()
    state = {"count": 0, "same": True, "block": b""}

    def sink(piece):  # compares what arrives with what /download sends, MiB by MiB
        while piece:
            at = state["count"] % MIB
            if at == 0:
                state["block"] = download_block(state["count"] // MIB)
            n = min(len(piece), MIB - at)
            if state["same"] and piece[:n] != state["block"][at:at + n]:
                state["same"] = False
            state["count"] += n
            piece = piece[n:]

    ended = ""
    try:
        r.body(headers, sink)
    except (EOFError, ConnectionResetError):
        ended = " (the connection ended early)"
    print("status", status)
    print(f"bytes {state['count']} of {mb * MIB}{ended}")
    print("content", "same" if state["same"] else "different")


def answer_or_close(s):
    """The status of the answer on s, or 'closed' if it ends without one."""
    try:
        return Reader(s).response()[0]
    except (EOFError, ConnectionResetError):
        return "closed"


def bad(port, host, kind):
    s = connect(port, timeout=30)
    try:
        if kind == "request-line":
            s.sendall(b"GET /a b c HTTP/1.1 what\r\nHost: " + host.encode() + b"\r\n\r\n")
        elif kind == "bad-chunked":
            s.sendall(request(host, "POST", "/echo", "Transfer-Encoding: chunked\r\n") +
                      b"zz\r\nhello\r\n0\r\n\r\n")
        elif kind == "big-headers":
            s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode())
            for i in range(100):  # stop sending once the server answered
                if select.select([s], [], [], 0)[0]:
                    break
                s.sendall(f"X-Big-{i}: {'a' * 8192}\r\n".encode())
            else:
                s.sendall(b"\r\n")
        else:
            raise SystemExit(f"unknown kind {kind}")
    except (BrokenPipeError, ConnectionResetError):
        pass
    print(answer_or_close(s))


def slowloris(port, host, secs):
    s = connect(port, timeout=5)
    start = time.monotonic()
    payload = f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: {'a' * 1000}".encode()
    try:
        for b in payload:
            if time.monotonic() - start > secs:
                print(f"still open after {secs} s")
                return
            if select.select([s], [], [], 0)[0]:
                break
            s.sendall(bytes([b]))
            time.sleep(1)
        got = answer_or_close(s)
    except (BrokenPipeError, ConnectionResetError):
        got = "closed"
    print(f"cut off after {time.monotonic() - start:.0f} s: {got}")


def main():
    port, host, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    if what == "pipeline":
        pipeline(port, host)
    elif what == "websocket":
        websocket(port, host)
    elif what in ("upload", "expect"):
        upload(port, host, int(arg), what == "expect")
    elif what == "download":
        download(port, host, int(arg))
    elif what == "bad":
        bad(port, host, arg)
    elif what == "slowloris":
        slowloris(port, host, float(arg))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
