"""The binary example's server: answers every GET on $PORT."""
import http.server
import os

PORT = int(os.environ.get("PORT", "8080"))
INDEX = os.environ.get("CF_INSTANCE_INDEX", "0")


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"Hello from microcf binary, instance {INDEX}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print(f"{self.address_string()} {fmt % args}", flush=True)


http.server.ThreadingHTTPServer(("0.0.0.0", PORT), Hello).serve_forever()
