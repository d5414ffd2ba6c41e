// SPDX-License-Identifier: GPL-2.0
#include "frames.h"

#include <algorithm>
#include <cstring>

namespace xdpguard::fuzz {
namespace {

constexpr size_t kMinFrame = 14;  // BPF_PROG_TEST_RUN refuses less than an Ethernet header
constexpr size_t kMaxFrame = 1500;
constexpr uint16_t kPorts[] = {22, 53, 80, 443, 8080};

// Sets the 16-bit field at `at` (network order).
void Set16(std::vector<uint8_t>* f, size_t at, uint16_t v) {
  (*f)[at] = static_cast<uint8_t>(v >> 8);
  (*f)[at + 1] = static_cast<uint8_t>(v);
}

}  // namespace

void FrameGenerator::Put16(Bytes* f, uint16_t v) {
  f->push_back(static_cast<uint8_t>(v >> 8));
  f->push_back(static_cast<uint8_t>(v));
}

void FrameGenerator::PutMac(Bytes* f, const guard::Mac& m) { f->insert(f->end(), m.begin(), m.end()); }

guard::Mac FrameGenerator::Mac(const AddressPools& p) {
  if (!p.macs.empty() && Chance(60)) return p.macs[Below(static_cast<uint32_t>(p.macs.size()))];
  guard::Mac m;
  for (uint8_t& b : m) b = Byte();
  m[0] &= 0xfe;  // unicast
  return m;
}

// Destination, source and VLAN tags (the caller appends the ethertype).
void FrameGenerator::Ethernet(Bytes* f, const guard::Mac* src) {
  guard::Mac dst{0x02, 0, 0, 0, 0, 0x02};
  PutMac(f, dst);
  if (src) {
    PutMac(f, *src);
  } else {
    for (int i = 0; i < 6; i++) f->push_back(Byte());
  }
  if (Chance(15)) {
    static constexpr uint16_t kTpids[] = {0x8100, 0x88a8, 0x9100};
    const uint32_t tags = 1 + Below(3);  // the third is one more than the datapath follows
    for (uint32_t i = 0; i < tags; i++) {
      Put16(f, kTpids[Below(3)]);
      Put16(f, static_cast<uint16_t>(Below(4096)));
    }
  }
}

net::Cidr FrameGenerator::Source(const AddressPools& p, net::Family fam) {
  std::vector<const net::Cidr*> same;
  for (const net::Cidr& c : p.prefixes)
    if (c.family == fam) same.push_back(&c);
  net::Cidr out;
  out.family = fam;
  out.prefixlen = fam == net::Family::kIPv4 ? 32 : 128;
  const size_t n = fam == net::Family::kIPv4 ? 4 : 16;
  for (size_t i = 0; i < n; i++) out.addr[i] = Byte();
  const uint32_t draw = Below(100);
  if (same.empty() || draw >= 70) {
    if (draw < 85 && fam == net::Family::kIPv4) out.addr[0] = 203;  // a dense region
    return out;
  }
  // Inside a list entry: its network bits, random host bits (or its first address).
  const net::Cidr& c = *same[Below(static_cast<uint32_t>(same.size()))];
  const bool first = draw < 15;
  for (size_t i = 0; i < n; i++) {
    const int bits = std::clamp(static_cast<int>(c.prefixlen) - static_cast<int>(8 * i), 0, 8);
    const uint8_t mask = static_cast<uint8_t>(0xff00 >> bits);
    out.addr[i] = static_cast<uint8_t>((c.addr[i] & mask) | (first ? 0 : out.addr[i] & ~mask));
  }
  return out;
}

// An upper-layer header and payload.
void FrameGenerator::Transport(Bytes* f, uint8_t proto) {
  const uint16_t dport = Chance(80) ? kPorts[Below(5)] : static_cast<uint16_t>(rng_());
  if (proto == 6 || proto == 17 || proto == 132 || proto == 136) {
    Put16(f, static_cast<uint16_t>(1024 + Below(60000)));
    Put16(f, dport);
    if (proto == 6) {
      for (int i = 0; i < 9; i++) f->push_back(0);  // seq, ack, data offset
      static constexpr uint8_t kFlags[] = {0x02, 0x12, 0x10, 0x18, 0x01, 0x04};
      f->push_back(Chance(90) ? kFlags[Below(6)] : Byte());
      for (int i = 0; i < 6; i++) f->push_back(0);
    } else {
      Put16(f, 8);
      Put16(f, 0);
    }
  }
  const uint32_t payload = Chance(10) ? Below(1400) : Below(64);
  for (uint32_t i = 0; i < payload; i++) f->push_back(Byte());
}

static uint8_t PickProto(uint32_t draw, uint8_t random) {
  if (draw < 35) return 6;
  if (draw < 70) return 17;
  if (draw < 75) return 132;
  if (draw < 78) return 136;
  if (draw < 88) return 1;
  return random;
}

void FrameGenerator::Ipv4(Bytes* f, const AddressPools& p) {
  Ethernet(f, nullptr);
  Put16(f, 0x0800);
  const size_t l3 = f->size();
  const uint32_t option_words = Chance(10) ? Below(11) : 0;
  const uint8_t ihl = Chance(2) ? static_cast<uint8_t>(Below(5)) : static_cast<uint8_t>(5 + option_words);
  f->push_back(static_cast<uint8_t>((Chance(97) ? 4 : Below(16)) << 4 | ihl));
  f->push_back(0);
  Put16(f, 0);  // tot_len, set below
  Put16(f, static_cast<uint16_t>(rng_()));
  uint16_t frag = 0;
  if (Chance(12)) frag = static_cast<uint16_t>((Chance(50) ? 0x2000 : 0) | (Chance(50) ? 1 + Below(0x1fff) : 0));
  Put16(f, frag);
  f->push_back(64);
  const uint8_t proto = PickProto(Below(100), Byte());
  f->push_back(proto);
  Put16(f, 0);
  const net::Cidr src = Source(p, net::Family::kIPv4);
  f->insert(f->end(), src.addr.begin(), src.addr.begin() + 4);
  for (uint8_t b : {10, 0, 0, 1}) f->push_back(b);
  for (uint32_t i = 0; i < option_words * 4; i++) f->push_back(1);  // NOPs
  Transport(f, proto);
  uint16_t tot = static_cast<uint16_t>(f->size() - l3);
  if (Chance(8)) tot = static_cast<uint16_t>(rng_());
  Set16(f, l3 + 2, tot);
}

void FrameGenerator::Ipv6(Bytes* f, const AddressPools& p) {
  Ethernet(f, nullptr);
  Put16(f, 0x86dd);
  const size_t l3 = f->size();
  f->push_back(static_cast<uint8_t>((Chance(97) ? 6 : Below(16)) << 4));
  for (int i = 0; i < 3; i++) f->push_back(0);
  Put16(f, 0);
  const size_t next_at = f->size();
  f->push_back(0);
  f->push_back(Chance(80) ? 64 : 255);
  const net::Cidr src = Source(p, net::Family::kIPv6);
  f->insert(f->end(), src.addr.begin(), src.addr.end());
  for (int i = 0; i < 15; i++) f->push_back(i == 0 ? 0xfd : 0);
  f->push_back(1);
  // An extension-header chain, sometimes longer than the datapath follows.
  static constexpr uint8_t kExt[] = {0, 43, 60, 135, 51, 44};
  const uint32_t exts = Chance(25) ? Below(11) : 0;
  size_t link = next_at;
  for (uint32_t i = 0; i < exts; i++) {
    const uint8_t h = kExt[Below(6)];
    (*f)[link] = h;
    link = f->size();
    f->push_back(0);
    if (h == 44) {
      f->push_back(0);
      Put16(f, static_cast<uint16_t>(Chance(30) ? (1 + Below(0x1fff)) << 3 : Below(2)));
      for (int k = 0; k < 4; k++) f->push_back(Byte());
      continue;
    }
    const uint8_t units = static_cast<uint8_t>(Below(3));
    f->push_back(units);
    const size_t len = h == 51 ? (units + 2u) * 4 : (units + 1u) * 8;
    for (size_t k = 2; k < len; k++) f->push_back(0);
  }
  uint8_t proto = PickProto(Below(100), Byte());
  if (proto == 1) proto = 58;
  (*f)[link] = proto;
  if (proto == 58) {
    static constexpr uint8_t kTypes[] = {128, 129, 133, 134, 135, 136, 137, 1};
    f->push_back(kTypes[Below(8)]);
    for (int i = 0; i < 7; i++) f->push_back(0);
  }
  Transport(f, proto);
  Set16(f, l3 + 4, static_cast<uint16_t>(f->size() - l3 - 40));
}

// Neighbour and router advertisements (and solicitations), for the guard.
void FrameGenerator::Neighbour(Bytes* f, const AddressPools& p) {
  const guard::Mac src = Mac(p);
  Ethernet(f, &src);
  Put16(f, 0x86dd);
  const size_t l3 = f->size();
  f->push_back(0x60);
  for (int i = 0; i < 3; i++) f->push_back(0);
  Put16(f, 0);
  f->push_back(58);
  f->push_back(Chance(90) ? 255 : 64);
  for (int i = 0; i < 16; i++) f->push_back(i == 0 ? 0xfe : i == 1 ? 0x80 : Byte());
  for (int i = 0; i < 16; i++) f->push_back(i == 0 ? 0xff : i == 1 ? 0x02 : i == 15 ? 1 : 0);
  static constexpr uint8_t kTypes[] = {136, 136, 134, 135};
  const uint8_t type = kTypes[Below(4)];
  f->push_back(type);
  f->push_back(0);
  Put16(f, 0);
  if (type == 134) {
    for (int i = 0; i < 12; i++) f->push_back(0);  // hop limit, flags, lifetimes, timers
  } else {
    f->push_back(Chance(50) ? 0x60 : 0x20);  // solicited+override or override
    for (int i = 0; i < 3; i++) f->push_back(0);
    std::vector<net::Cidr> v6;
    for (const net::Cidr& g : p.gateways)
      if (g.family == net::Family::kIPv6) v6.push_back(g);
    net::Cidr target = !v6.empty() && Chance(70) ? v6[Below(static_cast<uint32_t>(v6.size()))]
                                                 : Source(p, net::Family::kIPv6);
    f->insert(f->end(), target.addr.begin(), target.addr.end());
  }
  // Options: maybe an unrelated one first, maybe a zero length, then the link-layer one.
  const uint32_t opts = Below(4);
  for (uint32_t i = 0; i < opts; i++) {
    const uint32_t kind = Below(10);
    if (kind < 6) {
      f->push_back(type == 134 ? 1 : (Chance(80) ? 2 : 1));
      f->push_back(1);
      PutMac(f, Chance(70) ? src : Mac(p));
    } else if (kind < 9) {
      f->push_back(5);  // MTU option
      f->push_back(1);
      for (int k = 0; k < 6; k++) f->push_back(0);
    } else {
      f->push_back(2);
      f->push_back(0);  // invalid length 0
      for (int k = 0; k < 6; k++) f->push_back(0);
    }
  }
  Set16(f, l3 + 4, static_cast<uint16_t>(f->size() - l3 - 40));
}

void FrameGenerator::Arp(Bytes* f, const AddressPools& p) {
  const guard::Mac sha = Mac(p);
  const guard::Mac eth_src = Chance(80) ? sha : Mac(p);
  Ethernet(f, &eth_src);
  Put16(f, 0x0806);
  Put16(f, Chance(95) ? 1 : static_cast<uint16_t>(Below(4)));
  Put16(f, Chance(97) ? 0x0800 : 0x86dd);
  f->push_back(Chance(97) ? 6 : 8);
  f->push_back(Chance(97) ? 4 : 16);
  Put16(f, static_cast<uint16_t>(1 + Below(2)));
  PutMac(f, sha);
  std::vector<net::Cidr> v4;
  for (const net::Cidr& g : p.gateways)
    if (g.family == net::Family::kIPv4) v4.push_back(g);
  const net::Cidr spa = !v4.empty() && Chance(70) ? v4[Below(static_cast<uint32_t>(v4.size()))]
                                                  : Source(p, net::Family::kIPv4);
  f->insert(f->end(), spa.addr.begin(), spa.addr.begin() + 4);
  for (int i = 0; i < 6; i++) f->push_back(0);
  if (Chance(30)) {
    f->insert(f->end(), spa.addr.begin(), spa.addr.begin() + 4);  // gratuitous
  } else {
    for (int i = 0; i < 4; i++) f->push_back(Byte());
  }
  for (uint32_t i = 0, pad = Below(20); i < pad; i++) f->push_back(0);
}

void FrameGenerator::Mutate(Bytes* f) {
  const uint32_t n = 1 + Below(3);
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t kind = Below(4);
    if (kind == 0) {  // cut short: most interesting within the headers
      const size_t cut = kMinFrame + Below(static_cast<uint32_t>(std::min<size_t>(f->size(), 120)));
      if (cut < f->size()) f->resize(cut);
    } else if (kind == 1 || kind == 2) {  // flip a byte, mostly within the headers
      const size_t span = std::min<size_t>(f->size(), kind == 1 ? 90 : f->size());
      (*f)[Below(static_cast<uint32_t>(span))] ^= static_cast<uint8_t>(1 + Below(255));
    } else {
      for (uint32_t k = 0, pad = Below(64); k < pad; k++) f->push_back(Byte());
    }
  }
}

