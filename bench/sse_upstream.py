"""A streaming upstream for the time-to-first-byte runs of scripts/bench.

Answers every POST with the 200-event SSE stream (bodies/sse_200.txt), one event per chunk,
GAP_MS apart, like a model producing tokens. The throughput runs use a direct_response Envoy
instead (it sends the whole stream at once); this one shows what a hold-back costs a client
that waits for the first token.

Usage: sse_upstream.py SSE_FILE PORT GAP_MS        (binds 127.0.0.1 only; stop it with SIGTERM)
"""
import http.server
import sys
import time

sse_file, port, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000.0
EVENTS = [e + b"\n\n" for e in open(sse_file, "rb").read().split(b"\n\n") if e.strip()]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("content-length") or 0)
        self.rfile.read(n)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for i, e in enumerate(EVENTS):
                if i:
                    time.sleep(gap)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(e), e))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
