#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Random-source UDP flood for the soak: Ethernet frames out of IFACE to DST_MAC / DST_IP,
each from a random address of PREFIX (e.g. 198.18.0.0/16) and a random source port (so
flows keep appearing), at about RATE frames/s for SECONDS; prints how many it sent. The
frames come from a pool built once (POOL different ones, cycled). Run it inside the test's
own namespace only: it sends nothing but these frames, to the address it is given."""
import ipaddress
import random
import socket
import struct
import sys

from pacing import paced


def checksum(header):
    total = sum(struct.unpack("!10H", header))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def frame(dst_mac, src_mac, src, dst, sport):
    payload = b"xdpguard-soak"
    udp = struct.pack("!HHHH", sport, 9, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst))
    struct.pack_into("!H", ip, 10, checksum(bytes(ip)))
    return dst_mac + src_mac + b"\x08\x00" + bytes(ip) + udp


def main():
    iface, dst_mac, dst_ip, prefix = sys.argv[1:5]
    rate, seconds, pool = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    net = ipaddress.ip_network(prefix)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    dmac = bytes(int(x, 16) for x in dst_mac.split(":"))
    smac = s.getsockname()[4]
    dst = socket.inet_aton(dst_ip)
    rng = random.Random(7)
    frames = [frame(dmac, smac, (net.network_address + rng.randrange(net.num_addresses)).packed, dst,
                    rng.randrange(1024, 65536)) for _ in range(pool)]

    def send(n):
        try:
            s.send(frames[n % pool])
            return True
        except BlockingIOError:
            return False

    sent = paced(send, rate, seconds, max(1, rate // 100))  # a batch per 10 ms slot
    print(sent)


if __name__ == "__main__":
    main()
