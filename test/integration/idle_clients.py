#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Holds N connections to HOST:PORT that each send one request line and then stop (a slow or
# stuck client), then times one full scrape of /metrics while they stay open. Prints the
# scrape's seconds; exits 1 if the scrape fails. Usage: idle_clients.py HOST PORT N
import socket, sys, time, urllib.request

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
idle = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\n")  # no Host, no blank line: never finished
    idle.append(s)
time.sleep(0.2)  # let the server take them all
start = time.monotonic()
try:
    body = urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10).read()
except Exception as e:  # noqa: BLE001 - any failure is the finding
    print(f"scrape failed: {e}")
    sys.exit(1)
took = time.monotonic() - start
print(f"{took:.3f}")
for s in idle:
    s.close()
sys.exit(0 if b"xdpguard_datapath_up" in body else 1)
