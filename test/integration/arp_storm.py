#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ARP storm for the gateway-guard tests: ARP replies claiming SENDER_IP from MACS
different MACs (02:a5:00:00:xx:xx, also the Ethernet source), round robin, out of IFACE to
TARGET_MAC / TARGET_IP, as fast as this process can send, for SECONDS or at most LIMIT
frames; prints how many it sent. Run it inside the test's own namespace only."""
import socket
import struct
import sys
import time


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main():
    iface, sender_ip, target_mac, target_ip = sys.argv[1:5]
    macs, seconds, limit = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    frames = []
    for i in range(macs):
        src = bytes([0x02, 0xA5, 0, 0, i >> 8, i & 0xFF])
        eth = mac(target_mac) + src + struct.pack("!H", 0x0806)
        arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + src + socket.inet_aton(sender_ip) \
            + mac(target_mac) + socket.inet_aton(target_ip)
        frames.append(eth + arp)
    sent = 0
    end = time.monotonic() + seconds
    while sent < limit:
        for f in frames:
            try:
                s.send(f)
                sent += 1
            except BlockingIOError:
                pass
        if time.monotonic() >= end:
            break
    print(sent)


if __name__ == "__main__":
    main()
