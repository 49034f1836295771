"""A webhook receiver for the tests: checks StockWatch's signature and keeps what it accepts.

Usage: webhook_receiver.py PORT SECRET LOG
Each accepted POST appends one JSON line {"delivery_id", "body"} to LOG and is answered 204; a POST whose
X-StockWatch-Signature does not match HMAC-SHA256(SECRET, "<timestamp>.<body>") appends {"rejected": reason} and
is answered 401. Prints "listening" once it accepts connections.
"""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secret, log_path = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]


def record(entry):
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-StockWatch-Timestamp", "")
        expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        given = self.headers.get("X-StockWatch-Signature", "")
        if not timestamp or not hmac.compare_digest(expected, given):
            record({"rejected": f"signature {given!r} does not match"})
            self.send_response(401)
        else:
            record({"delivery_id": self.headers.get("X-StockWatch-Delivery"), "body": json.loads(body)})
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
print("listening", flush=True)
server.serve_forever()
