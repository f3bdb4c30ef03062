#!/usr/bin/env python3
"""A small Open Service Broker (API v2) for the end-to-end tests, python3 stdlib only.

    python3 osb_broker.py --port P [--user U --password W] [--catalog FILE]
    python3 osb_broker.py --self-test

Serves OSB v2 on 127.0.0.1:P. Every /v2 request needs HTTP basic auth (401 otherwise) and
an X-Broker-API-Version header (412 otherwise). The default catalog has one offering,
`overview-service`, whose plans behave as their names say:

    small        provision answers 201 at once (200 when an identical instance exists,
                 409 when one with other attributes exists)
    async        202 + operation; last_operation says "in progress" until it was polled
                 `async_polls` times, then "succeeded" (422 AsyncRequired without
                 accepts_incomplete=true)
    async-fails  as async, but the operation ends "failed"
    slow         sleeps `slow_seconds` before answering 201 (past the platform's timeout)
    fails        provision answers 500
    badjson      provision answers 201 with a body that is not JSON

Bindings are synchronous: 201 with credentials {uri, username, password}, 200 when the
same binding exists, 409 when it exists with other attributes; unbind and deprovision 200,
410 when gone.

Test-only endpoints (no auth):
    GET  /_requests   every /v2 request received: method, path, query, headers (names in
                      lower case), body (parsed JSON, else the text)
    POST /_control    JSON object changing the behaviour at run time:
        {"catalog": "ok" | "invalid_json" | "malformed"}   malformed = plans without ids
        {"down": true}                 close /v2 connections without answering
        {"async_polls": N}             polls before an async operation finishes
        {"async_deprovision": true}    deprovision answers 202, polled until 410 Gone
        {"slow_seconds": S}
        {"retry_after": S}             Retry-After on last_operation answers (null: none)
        {"clear_requests": true}
        {"answers": [{"method": "PUT", "path": "/service_bindings/", "status": 500,
                      "body": {...} or "text", "times": 1}]}
                                       canned answers for the next matching /v2 requests
                                       (method equal, path a substring), `times` times
    GET  /_state      the broker's instances and bindings
"""
import argparse
import base64
import copy
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE_ID = "overview-service-id"
PLAN_NAMES = ["small", "async", "async-fails", "slow", "fails", "badjson"]
PLAN_DESCRIPTIONS = {
    "small": "Provisions at once.",
    "async": "Provisions asynchronously.",
    "async-fails": "Provisions asynchronously, then fails.",
    "slow": "Answers after the platform gave up.",
    "fails": "Provision answers 500.",
    "badjson": "Provision answers 201 with a body that is not JSON.",
}
ASYNC_PLANS = {"async", "async-fails"}

DEFAULT_CATALOG = {
    "services": [{
        "id": SERVICE_ID,
        "name": "overview-service",
        "description": "A service of the microcf test broker.",
        "bindable": True,
        "tags": ["test"],
        "requires": [],
        "plan_updateable": True,
        "instances_retrievable": True,
        "bindings_retrievable": True,
        "metadata": {"displayName": "Overview Service"},
        "plans": [{
            "id": "plan-" + name,
            "name": name,
            "description": PLAN_DESCRIPTIONS[name],
            "free": True,
            "metadata": {"bullets": [PLAN_DESCRIPTIONS[name]]},
        } for name in PLAN_NAMES],
    }]
}


class Broker:
    """The broker's state; every method runs under the lock."""

    def __init__(self, user, password, catalog):
        self.user, self.password = user, password
        self.catalog = catalog
        self.lock = threading.Lock()
        self.requests = []
        self.instances = {}   # iid -> {service_id, plan_id, parameters, op, polls, ...}
        self.bindings = {}    # (iid, bid) -> {service_id, plan_id, app_guid, parameters, credentials}
        self.control = {"catalog": "ok", "down": False, "async_polls": 2,
                        "async_deprovision": False, "slow_seconds": 10, "retry_after": None,
                        "answers": []}

    def plan_name(self, plan_id):
        for s in self.catalog.get("services", []):
            for p in s.get("plans", []):
                if p.get("id") == plan_id:
                    return p.get("name")
        return None


