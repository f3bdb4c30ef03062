"""redis-counter: a hit counter on Redis, Python 3 standard library only.

Shows how an app finds a bound cache on microcf, exactly as on Cloud Foundry: it reads
VCAP_SERVICES (JSON keyed by service label; each entry has name, tags and credentials) and
takes the first entry tagged "redis" or whose credentials.uri is redis://. There is no driver
to install: a small Redis client (RESP: AUTH with a password or a user and password, SELECT,
INCR, GET, SET) is below, so staging needs no network.

    microcf push                                    # in this folder (manifest.yml)
    microcf create-service redis default counter-cache
    microcf bind-service redis-counter counter-cache && microcf restart redis-counter
    curl -X POST http://redis-counter.localhost:8080/hit
    curl http://redis-counter.localhost:8080/hits

GET / says which service the app is bound to (never the password), POST /hit adds one to the
key "hits" and answers the new count, GET /hits answers the count, PUT /hits with a number as
the body sets it, GET /health answers 200 when Redis answers PING.
"""
import http.server
import json
import os
import socket
import urllib.parse

PORT = int(os.environ.get("PORT", "8080"))


class RedisError(Exception):
    """An error reply from the server, e.g. "WRONGPASS ..." or "NOPERM ..."."""


class RedisConnection:
    """One connection speaking RESP2: commands go out as arrays of bulk strings."""

    def __init__(self, host, port, username=None, password=None, db=0, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")
        try:
            if password and username:  # an ACL user (Redis 6 and later)
                self.command("AUTH", username, password)
            elif password:  # the default user's password (requirepass)
                self.command("AUTH", password)
            if db:
                self.command("SELECT", str(db))
        except BaseException:
            self.close()
            raise

    def command(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg.encode() if isinstance(arg, str) else arg
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        return self._reply()

    def _line(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("the server closed the connection")
        return line[:-2]

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":  # simple string, e.g. OK
            return rest.decode()
        if kind == b"-":  # error
            raise RedisError(rest.decode())
        if kind == b":":  # integer
            return int(rest)
        if kind == b"$":  # bulk string, $-1 for nil
            length = int(rest)
            if length < 0:
                return None
            data = self.reader.read(length + 2)
            if len(data) != length + 2:
                raise ConnectionError("the server closed the connection")
            return data[:-2].decode()
        if kind == b"*":  # array, *-1 for nil
            count = int(rest)
            return None if count < 0 else [self._reply() for _ in range(count)]
        raise ConnectionError(f"unexpected reply from the server: {line[:40]!r}")

    def close(self):
        self.reader.close()
        self.sock.close()


def find_redis():
    """(service name, parsed URL) of the bound Redis, or None."""
    services = json.loads(os.environ.get("VCAP_SERVICES") or "{}")
    for entries in services.values():
        for entry in entries:
            creds = entry.get("credentials") or {}
            uri = creds.get("uri") or ""
            if "redis" in (entry.get("tags") or []) or uri.startswith(("redis://", "rediss://")):
                if not uri:  # no uri: build one from the separate fields
                    user = urllib.parse.quote(creds.get("username", ""), safe="")
                    password = urllib.parse.quote(creds.get("password", ""), safe="")
                    host = creds.get("hostname") or creds.get("host")
                    uri = f"redis://{user}:{password}@{host}:{creds.get('port', 6379)}"
                return entry.get("name", "?"), urllib.parse.urlsplit(uri)
    return None


def app_name():
    try:
        return json.loads(os.environ.get("VCAP_APPLICATION") or "{}").get("application_name") or "redis-counter"
    except ValueError:
        return "redis-counter"


class ServiceUnavailable(Exception):
    pass


def describe(url):
    """The URL with the password left out."""
    user = urllib.parse.unquote(url.username or "")
    return f"{url.scheme}://{user + '@' if user else ''}{url.hostname}:{url.port or 6379}{url.path}"


def connect():
    found = find_redis()
    if not found:
        raise ServiceUnavailable(
            "no Redis service bound: microcf create-service redis default CACHE && "
            f"microcf bind-service {app_name()} CACHE && microcf restart {app_name()}")
    name, url = found
    if url.scheme == "rediss":
        raise ServiceUnavailable(f"Redis service '{name}' wants TLS (rediss://), which this example does not speak")
    try:
        return RedisConnection(url.hostname, url.port or 6379, urllib.parse.unquote(url.username or "") or None,
                               urllib.parse.unquote(url.password or "") or None, int(url.path.lstrip("/") or 0))
    except (OSError, RedisError, ValueError) as e:
        raise ServiceUnavailable(f"cannot connect to Redis service '{name}' at {describe(url)}: {e}")


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def with_redis(self, work):
        """Runs work(conn) and answers its (status, text); Redis trouble becomes 503/500."""
        try:
            conn = connect()
        except ServiceUnavailable as e:
            return self.reply(503, f"{e}\n")
        try:
            self.reply(*work(conn))
        except RedisError as e:
            self.reply(500, f"Redis error: {e}\n")
        except OSError as e:
            self.reply(503, f"lost the connection to Redis: {e}\n")
        finally:
            conn.close()

    def do_GET(self):
        if self.path == "/":
            found = find_redis()
            if found:
                text = f"redis-counter: bound to Redis service '{found[0]}' at {describe(found[1])}\n"
            else:
                text = ("redis-counter: not bound to a Redis service yet. To bind one:\n"
                        "  microcf create-service redis default CACHE\n"
                        f"  microcf bind-service {app_name()} CACHE\n  microcf restart {app_name()}\n")
            self.reply(200, text + "POST /hit counts a hit; GET /hits shows the count.\n")
        elif self.path == "/hits":
            self.with_redis(lambda conn: (200, f"{conn.command('GET', 'hits') or 0}\n"))
        elif self.path == "/health":
            self.with_redis(lambda conn: (200, f"ok: Redis answers {conn.command('PING')}\n"))
        else:
            self.reply(404, "not found: try GET /, POST /hit, GET /hits, PUT /hits, GET /health\n")

    def do_POST(self):
        if self.path != "/hit":
            return self.reply(404, "not found: POST /hit counts a hit\n")
        self.with_redis(lambda conn: (200, f"{conn.command('INCR', 'hits')}\n"))

    def do_PUT(self):
        if self.path != "/hits":
            return self.reply(404, "not found: PUT /hits with a number as the body sets the count\n")
        text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace").strip()
        try:
            count = int(text)
        except ValueError:
            return self.reply(400, f"not a whole number: {text!r}; send the new count as the body\n")

        def set_count(conn):
            conn.command("SET", "hits", str(count))
            return 200, f"{count}\n"
        self.with_redis(set_count)

    def log_message(self, fmt, *args):
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    found = find_redis()
    print(f"listening on port {PORT}; " + (f"Redis service '{found[0]}' at {describe(found[1])}"
                                          if found else "no Redis service bound"), flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
