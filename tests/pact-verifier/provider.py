"""A tiny provider for the Pact verifier test: `payments`, serving
GET /payments/{id} as {"id": id}, on 127.0.0.1 at the port given.
Run by crates/treaty-cli/tests/pact_verifier.rs."""

import http.server
import json
import re
import sys


class Payments(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        match = re.fullmatch(r"/payments/(\d+)", self.path)
        if not match:
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({"id": int(match.group(1))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Payments).serve_forever()
