"""pg-notes: a note board on PostgreSQL, Python 3 standard library only.

Shows how an app finds a bound database on microcf, exactly as on Cloud Foundry: it reads
VCAP_SERVICES (JSON keyed by service label; each entry has name, tags and credentials) and
takes the first entry tagged "postgresql" or whose credentials.uri is postgres:// or
postgresql://; DATABASE_URL, which the platform derives from VCAP_SERVICES, is the fallback.
There is no driver to install: a small PostgreSQL client (wire protocol v3: startup, SCRAM-
SHA-256, md5 or cleartext password, simple queries) is below, so staging needs no network.

    microcf push                                    # in this folder (manifest.yml)
    microcf create-service postgresql default notes-db
    microcf bind-service pg-notes notes-db && microcf restart pg-notes
    curl -d 'buy milk' http://pg-notes.localhost:8080/notes
    curl http://pg-notes.localhost:8080/notes

GET / says which service the app is bound to (never the password), POST /notes stores the
request body as a note (the table is created on first use; line breaks become spaces), GET
/notes lists the notes one a line, GET /health answers 200 when the database answers a query.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import socket
import struct
import threading
import urllib.parse

PORT = int(os.environ.get("PORT", "8080"))


class PgError(Exception):
    """An ErrorResponse from the server: fields by code (S severity, C SQLSTATE, M message)."""

    def __init__(self, fields):
        self.fields = fields
        super().__init__(f"{fields.get('M', 'error')} (SQLSTATE {fields.get('C', '?')})")


class PgConnection:
    """One connection, speaking the simple query protocol. Not shared between threads."""

    def __init__(self, host, port, user, password, database, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.params = {}  # ParameterStatus: server_version, standard_conforming_strings, ...
        try:
            self._startup(user, password or "", database)
        except BaseException:
            self.sock.close()
            raise

    def _send(self, kind, payload):
        self.sock.sendall(kind + struct.pack("!I", len(payload) + 4) + payload)

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        return data

    def _recv(self):
        """The next message as (type byte, payload); notices are skipped."""
        while True:
            kind, length = struct.unpack("!cI", self._recv_exact(5))
            payload = self._recv_exact(length - 4)
            if kind != b"N":
                return kind, payload

    @staticmethod
    def _error_fields(payload):
        fields = {}
        for part in payload.split(b"\0"):
            if part:
                fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
        return fields

    def _startup(self, user, password, database):
        body = struct.pack("!I", 196608)  # protocol 3.0
        for key, value in (("user", user), ("database", database), ("client_encoding", "UTF8")):
            body += key.encode() + b"\0" + value.encode() + b"\0"
        body += b"\0"
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        scram = None
        while True:
            kind, payload = self._recv()
            if kind == b"E":
                raise PgError(self._error_fields(payload))
            if kind == b"R":
                code = struct.unpack("!I", payload[:4])[0]
                if code == 3:  # cleartext password
                    self._send(b"p", password.encode() + b"\0")
                elif code == 5:  # md5: "md5" + md5(md5(password + user) + salt)
                    inner = hashlib.md5((password + user).encode()).hexdigest().encode()
                    self._send(b"p", b"md5" + hashlib.md5(inner + payload[4:8]).hexdigest().encode() + b"\0")
                elif code == 10:  # SASL: the server lists its mechanisms
                    mechanisms = payload[4:].split(b"\0")
                    if b"SCRAM-SHA-256" not in mechanisms:
                        raise ConnectionError(f"no supported SASL mechanism in {mechanisms}")
                    scram = Scram(password)
                    first = scram.client_first()
                    self._send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first)
                elif code == 11:  # SASL continue: server-first-message
                    self._send(b"p", scram.client_final(payload[4:]))
                elif code == 12:  # SASL final: the server proves it knew the password too
                    scram.verify_server(payload[4:])
                elif code != 0:
                    raise ConnectionError(f"unsupported authentication request {code}")
            elif kind == b"S":
                key, value = payload.split(b"\0")[:2]
                self.params[key.decode()] = value.decode()
            elif kind == b"Z":  # ReadyForQuery: logged in
                return

    def query(self, sql):
        """Runs one or more statements; returns (column names, rows of str/None, last tag)."""
        self._send(b"Q", sql.encode() + b"\0")
        columns, rows, tag, error = [], [], None, None
        while True:
            kind, payload = self._recv()
            if kind == b"T":  # RowDescription: name, table oid, column, type oid, size, mod, format
                count, pos, columns, rows = struct.unpack("!H", payload[:2])[0], 2, [], []
                for _ in range(count):
                    end = payload.index(b"\0", pos)
                    columns.append(payload[pos:end].decode())
                    pos = end + 1 + 18
            elif kind == b"D":  # DataRow: per column a length (-1 for NULL) and text
                count, pos, row = struct.unpack("!H", payload[:2])[0], 2, []
                for _ in range(count):
                    length = struct.unpack("!i", payload[pos:pos + 4])[0]
                    pos += 4
                    if length < 0:
                        row.append(None)
                    else:
                        row.append(payload[pos:pos + length].decode())
                        pos += length
                rows.append(row)
            elif kind == b"C":  # CommandComplete, e.g. "INSERT 0 1"
                tag = payload.rstrip(b"\0").decode()
            elif kind == b"E":  # the error comes before ReadyForQuery: read up to it
                error = PgError(self._error_fields(payload))
            elif kind == b"S":
                key, value = payload.split(b"\0")[:2]
                self.params[key.decode()] = value.decode()
            elif kind == b"Z":
                if error:
                    raise error
                return columns, rows, tag

    def literal(self, text):
        """text as an SQL string literal (the simple protocol has no parameters)."""
        if "\0" in text:
            raise ValueError("text with a NUL character cannot be stored")
        if self.params.get("standard_conforming_strings") == "on":
            return "'" + text.replace("'", "''") + "'"
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    def close(self):
        try:
            self._send(b"X", b"")  # Terminate
        except OSError:
            pass
        self.sock.close()


class Scram:
    """SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL uses it: the user name is sent empty."""

    def __init__(self, password):
        self.password = password.encode()
        self.nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"

    def client_first(self):
        return ("n,," + self.first_bare).encode()

    def client_final(self, server_first):
        attrs = dict(item.split("=", 1) for item in server_first.decode().split(","))
        if not attrs["r"].startswith(self.nonce):
            raise ConnectionError("SCRAM: the server's nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha256", self.password, base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        without_proof = f"c=biws,r={attrs['r']}"
        self.auth_message = f"{self.first_bare},{server_first.decode()},{without_proof}".encode()
        signature = hmac.digest(hashlib.sha256(client_key).digest(), self.auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_key = hmac.digest(salted, b"Server Key", "sha256")
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify_server(self, server_final):
        expected = hmac.digest(self.server_key, self.auth_message, "sha256")
        if server_final.decode() != "v=" + base64.b64encode(expected).decode():
            raise ConnectionError("SCRAM: the server's signature is wrong")


def find_postgres():
    """(service name, parsed URL) of the bound PostgreSQL, or None."""
    services = json.loads(os.environ.get("VCAP_SERVICES") or "{}")
    for entries in services.values():
        for entry in entries:
            creds = entry.get("credentials") or {}
            uri = creds.get("uri") or ""
            if "postgresql" in (entry.get("tags") or []) or uri.startswith(("postgres://", "postgresql://")):
                if not uri:  # no uri: build one from the separate fields
                    user = urllib.parse.quote(creds.get("username", ""), safe="")
                    password = urllib.parse.quote(creds.get("password", ""), safe="")
                    host = creds.get("hostname") or creds.get("host")
                    uri = f"postgres://{user}:{password}@{host}:{creds.get('port', 5432)}/{creds.get('name', '')}"
                return entry.get("name", "?"), urllib.parse.urlsplit(uri)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL", urllib.parse.urlsplit(url)
    return None


def app_name():
    try:
        return json.loads(os.environ.get("VCAP_APPLICATION") or "{}").get("application_name") or "pg-notes"
    except ValueError:
        return "pg-notes"


class ServiceUnavailable(Exception):
    pass


def describe(url):
    """The URL with the password left out."""
    return f"{url.scheme}://{urllib.parse.unquote(url.username or '')}@{url.hostname}:{url.port or 5432}{url.path}"


def connect():
    found = find_postgres()
    if not found:
        raise ServiceUnavailable(
            "no PostgreSQL service bound: microcf create-service postgresql default DB && "
            f"microcf bind-service {app_name()} DB && microcf restart {app_name()}")
    name, url = found
    try:
        return PgConnection(url.hostname, url.port or 5432, urllib.parse.unquote(url.username or ""),
                            urllib.parse.unquote(url.password or ""), url.path.lstrip("/") or "postgres")
    except (OSError, PgError) as e:
        raise ServiceUnavailable(f"cannot connect to PostgreSQL service '{name}' at {describe(url)}: {e}")


table_ready = False
table_lock = threading.Lock()


def ensure_table(conn):
    global table_ready
    with table_lock:
        if not table_ready:
            conn.query("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL,"
                       " created_at timestamptz NOT NULL DEFAULT now())")
            table_ready = True


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def with_db(self, work):
        """Runs work(conn) and answers its (status, text); database trouble becomes 503/500."""
        try:
            conn = connect()
        except ServiceUnavailable as e:
            return self.reply(503, f"{e}\n")
        try:
            self.reply(*work(conn))
        except PgError as e:
            self.reply(500, f"PostgreSQL error: {e}\n")
        except OSError as e:
            self.reply(503, f"lost the connection to PostgreSQL: {e}\n")
        finally:
            conn.close()

    def do_GET(self):
        if self.path == "/":
            found = find_postgres()
            if found:
                text = f"pg-notes: bound to PostgreSQL service '{found[0]}' at {describe(found[1])}\n"
            else:
                text = ("pg-notes: not bound to a PostgreSQL service yet. To bind one:\n"
                        "  microcf create-service postgresql default DB\n"
                        f"  microcf bind-service {app_name()} DB\n  microcf restart {app_name()}\n")
            self.reply(200, text + "POST /notes with a note as the body; GET /notes lists them.\n")
        elif self.path == "/notes":
            def list_notes(conn):
                ensure_table(conn)
                _, rows, _ = conn.query("SELECT body FROM notes ORDER BY id")
                return 200, "".join(row[0] + "\n" for row in rows)
            self.with_db(list_notes)
        elif self.path == "/health":
            self.with_db(lambda conn: (200, f"ok: PostgreSQL {conn.query('SHOW server_version')[1][0][0]}\n"))
        else:
            self.reply(404, "not found: try GET /, GET /notes, POST /notes, GET /health\n")

    def do_POST(self):
        if self.path != "/notes":
            return self.reply(404, "not found: POST /notes with the note's text as the body\n")
        text = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        text = " ".join(text.splitlines()).strip()  # one note, one line
        if not text:
            return self.reply(400, "empty note: send the note's text as the request body\n")
        if "\0" in text:
            return self.reply(400, "a note cannot contain NUL characters\n")

        def insert(conn):
            ensure_table(conn)
            _, rows, _ = conn.query(f"INSERT INTO notes (body) VALUES ({conn.literal(text)}) RETURNING id")
            return 201, f"note {rows[0][0]} saved\n"
        self.with_db(insert)

    def log_message(self, fmt, *args):
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    found = find_postgres()
    print(f"listening on port {PORT}; " + (f"PostgreSQL service '{found[0]}' at {describe(found[1])}"
                                          if found else "no PostgreSQL service bound"), flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