def error(code, description):
    return {"error": code, "description": description}


class Handler(BaseHTTPRequestHandler):
    server_version = "osb-test-broker/1"

    def log_message(self, fmt, *args):  # quiet: the request log is at /_requests
        pass

    # --- plumbing ------------------------------------------------------------------------
    def answer(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the platform gave up waiting (the slow plan)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return raw, None
        try:
            return raw, json.loads(raw)
        except ValueError:
            return raw, None

    def dispatch(self, method):
        broker = self.server.broker
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        raw, body = self.read_body()
        parts = [p for p in url.path.split("/") if p]
        if parts and parts[0].startswith("_"):
            return self.test_endpoint(method, parts, body)
        with broker.lock:
            broker.requests.append({
                "time": time.time(), "method": method, "path": url.path, "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body if body is not None else raw.decode(errors="replace"),
            })
            down = broker.control["down"]
        if down:
            self.close_connection = True
            return  # no answer at all: the connection closes
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(f"{broker.user}:{broker.password}".encode()).decode()
        if auth != want:
            return self.answer(401, error("Unauthorized", "Bad or missing credentials."),
                               {"WWW-Authenticate": 'Basic realm="osb-test-broker"'})
        if not self.headers.get("X-Broker-API-Version"):
            return self.answer(412, error("PreconditionFailed",
                                          "The X-Broker-API-Version header is required."))
        with broker.lock:
            for canned in broker.control["answers"]:
                if canned["method"] == method and canned.get("path", "") in url.path \
                        and canned.get("times", 1) > 0:
                    canned["times"] = canned.get("times", 1) - 1
                    answer = canned.get("body", {})
                    if isinstance(answer, str):
                        answer = answer.encode()
                    return self.answer(canned["status"], answer)
        status, answer, headers = self.route(method, parts, query, body, raw)
        self.answer(status, answer, headers)

    do_GET = lambda self: self.dispatch("GET")
    do_PUT = lambda self: self.dispatch("PUT")
    do_PATCH = lambda self: self.dispatch("PATCH")
    do_DELETE = lambda self: self.dispatch("DELETE")
    do_POST = lambda self: self.dispatch("POST")

    def test_endpoint(self, method, parts, body):
        broker = self.server.broker
        with broker.lock:
            if method == "GET" and parts == ["_requests"]:
                return self.answer(200, broker.requests)
            if method == "GET" and parts == ["_state"]:
                return self.answer(200, {
                    "instances": broker.instances,
                    "bindings": {f"{i}/{b}": v for (i, b), v in broker.bindings.items()}})
            if method == "POST" and parts == ["_control"]:
                if not isinstance(body, dict):
                    return self.answer(400, error("BadRequest", "POST /_control wants a JSON object"))
                if body.pop("clear_requests", False):
                    broker.requests.clear()
                unknown = set(body) - set(broker.control)
                if unknown:
                    return self.answer(400, error("BadRequest", f"unknown controls: {sorted(unknown)}"))
                broker.control.update(body)
                return self.answer(200, broker.control)
        return self.answer(404, error("NotFound", "no such test endpoint"))

    # --- OSB -----------------------------------------------------------------------------
    def route(self, method, parts, query, body, raw):
        """(status, body, headers) for an authenticated OSB request."""
        if parts[:1] != ["v2"]:
            return 404, error("NotFound", "not an OSB path"), None
        p = parts[1:]
        if method == "GET" and p == ["catalog"]:
            return self.catalog()
        if len(p) >= 2 and p[0] == "service_instances":
            iid = p[1]
            if len(p) == 2:
                if method == "PUT":
                    return self.provision(iid, query, body, raw)
                if method == "PATCH":
                    return self.update(iid, query, body, raw)
                if method == "DELETE":
                    return self.deprovision(iid, query)
                if method == "GET":
                    return self.fetch_instance(iid)
            if p[2:] == ["last_operation"] and method == "GET":
                return self.last_operation(iid, query)
            if len(p) == 4 and p[2] == "service_bindings":
                if method == "PUT":
                    return self.bind(iid, p[3], body, raw)
                if method == "DELETE":
                    return self.unbind(iid, p[3], query)
                if method == "GET":
                    return self.fetch_binding(iid, p[3])
            if len(p) == 5 and p[2] == "service_bindings" and p[4] == "last_operation":
                return 410, error("Gone", "bindings of this broker are synchronous"), None
        return 404, error("NotFound", f"{method} {'/'.join(parts)} is not an OSB endpoint"), None

    def catalog(self):
        broker = self.server.broker
        with broker.lock:
            mode = broker.control["catalog"]
            catalog = copy.deepcopy(broker.catalog)
        if mode == "invalid_json":
            return 200, b'{"services": [ this is not JSON', None
        if mode == "malformed":
            for s in catalog["services"]:
                for plan in s["plans"]:
                    plan.pop("id", None)
        return 200, catalog, None

    def provision(self, iid, query, body, raw):
        broker = self.server.broker
        if not isinstance(body, dict):
            return 400, error("BadRequest", "The request body is not a JSON object."), None
        for field in ("service_id", "plan_id", "organization_guid", "space_guid"):
            if not isinstance(body.get(field), str):
                return 400, error("BadRequest", f"The request body has no {field}."), None
        with broker.lock:
            plan = broker.plan_name(body["plan_id"])
            if plan is None or body["service_id"] != SERVICE_ID:
                return 400, error("BadRequest", f"Unknown service_id/plan_id {body['service_id']}/{body['plan_id']}."), None
            want = {"service_id": body["service_id"], "plan_id": body["plan_id"],
                    "parameters": body.get("parameters") or {}}
            old = broker.instances.get(iid)
            if old is not None:
                same = all(old[k] == v for k, v in want.items())
                if not same:
                    return 409, error("Conflict", "An instance with this id exists with other attributes."), None
                if old["op"] is not None:
                    return 202, {"operation": old["op"]["name"]}, None
                return 200, {"dashboard_url": old["dashboard_url"]}, None
            if plan in ASYNC_PLANS and query.get("accepts_incomplete") != "true":
                return 422, error("AsyncRequired", "This service plan requires client support for asynchronous service operations."), None
            instance = dict(want, op=None, dashboard_url=f"http://dashboard.test/{iid}")
            if plan == "fails":
                return 500, error("InternalError", "The test broker fails this plan on purpose."), None
            broker.instances[iid] = instance
            if plan in ASYNC_PLANS:
                instance["op"] = {"name": f"provision-{iid[:8]}", "type": "create", "polls": 0,
                                  "fails": plan == "async-fails"}
                return 202, {"operation": instance["op"]["name"],
                             "dashboard_url": instance["dashboard_url"]}, None
            slow = broker.control["slow_seconds"] if plan == "slow" else 0
        if slow:
            time.sleep(slow)
        if plan == "badjson":
            return 201, b"<html>this is not JSON</html>", None
        return 201, {"dashboard_url": instance["dashboard_url"]}, None

    def update(self, iid, query, body, raw):
        broker = self.server.broker
        if not isinstance(body, dict) or not isinstance(body.get("service_id"), str):
            return 400, error("BadRequest", "The request body has no service_id."), None
        with broker.lock:
            instance = broker.instances.get(iid)
            if instance is None:
                return 404, error("NotFound", "No such instance."), None
            plan_id = body.get("plan_id") or instance["plan_id"]
            plan = broker.plan_name(plan_id)
            if plan is None:
                return 400, error("BadRequest", f"Unknown plan_id {plan_id}."), None
            instance["plan_id"] = plan_id
            if "parameters" in body:
                instance["parameters"] = body["parameters"] or {}
            if plan in ASYNC_PLANS:
                if query.get("accepts_incomplete") != "true":
                    return 422, error("AsyncRequired", "This service plan requires client support for asynchronous service operations."), None
                instance["op"] = {"name": f"update-{iid[:8]}", "type": "update", "polls": 0,
                                  "fails": plan == "async-fails"}
                return 202, {"operation": instance["op"]["name"]}, None
        return 200, {}, None

    def deprovision(self, iid, query):
        broker = self.server.broker
        if not query.get("service_id") or not query.get("plan_id"):
            return 400, error("BadRequest", "service_id and plan_id are required."), None
        with broker.lock:
            instance = broker.instances.get(iid)
            if instance is None:
                return 410, {}, None
            plan = broker.plan_name(instance["plan_id"])
            if broker.control["async_deprovision"] and plan in ASYNC_PLANS:
                if query.get("accepts_incomplete") != "true":
                    return 422, error("AsyncRequired", "This service plan requires client support for asynchronous service operations."), None
                instance["op"] = {"name": f"deprovision-{iid[:8]}", "type": "delete", "polls": 0,
                                  "fails": False}
                return 202, {"operation": instance["op"]["name"]}, None
            for key in [k for k in broker.bindings if k[0] == iid]:
                del broker.bindings[key]
            del broker.instances[iid]
        return 200, {}, None

    def fetch_instance(self, iid):
        broker = self.server.broker
        with broker.lock:
            instance = broker.instances.get(iid)
            if instance is None or (instance["op"] and instance["op"]["type"] == "create"):
                return 404, error("NotFound", "No such instance."), None
            return 200, {k: instance[k] for k in ("service_id", "plan_id", "parameters", "dashboard_url")}, None

    def last_operation(self, iid, query):
        broker = self.server.broker
        with broker.lock:
            instance = broker.instances.get(iid)
            if instance is None:
                return 410, {}, None
            op = instance["op"]
            headers = None
            if broker.control["retry_after"] is not None:
                headers = {"Retry-After": str(broker.control["retry_after"])}
            if op is None:
                return 200, {"state": "succeeded", "description": "Nothing is in progress."}, headers
            op["polls"] += 1
            if op["polls"] < broker.control["async_polls"]:
                return 200, {"state": "in progress",
                             "description": f"Working on it ({op['polls']}/{broker.control['async_polls']})."}, headers
            instance["op"] = None
            if op["type"] == "delete":
                for key in [k for k in broker.bindings if k[0] == iid]:
                    del broker.bindings[key]
                del broker.instances[iid]
                return 410, {}, headers
            if op["fails"]:
                if op["type"] == "create":
                    del broker.instances[iid]
                return 200, {"state": "failed",
                             "description": "The test broker failed this operation on purpose."}, headers
            return 200, {"state": "succeeded", "description": "Done."}, headers

    def bind(self, iid, bid, body, raw):
        broker = self.server.broker
        if not isinstance(body, dict) or not isinstance(body.get("service_id"), str) \
                or not isinstance(body.get("plan_id"), str):
            return 400, error("BadRequest", "The request body needs service_id and plan_id."), None
        with broker.lock:
            if iid not in broker.instances:
                return 404, error("NotFound", "No such instance."), None
            resource = body.get("bind_resource") or {}
            want = {"service_id": body["service_id"], "plan_id": body["plan_id"],
                    "app_guid": resource.get("app_guid") or body.get("app_guid"),
                    "parameters": body.get("parameters") or {}}
            old = broker.bindings.get((iid, bid))
            if old is not None:
                if any(old[k] != v for k, v in want.items()):
                    return 409, error("Conflict", "A binding with this id exists with other attributes."), None
                return 200, {"credentials": old["credentials"]}, None
            user = f"user-{bid}"
            credentials = {"uri": f"test://{user}@host/db", "username": user,
                           "password": f"pw-{bid[:8]}"}
            broker.bindings[(iid, bid)] = dict(want, credentials=credentials)
            return 201, {"credentials": credentials}, None

    def unbind(self, iid, bid, query):
        broker = self.server.broker
        if not query.get("service_id") or not query.get("plan_id"):
            return 400, error("BadRequest", "service_id and plan_id are required."), None
        with broker.lock:
            if broker.bindings.pop((iid, bid), None) is None:
                return 410, {}, None
        return 200, {}, None

    def fetch_binding(self, iid, bid):
        broker = self.server.broker
        with broker.lock:
            b = broker.bindings.get((iid, bid))
            if b is None:
                return 404, error("NotFound", "No such binding."), None
            return 200, {"credentials": b["credentials"], "parameters": b["parameters"]}, None


def serve(port, user, password, catalog):
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.broker = Broker(user, password, catalog)
    return server


def self_test():
    """Starts the broker on a free port and checks its answers with urllib."""
    import http.client
    import urllib.error
    import urllib.request
    server = serve(0, "u", "p", copy.deepcopy(DEFAULT_CATALOG))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    good = {"Authorization": "Basic " + base64.b64encode(b"u:p").decode(),
            "X-Broker-API-Version": "2.15", "Content-Type": "application/json"}

    def call(method, path, body=None, headers=good):
        req = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(req) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def check(got, want, what):
        if got != want:
            raise SystemExit(f"self-test FAILED: {what}: got {got!r}, want {want!r}")

    prov = {"service_id": SERVICE_ID, "organization_guid": "o", "space_guid": "s",
            "context": {"platform": "cloudfoundry"}}
    q = f"?service_id={SERVICE_ID}&plan_id="
    check(call("GET", "/v2/catalog", headers={"X-Broker-API-Version": "2.15"})[0], 401, "no auth")
    check(call("GET", "/v2/catalog", headers={"Authorization": good["Authorization"]})[0], 412, "no version")
    s, cat = call("GET", "/v2/catalog")
    check((s, [p["name"] for p in cat["services"][0]["plans"]]), (200, PLAN_NAMES), "catalog")
    check(call("PUT", "/v2/service_instances/i1", dict(prov, plan_id="plan-small"))[0], 201, "sync provision")
    check(call("PUT", "/v2/service_instances/i1", dict(prov, plan_id="plan-small"))[0], 200, "identical provision")
    check(call("PUT", "/v2/service_instances/i1", dict(prov, plan_id="plan-async"))[0], 409, "conflicting provision")
    check(call("PUT", "/v2/service_instances/i2", dict(prov, plan_id="plan-async"))[1]["error"], "AsyncRequired", "async without accepts_incomplete")
    s, b = call("PUT", "/v2/service_instances/i2?accepts_incomplete=true", dict(prov, plan_id="plan-async"))
    check((s, b["operation"]), (202, "provision-i2"), "async provision")
    lo = f"/v2/service_instances/i2/last_operation{q}plan-async&operation=provision-i2"
    check(call("GET", lo), (200, {"state": "in progress", "description": "Working on it (1/2)."}), "first poll")
    check(call("GET", lo)[1]["state"], "succeeded", "second poll")
    s, b = call("PUT", "/v2/service_instances/i3?accepts_incomplete=true", dict(prov, plan_id="plan-async-fails"))
    call("GET", "/v2/service_instances/i3/last_operation")
    check(call("GET", "/v2/service_instances/i3/last_operation")[1]["state"], "failed", "async-fails")
    check(call("PUT", "/v2/service_instances/i4", dict(prov, plan_id="plan-fails"))[0], 500, "fails plan")
    check(call("PUT", "/v2/service_instances/i5", dict(prov, plan_id="plan-badjson")), (201, b"<html>this is not JSON</html>"), "badjson plan")
    check(call("PUT", "/v2/service_instances/i6", dict(prov, plan_id="nope"))[0], 400, "unknown plan")
    bind = {"service_id": SERVICE_ID, "plan_id": "plan-small", "bind_resource": {"app_guid": "a"}}
    s, b = call("PUT", "/v2/service_instances/i1/service_bindings/b1", bind)
    check((s, b["credentials"]["username"]), (201, "user-b1"), "bind")
    check(call("PUT", "/v2/service_instances/i1/service_bindings/b1", bind)[0], 200, "identical bind")
    check(call("PUT", "/v2/service_instances/i1/service_bindings/b1", dict(bind, bind_resource={"app_guid": "x"}))[0], 409, "conflicting bind")
    check(call("GET", "/v2/service_instances/i1/service_bindings/b1")[0], 200, "fetch binding")
    check(call("DELETE", "/v2/service_instances/i1/service_bindings/b1")[0], 400, "unbind without ids")
    check(call("DELETE", f"/v2/service_instances/i1/service_bindings/b1{q}plan-small")[0], 200, "unbind")
    check(call("DELETE", f"/v2/service_instances/i1/service_bindings/b1{q}plan-small")[0], 410, "unbind gone")
    check(call("DELETE", f"/v2/service_instances/i1{q}plan-small"), (200, {}), "deprovision")
    check(call("DELETE", f"/v2/service_instances/i1{q}plan-small")[0], 410, "deprovision gone")
    check(call("POST", "/_control", {"async_deprovision": True, "async_polls": 1})[0], 200, "control")
    check(call("DELETE", f"/v2/service_instances/i2{q}plan-async&accepts_incomplete=true")[0], 202, "async deprovision")
    check(call("GET", "/v2/service_instances/i2/last_operation")[0], 410, "deprovision done: 410")
    call("POST", "/_control", {"catalog": "malformed"})
    check("id" in call("GET", "/v2/catalog")[1]["services"][0]["plans"][0], False, "malformed catalog")
    call("POST", "/_control", {"catalog": "invalid_json"})
    check(isinstance(call("GET", "/v2/catalog")[1], bytes), True, "invalid catalog")
    s, log = call("GET", "/_requests")
    check((s, log[0]["method"], log[0]["path"]), (200, "GET", "/v2/catalog"), "request log")
    polls = [r for r in log if r["path"] == "/v2/service_instances/i2/last_operation"]
    check(polls[0]["query"]["operation"], "provision-i2", "query in the request log")
    check(polls[0]["headers"]["x-broker-api-version"], "2.15", "headers in the request log")
    check(call("POST", "/_control", {"bogus": 1})[0], 400, "unknown control")
    call("POST", "/_control", {"catalog": "ok", "answers": [
        {"method": "GET", "path": "/v2/catalog", "status": 503, "body": "busy", "times": 2}]})
    check(call("GET", "/v2/catalog"), (503, b"busy"), "canned answer")
    check(call("GET", "/v2/catalog")[0], 503, "canned answer twice")
    check(call("GET", "/v2/catalog")[0], 200, "canned answers used up")
    call("POST", "/_control", {"down": True})
    try:
        call("GET", "/v2/catalog")
        raise SystemExit("self-test FAILED: a down broker answered")
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        pass
    server.shutdown()
    print("osb_broker self-test passed")


def main():
    ap = argparse.ArgumentParser(description="OSB v2 test broker")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user", default="broker-user")
    ap.add_argument("--password", default="broker-pass")
    ap.add_argument("--catalog", help="a JSON file replacing the default catalog")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    catalog = copy.deepcopy(DEFAULT_CATALOG)
    if args.catalog:
        with open(args.catalog) as f:
            catalog = json.load(f)
    server = serve(args.port, args.user, args.password, catalog)
    print(f"osb test broker on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
