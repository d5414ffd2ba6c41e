#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sends COUNT ARP replies claiming SENDER_IP is at SENDER_MAC (also the Ethernet source)
out of IFACE, to TARGET_MAC / TARGET_IP. For integration tests only: run it inside the
test's own namespace; it sends nothing else."""
import socket
import struct
import sys
import time


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main():
    iface, sender_mac, sender_ip, target_mac, target_ip, count = sys.argv[1:7]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    eth = mac(target_mac) + mac(sender_mac) + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac(sender_mac) + socket.inet_aton(sender_ip) \
        + mac(target_mac) + socket.inet_aton(target_ip)
    for _ in range(int(count)):
        s.send(eth + arp)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
