# SPDX-License-Identifier: GPL-2.0
"""Paced sending for the integration tests' traffic helpers (udp_blast.py, random_flood.py)."""
import time


def paced(send, rate, seconds, batch):
    """Calls send(n) (n = frames sent so far) in batches of `batch`, about `rate` successful
    calls per second, until rate * seconds succeeded or seconds + 1 have passed; returns how
    many succeeded (send returns True on success)."""
    sent = 0
    limit = int(rate * seconds)
    start = time.monotonic()
    while sent < limit:
        due = start + sent / rate
        now = time.monotonic()
        if now - start > seconds + 1:
            break
        if due > now:
            time.sleep(due - now)
        for _ in range(batch):
            if send(sent):
                sent += 1
    return sent
