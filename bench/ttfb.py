"""Time to first byte of a streamed answer through the front Envoy (scripts/bench).

N sequential requests, each on a new connection: POST the body, then time until the response
headers and until the first byte of the body (the first token a client can show); the
connection is closed right after that byte. Prints "headers_ms first_byte_ms status" (medians).

Usage: ttfb.py PORT BODY_FILE N
"""
import http.client
import statistics
import sys
import time

port, body_file, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = open(body_file, "rb").read()
heads, firsts, status = [], [], None
for _ in range(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.perf_counter()
    c.request("POST", "/v1/chat/completions", body,
              {"content-type": "application/json", "x-bench-answer": "sse"})
    r = c.getresponse()
    t1 = time.perf_counter()
    first = r.read(1)
    t2 = time.perf_counter()
    status = status or r.status
    if not first:
        status = "empty"
    heads.append((t1 - t0) * 1000)
    firsts.append((t2 - t0) * 1000)
    c.close()
print(f"{statistics.median(heads):.3f} {statistics.median(firsts):.3f} {status}")
