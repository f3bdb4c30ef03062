# Serves what the `greet` tool of the supply buildpack (deps/0/bin) says.
import http.server
import os
import subprocess

greet = os.path.join(os.environ["DEPS_DIR"], "0", "bin", "greet")
message = subprocess.run([greet, "microcf"], capture_output=True, text=True, check=True).stdout


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = message.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
