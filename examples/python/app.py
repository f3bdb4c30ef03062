"""Hello world for microcf and Cloud Foundry: answers every GET on $PORT."""
import http.server
import os

PORT = int(os.environ.get("PORT", "8080"))
INDEX = os.environ.get("CF_INSTANCE_INDEX", "0")


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"Hello from microcf python, instance {INDEX}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()

    def log_message(self, fmt, *args):
        # One line per request on stdout, which the platform shows as APP logs.
        print(f"{self.address_string()} {fmt % args}", flush=True)


if __name__ == "__main__":
    print(f"listening on port {PORT}", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Hello).serve_forever()
