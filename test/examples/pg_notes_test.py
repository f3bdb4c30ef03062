"""examples/pg-notes against a real PostgreSQL started here on loopback: VCAP_SERVICES (by tag,
by uri, by separate fields) and DATABASE_URL, SCRAM-SHA-256, md5 and cleartext passwords,
notes written and read back (and checked with psql), and the errors a user sees when no
database is bound, the password is wrong, the server is down or SQL fails.
Skips (exit 77) when PostgreSQL's server binaries are not installed (apt-get install postgresql)."""
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import time
import unittest

from helpers import App, free_port, main, make_temp, stage, stop, track, wait_for_port, EXAMPLES

BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
BIN = BINDIRS[-1] if BINDIRS and os.path.exists(BINDIRS[-1] + "/postgres") else None

SCRAM_PW = "scram secret"
MD5_PW = "md5-secret"
PLAIN_PW = "p:l@in/pw%"  # characters that must be escaped in a URL


def vcap(label, name, credentials, tags=()):
    return json.dumps({label: [{"name": name, "instance_name": name, "binding_name": None,
                                "label": label, "plan": "default", "tags": list(tags),
                                "credentials": credentials}]})


class PgNotesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = make_temp("pg-notes-test-")
        cls.port = free_port()
        cls.server = None
        try:
            cls.start_server()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_server(cls):
        as_user = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            shutil.chown(cls.tmp, "nobody")
            as_user = {"user": "nobody", "group": pwd.getpwnam("nobody").pw_gid, "extra_groups": [], "cwd": cls.tmp}
        data = os.path.join(cls.tmp, "data")
        out = subprocess.run([f"{BIN}/initdb", "-D", data, "-U", "admin", "-A", "trust", "-E", "UTF8"],
                             capture_output=True, text=True, **as_user)
        if out.returncode != 0:
            raise AssertionError(f"initdb failed: {out.stdout}{out.stderr}")
        with open(os.path.join(data, "pg_hba.conf"), "w") as hba:
            hba.write("local all all trust\n"
                      "host all notes_md5 127.0.0.1/32 md5\n"
                      "host all notes_plain 127.0.0.1/32 password\n"
                      "host all all 127.0.0.1/32 scram-sha-256\n")
        cls.server_log = open(os.path.join(cls.tmp, "postgres.log"), "w")
        cls.server = subprocess.Popen(
            [f"{BIN}/postgres", "-D", data, "-h", "127.0.0.1", "-p", str(cls.port), "-k", cls.tmp, "-c", "fsync=off"],
            stdout=cls.server_log, stderr=subprocess.STDOUT, **as_user)
        track(cls.server, signal.SIGINT)
        wait_for_port(cls.port, cls.server, "postgres")
        for attempt in range(300):  # accepting connections comes a moment after listening
            try:
                cls.psql("SELECT 1")
                break
            except AssertionError:
                if attempt == 299 or cls.server.poll() is not None:
                    raise
                time.sleep(0.1)
        cls.psql("CREATE ROLE notes_scram LOGIN PASSWORD 'scram secret'",
                 "CREATE DATABASE notes OWNER notes_scram",
                 "SET password_encryption = 'md5'",
                 f"CREATE ROLE notes_md5 LOGIN PASSWORD '{MD5_PW}'",
                 "CREATE DATABASE notes_md5 OWNER notes_md5",
                 f"CREATE ROLE notes_plain LOGIN PASSWORD '{PLAIN_PW}'",
                 "CREATE DATABASE notes_plain OWNER notes_plain",
                 "RESET password_encryption",
                 "CREATE ROLE reader LOGIN PASSWORD 'reader'",
                 "CREATE DATABASE locked")

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            stop(cls.server, signal.SIGINT)  # fast shutdown
            cls.server_log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def psql(cls, *statements, db="postgres"):
        out = subprocess.run([f"{BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", cls.tmp,
                              "-p", str(cls.port), "-U", "admin", "-d", db]
                             + [arg for s in statements for arg in ("-c", s)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise AssertionError(f"psql failed: {out.stderr}")
        return out.stdout

    def uri(self, user, password, db, scheme="postgres"):
        from urllib.parse import quote
        return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/{db}"

    def test_layout_needs_no_packages(self):
        with open(os.path.join(EXAMPLES, "pg-notes", "manifest.yml")) as f:
            manifest = f.read()
        self.assertIn("- name: pg-notes", manifest)
        self.assertIn("memory: 128M", manifest)
        self.assertIn("microcf bind-service pg-notes", manifest)
        with open(os.path.join(EXAMPLES, "pg-notes", "Procfile")) as f:
            self.assertEqual(f.read().strip(), "web: python3 app.py")
        # The python buildpack stages it without a package index: nothing to install.
        out, deps = stage(self, "pg-notes")
        self.assertIn("requirements.txt lists no packages: nothing to install", out)
        self.assertEqual(os.listdir(deps), [])

    def test_unbound_says_what_to_do(self):
        app = App(self, "pg-notes", {"VCAP_APPLICATION": json.dumps({"application_name": "notes"}),
                                     "DATABASE_URL": "mysql2://u:p@127.0.0.1:3306/x"})
        status, body = app.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("not bound to a PostgreSQL service yet", body)
        self.assertIn("  microcf bind-service notes DB\n", body)
        hint = ("no PostgreSQL service bound: microcf create-service postgresql default DB && "
                "microcf bind-service notes DB && microcf restart notes\n")
        self.assertEqual(app.call("GET", "/notes"), (503, hint))
        self.assertEqual(app.call("POST", "/notes", "x"), (503, hint))
        self.assertEqual(app.call("GET", "/health"), (503, hint))

    def test_notes_through_a_service_tagged_postgresql_with_scram(self):
        env = {"VCAP_SERVICES": vcap("postgresql", "notes-db",
                                     {"uri": self.uri("notes_scram", SCRAM_PW, "notes"),
                                      "password": SCRAM_PW}, tags=["postgresql", "relational"])}
        app = App(self, "pg-notes", env)
        status, body = app.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(f"bound to PostgreSQL service 'notes-db' at postgres://notes_scram@127.0.0.1:{self.port}/notes", body)
        self.assertNotIn("secret", body)
        self.assertNotIn("secret", app.output())
        status, body = app.call("GET", "/health")
        self.assertEqual(status, 200)
        self.assertRegex(body, r"^ok: PostgreSQL \d+")

        notes = ["buy milk", "it's a 'quote'); DROP TABLE notes; --", "back\\slash", "café ☕"]
        for i, note in enumerate(notes):
            status, body = app.call("POST", "/notes", note)
            self.assertEqual(status, 201, body)
            self.assertRegex(body, r"^note \d+ saved\n$")
        self.assertEqual(app.call("POST", "/notes", "two\nlines\r\n")[0], 201)
        notes.append("two lines")
        self.assertEqual(app.call("GET", "/notes"), (200, "".join(n + "\n" for n in notes)))
        # What the app wrote is in the database, byte for byte.
        self.assertEqual(self.psql("SELECT body FROM notes ORDER BY id", db="notes"),
                         "".join(n + "\n" for n in notes))
        self.assertEqual(self.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'", db="notes"),
                         "notes_scram\n")
        # Another instance (or a restarted one) sees the same notes.
        other = App(self, "pg-notes", env)
        self.assertEqual(other.call("GET", "/notes"), (200, "".join(n + "\n" for n in notes)))

        self.assertEqual(app.call("POST", "/notes", "  \n"),
                         (400, "empty note: send the note's text as the request body\n"))
        self.assertEqual(app.call("GET", "/nope")[0], 404)

    def test_user_provided_service_found_by_uri_with_md5(self):
        app = App(self, "pg-notes", {"VCAP_SERVICES": vcap("user-provided", "my-pg",
                                     {"uri": self.uri("notes_md5", MD5_PW, "notes_md5", "postgresql")})})
        self.assertIn(f"bound to PostgreSQL service 'my-pg' at postgresql://notes_md5@127.0.0.1:{self.port}/notes_md5\n",
                      app.call("GET", "/")[1])
        self.assertEqual(app.call("POST", "/notes", "from md5")[0], 201)
        self.assertEqual(app.call("GET", "/notes"), (200, "from md5\n"))

    def test_database_url_with_cleartext_password(self):
        app = App(self, "pg-notes", {"DATABASE_URL": self.uri("notes_plain", PLAIN_PW, "notes_plain")})
        self.assertIn("bound to PostgreSQL service 'DATABASE_URL'", app.call("GET", "/")[1])
        self.assertEqual(app.call("POST", "/notes", "from cleartext")[0], 201)
        self.assertEqual(app.call("GET", "/notes"), (200, "from cleartext\n"))
        self.assertEqual(self.psql("SELECT body FROM notes", db="notes_plain"), "from cleartext\n")

    def test_credentials_without_uri(self):
        creds = {"hostname": "127.0.0.1", "port": self.port, "name": "notes_md5",
                 "username": "notes_md5", "password": MD5_PW}
        app = App(self, "pg-notes", {"VCAP_SERVICES": vcap("postgresql", "fields", creds, ["postgresql"])})
        self.assertEqual(app.call("GET", "/health")[0], 200)

    def test_wrong_password(self):
        app = App(self, "pg-notes", {"VCAP_SERVICES": vcap("postgresql", "notes-db",
                                     {"uri": self.uri("notes_scram", "wrong", "notes")}, ["postgresql"])})
        status, body = app.call("GET", "/notes")
        self.assertEqual(status, 503)
        self.assertIn(f"cannot connect to PostgreSQL service 'notes-db' at postgres://notes_scram@127.0.0.1:{self.port}/notes: "
                      "password authentication failed for user \"notes_scram\"", body)
        self.assertNotIn("wrong", body)

    def test_server_not_running(self):
        port = free_port()
        app = App(self, "pg-notes", {"VCAP_SERVICES": vcap("postgresql", "gone",
                                     {"uri": f"postgres://u:pw@127.0.0.1:{port}/db"}, ["postgresql"])})
        status, body = app.call("GET", "/health")
        self.assertEqual(status, 503)
        self.assertIn(f"cannot connect to PostgreSQL service 'gone' at postgres://u@127.0.0.1:{port}/db: ", body)
        self.assertIn("refused", body)

    def test_sql_error_is_shown(self):
        # PostgreSQL 15 lets only the database's owner create tables in its public schema.
        app = App(self, "pg-notes", {"DATABASE_URL": self.uri("reader", "reader", "locked")})
        status, body = app.call("POST", "/notes", "x")
        self.assertEqual((status, body),
                         (500, "PostgreSQL error: permission denied for schema public (SQLSTATE 42501)\n"))


if __name__ == "__main__":
    main(None if BIN else "PostgreSQL is not installed (apt-get install postgresql): no server to test examples/pg-notes against")
