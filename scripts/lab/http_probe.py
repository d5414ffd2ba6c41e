#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""HTTP GETs from one source address for the quickstart lab: prints "N ok, M failed".
Usage: http_probe.py SRC_IP URL COUNT [TIMEOUT_S]. Runs inside the lab's namespace and
talks only to the lab's own web server."""
import http.client
import sys
import urllib.parse

src, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
u = urllib.parse.urlparse(url)
ok = failed = 0
for _ in range(count):
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=(src, 0))
        c.request("GET", u.path or "/")
        r = c.getresponse()
        r.read()
        ok += r.status == 200
        failed += r.status != 200
        c.close()
    except OSError:
        failed += 1
print(f"{ok} ok, {failed} failed")
