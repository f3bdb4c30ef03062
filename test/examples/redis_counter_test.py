"""examples/redis-counter against a real redis-server started here on loopback: VCAP_SERVICES
(by tag, by uri, by separate fields), AUTH with the default user's password and with an ACL
user, the count written and read back (and checked with redis-cli), and the errors a user
sees when no Redis is bound, the password is wrong, the user may not INCR or the server is down.
Skips (exit 77) when redis-server is not installed (apt-get install redis-server)."""
import json
import os
import shutil
import subprocess
import unittest

from helpers import App, free_port, main, make_temp, stage, stop, track, wait_for_port, EXAMPLES

SERVER = shutil.which("redis-server")
CLI = shutil.which("redis-cli")
DEFAULT_PW = "default secret"
COUNTER_PW = "counter:p@ss/%"  # characters that must be escaped in a URL


def vcap(label, name, credentials, tags=()):
    return json.dumps({label: [{"name": name, "instance_name": name, "binding_name": None,
                                "label": label, "plan": "default", "tags": list(tags),
                                "credentials": credentials}]})


class RedisCounterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = make_temp("redis-counter-test-")
        cls.port = free_port()
        conf = os.path.join(cls.tmp, "redis.conf")
        with open(conf, "w") as f:
            f.write(f'port {cls.port}\nbind 127.0.0.1\ndaemonize no\nsave ""\nappendonly no\n'
                    f'dir {cls.tmp}\nrequirepass "{DEFAULT_PW}"\n'
                    f'user counter on >{COUNTER_PW} ~* &* +@all\n'
                    'user reader on >reader ~* +get +ping\n')
        cls.server_log = open(os.path.join(cls.tmp, "redis.log"), "w")
        cls.server = subprocess.Popen([SERVER, conf], stdout=cls.server_log, stderr=subprocess.STDOUT)
        track(cls.server)
        try:
            wait_for_port(cls.port, cls.server, "redis-server")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        stop(cls.server)
        cls.server_log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def redis(self, *args, db=0):
        """A command through redis-cli as the default user: the app's client is not the judge."""
        out = subprocess.run([CLI, "-h", "127.0.0.1", "-p", str(self.port), "-n", str(db), "--no-auth-warning",
                              "-a", DEFAULT_PW] + list(args), capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def setUp(self):
        self.assertEqual(self.redis("FLUSHALL"), "OK\n")

    def test_layout_needs_no_packages(self):
        with open(os.path.join(EXAMPLES, "redis-counter", "manifest.yml")) as f:
            manifest = f.read()
        self.assertIn("- name: redis-counter", manifest)
        self.assertIn("memory: 128M", manifest)
        self.assertIn("microcf bind-service redis-counter", manifest)
        with open(os.path.join(EXAMPLES, "redis-counter", "Procfile")) as f:
            self.assertEqual(f.read().strip(), "web: python3 app.py")
        # The python buildpack stages it without a package index: nothing to install.
        out, deps = stage(self, "redis-counter")
        self.assertIn("requirements.txt lists no packages: nothing to install", out)
        self.assertEqual(os.listdir(deps), [])

    def test_unbound_says_what_to_do(self):
        app = App(self, "redis-counter", {"VCAP_APPLICATION": json.dumps({"application_name": "ctr"})})
        status, body = app.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn("not bound to a Redis service yet", body)
        self.assertIn("  microcf bind-service ctr CACHE\n", body)
        hint = ("no Redis service bound: microcf create-service redis default CACHE && "
                "microcf bind-service ctr CACHE && microcf restart ctr\n")
        self.assertEqual(app.call("POST", "/hit"), (503, hint))
        self.assertEqual(app.call("GET", "/hits"), (503, hint))
        self.assertEqual(app.call("GET", "/health"), (503, hint))

    def test_counting_through_a_service_tagged_redis_with_a_password(self):
        env = {"VCAP_SERVICES": vcap("redis", "counter-cache",
                                     {"uri": f"redis://:default%20secret@127.0.0.1:{self.port}",
                                      "password": DEFAULT_PW}, tags=["redis", "key-value"])}
        app = App(self, "redis-counter", env)
        status, body = app.call("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(f"bound to Redis service 'counter-cache' at redis://127.0.0.1:{self.port}\n", body)
        self.assertNotIn("secret", body)
        self.assertEqual(app.call("GET", "/health"), (200, "ok: Redis answers PONG\n"))
        self.assertEqual(app.call("GET", "/hits"), (200, "0\n"))
        for n in range(1, 4):
            self.assertEqual(app.call("POST", "/hit"), (200, f"{n}\n"))
        self.assertEqual(app.call("GET", "/hits"), (200, "3\n"))
        self.assertEqual(self.redis("GET", "hits"), "3\n")
        # Another instance (or a restarted one) counts on from the same value.
        other = App(self, "redis-counter", env)
        self.assertEqual(other.call("POST", "/hit"), (200, "4\n"))

        self.assertEqual(app.call("PUT", "/hits", "41"), (200, "41\n"))
        self.assertEqual(self.redis("GET", "hits"), "41\n")
        self.assertEqual(app.call("POST", "/hit"), (200, "42\n"))
        self.assertEqual(app.call("PUT", "/hits", "many"),
                         (400, "not a whole number: 'many'; send the new count as the body\n"))
        self.assertEqual(app.call("GET", "/hits"), (200, "42\n"))
        self.assertEqual(app.call("GET", "/nope")[0], 404)
        self.assertNotIn("secret", app.output())

    def test_user_provided_service_found_by_uri_with_an_acl_user_and_db(self):
        uri = f"redis://counter:counter%3Ap%40ss%2F%25@127.0.0.1:{self.port}/2"
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("user-provided", "my-redis", {"uri": uri})})
        self.assertIn(f"bound to Redis service 'my-redis' at redis://counter@127.0.0.1:{self.port}/2\n",
                      app.call("GET", "/")[1])
        self.assertEqual(app.call("POST", "/hit"), (200, "1\n"))
        self.assertEqual(app.call("POST", "/hit"), (200, "2\n"))
        self.assertEqual(self.redis("GET", "hits", db=2), "2\n")
        self.assertEqual(self.redis("GET", "hits"), "\n")  # db 0 untouched

    def test_credentials_without_uri(self):
        creds = {"host": "127.0.0.1", "port": self.port, "username": "counter", "password": COUNTER_PW}
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("redis", "fields", creds, ["redis"])})
        self.assertEqual(app.call("POST", "/hit"), (200, "1\n"))

    def test_wrong_password(self):
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("redis", "cache",
                  {"uri": f"redis://:wrong@127.0.0.1:{self.port}"}, ["redis"])})
        status, body = app.call("POST", "/hit")
        self.assertEqual(status, 503)
        self.assertIn(f"cannot connect to Redis service 'cache' at redis://127.0.0.1:{self.port}: WRONGPASS", body)
        self.assertEqual(self.redis("GET", "hits"), "\n")

    def test_user_without_permission(self):
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("redis", "cache",
                  {"uri": f"redis://reader:reader@127.0.0.1:{self.port}"}, ["redis"])})
        self.assertEqual(app.call("GET", "/hits"), (200, "0\n"))
        status, body = app.call("POST", "/hit")
        self.assertEqual(status, 500)
        self.assertRegex(body, r"^Redis error: NOPERM .*'incr'")

    def test_server_not_running(self):
        port = free_port()
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("redis", "gone",
                  {"uri": f"redis://:pw@127.0.0.1:{port}"}, ["redis"])})
        status, body = app.call("GET", "/health")
        self.assertEqual(status, 503)
        self.assertIn(f"cannot connect to Redis service 'gone' at redis://127.0.0.1:{port}: ", body)
        self.assertIn("refused", body)

    def test_tls_uri_is_refused_clearly(self):
        app = App(self, "redis-counter", {"VCAP_SERVICES": vcap("user-provided", "tls",
                  {"uri": f"rediss://:pw@127.0.0.1:{self.port}"})})
        self.assertEqual(app.call("POST", "/hit"),
                         (503, "Redis service 'tls' wants TLS (rediss://), which this example does not speak\n"))


if __name__ == "__main__":
    reason = None
    if not SERVER or not CLI:
        reason = "redis-server is not installed (apt-get install redis-server): no server to test examples/redis-counter against"
    main(reason)