std::vector<uint8_t> FrameGenerator::Next(const AddressPools& pools) {
  Bytes f;
  const uint32_t kind = Below(100);
  if (kind < 38) {
    Ipv4(&f, pools);
  } else if (kind < 62) {
    Ipv6(&f, pools);
  } else if (kind < 74) {
    Arp(&f, pools);
  } else if (kind < 86) {
    Neighbour(&f, pools);
  } else if (kind < 92) {  // random bytes, sometimes behind a meaningful ethertype
    const uint32_t len = kMinFrame + Below(kMaxFrame - kMinFrame + 1);
    for (uint32_t i = 0; i < len; i++) f.push_back(Byte());
    static constexpr uint16_t kTypes[] = {0x0800, 0x86dd, 0x0806, 0x8100};
    if (Chance(60)) Set16(&f, 12, kTypes[Below(4)]);
  } else {
    Ethernet(&f, nullptr);
    Put16(&f, static_cast<uint16_t>(rng_()));
    for (uint32_t i = 0, n = Below(100); i < n; i++) f.push_back(Byte());
  }
  if (Chance(30)) Mutate(&f);
  if (f.size() > kMaxFrame) f.resize(kMaxFrame);
  while (f.size() < kMinFrame) f.push_back(0);
  return f;
}

}  // namespace xdpguard::fuzz
