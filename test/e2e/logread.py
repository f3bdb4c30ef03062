# Walks log-cache's GET /api/v1/read/<guid> forward from start_time, 1000 envelopes a page,
# and prints each envelope as "<source_type> <payload>", oldest first.
#   python3 logread.py API_URL "bearer TOKEN" GUID [START_NS]
import base64
import json
import sys
import urllib.parse
import urllib.request

api, token, guid = sys.argv[1], sys.argv[2], sys.argv[3]
# *.localhost names may not resolve here: connect to loopback and say the name in Host.
url = urllib.parse.urlsplit(api)
host = url.hostname
if host.endswith(".localhost"):
    api = f"{url.scheme}://127.0.0.1:{url.port}"
start = int(sys.argv[4]) if len(sys.argv) > 4 else 0
out = sys.stdout
while True:
    req = urllib.request.Request(
        f"{api}/api/v1/read/{guid}?start_time={start}&envelope_types=LOG&limit=1000",
        headers={"Authorization": token, "Host": f"{host}:{url.port}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        batch = json.load(r)["envelopes"]["batch"]
    for e in batch:
        payload = base64.b64decode(e["log"]["payload"]).decode("utf-8", "replace")
        out.write(f"{e['tags']['source_type']} {payload}\n")
        start = int(e["timestamp"]) + 1
    if len(batch) < 1000:
        break
