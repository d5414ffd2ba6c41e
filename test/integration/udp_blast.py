#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bounded UDP sender for integration tests: sends from SRC to DST:PORT at about RATE
packets/s for SECONDS (never more than RATE*SECONDS packets), then prints how many it sent.
Run it inside the test's own network namespace; it only targets the address it is given."""
import socket
import sys

from pacing import paced


def main() -> int:
    src, dst, port, seconds, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((src, 0))
    payload = b"xdpguard-test" * 4

    def send(_):
        try:
            sock.sendto(payload, (dst, port))
            return True
        except (BlockingIOError, ConnectionRefusedError, OSError):
            return False  # ICMP errors surface here; the count of attempts is what matters

    sent = paced(send, rate, seconds, max(1, rate // 1000))  # a batch per millisecond slot
    print(sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
