// SPDX-License-Identifier: GPL-2.0
#include "packet_builder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

namespace xdpguard::test {

void PacketBuilder::Put16(uint16_t v) {
  b_.push_back(static_cast<uint8_t>(v >> 8));
  b_.push_back(static_cast<uint8_t>(v));
}

void PacketBuilder::PutAddr(int family, const std::string& text) {
  uint8_t buf[16];
  if (inet_pton(family, text.c_str(), buf) != 1) throw std::invalid_argument("bad address " + text);
  b_.insert(b_.end(), buf, buf + (family == AF_INET ? 4 : 16));
}

void PacketBuilder::PutMac(const std::string& text) {
  unsigned m[6];
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
    throw std::invalid_argument("bad MAC " + text);
  for (unsigned v : m) b_.push_back(static_cast<uint8_t>(v));
}

void PacketBuilder::SetEthertype(uint16_t type) {
  if (!ethertype_at_) throw std::logic_error("no Ethernet header");
  b_[ethertype_at_] = static_cast<uint8_t>(type >> 8);
  b_[ethertype_at_ + 1] = static_cast<uint8_t>(type);
}

PacketBuilder& PacketBuilder::Eth(const std::string& src_mac, const std::string& dst_mac) {
  PutMac(dst_mac);
  PutMac(src_mac);
  ethertype_at_ = b_.size();
  Put16(0);
  return *this;
}

PacketBuilder& PacketBuilder::Vlan(uint16_t tpid, uint16_t vid) {
  SetEthertype(tpid);
  Put16(vid & 0x0fff);
  ethertype_at_ = b_.size();
  Put16(0);
  return *this;
}

PacketBuilder& PacketBuilder::Ethertype(uint16_t type) {
  SetEthertype(type);
  return *this;
}

PacketBuilder& PacketBuilder::Ipv4(const std::string& src, const std::string& dst, uint8_t proto,
                                   int options_words, uint16_t frag_field) {
  SetEthertype(0x0800);
  ipv4_at_ = b_.size() + 1;
  Put8(static_cast<uint8_t>(0x40 | (5 + options_words)));
  Put8(0);        // TOS
  Put16(0);       // tot_len, fixed in Build()
  Put16(0x1234);  // id
  Put16(frag_field);
  Put8(64);  // TTL
  Put8(proto);
  Put16(0);  // checksum
  PutAddr(AF_INET, src);
  PutAddr(AF_INET, dst);
  for (int i = 0; i < options_words; i++) {  // NOP options
    for (int j = 0; j < 4; j++) Put8(1);
  }
  return *this;
}

PacketBuilder& PacketBuilder::Ipv6(const std::string& src, const std::string& dst,
                                   uint8_t next_header, uint8_t hop_limit) {
  SetEthertype(0x86dd);
  ipv6_at_ = b_.size() + 1;
  Put8(0x60);
  Put8(0);
  Put16(0);
  Put16(0);  // payload_len, fixed in Build()
  Put8(next_header);
  Put8(hop_limit);
  PutAddr(AF_INET6, src);
  PutAddr(AF_INET6, dst);
  return *this;
}

PacketBuilder& PacketBuilder::Ipv6Ext(uint8_t next_header, uint8_t hdr_len_units) {
  Put8(next_header);
  Put8(hdr_len_units);
  Payload(6 + 8 * hdr_len_units, 0);  // PadN-free zero padding is fine for parsing
  return *this;
}

PacketBuilder& PacketBuilder::Ipv6Frag(uint8_t next_header, uint16_t offset_units, bool more) {
  Put8(next_header);
  Put8(0);
  Put16(static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  Put16(0xdead);
  Put16(0xbeef);
  return *this;
}

PacketBuilder& PacketBuilder::Udp(uint16_t sport, uint16_t dport) {
  Put16(sport);
  Put16(dport);
  Put16(8);
  Put16(0);
  return *this;
}

PacketBuilder& PacketBuilder::Tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Put16(sport);
  Put16(dport);
  Put16(0), Put16(1);  // seq
  Put16(0), Put16(0);  // ack
  Put8(0x50);          // data offset 5
  Put8(flags);
  Put16(65535);
  Put16(0);
  Put16(0);
  return *this;
}

PacketBuilder& PacketBuilder::Icmp6(uint8_t type, uint8_t code) {
  Put8(type);
  Put8(code);
  Put16(0);
  Payload(20, 0);  // e.g. NS/NA: reserved + target
  return *this;
}

PacketBuilder& PacketBuilder::Arp(uint16_t op, const std::string& sender_mac,
                                  const std::string& sender_ip, const std::string& target_ip) {
  SetEthertype(0x0806);
  Put16(1);       // Ethernet
  Put16(0x0800);  // IPv4
  Put8(6);
  Put8(4);
  Put16(op);
  PutMac(sender_mac);
  PutAddr(AF_INET, sender_ip);
  PutMac("00:00:00:00:00:00");
  PutAddr(AF_INET, target_ip);
  return *this;
}

void PacketBuilder::PutLinkLayerOption(uint8_t type, const std::string& mac) {
  Put8(type);
  Put8(1);  // length in 8-byte units
  PutMac(mac);
}

PacketBuilder& PacketBuilder::NeighborAdvert(const std::string& target, bool solicited,
                                             const std::string& tlla) {
  Put8(136);
  Put8(0);
  Put16(0);                                // checksum (not checked by the datapath)
  Put8(solicited ? 0x60 : 0x20);           // R=0, S, O=1
  Put8(0), Put8(0), Put8(0);
  PutAddr(AF_INET6, target);
  if (!tlla.empty()) PutLinkLayerOption(2, tlla);
  return *this;
}

PacketBuilder& PacketBuilder::RouterAdvert(const std::string& slla) {
  Put8(134);
  Put8(0);
  Put16(0);
  Put8(64);     // cur hop limit
  Put8(0);      // flags
  Put16(1800);  // router lifetime
  Put16(0), Put16(0);  // reachable time
  Put16(0), Put16(0);  // retrans timer
  if (!slla.empty()) PutLinkLayerOption(1, slla);
  return *this;
}

PacketBuilder& PacketBuilder::Payload(size_t n, uint8_t fill) {
  b_.insert(b_.end(), n, fill);
  return *this;
}

Bytes PacketBuilder::Build() const {
  Bytes out = b_;
  if (ipv4_at_) {
    size_t at = ipv4_at_ - 1;
    uint16_t len = static_cast<uint16_t>(out.size() - at);
    out[at + 2] = static_cast<uint8_t>(len >> 8);
    out[at + 3] = static_cast<uint8_t>(len);
  }
  if (ipv6_at_) {
    size_t at = ipv6_at_ - 1;
    uint16_t len = static_cast<uint16_t>(out.size() - at - 40);
    out[at + 4] = static_cast<uint8_t>(len >> 8);
    out[at + 5] = static_cast<uint8_t>(len);
  }
  return out;
}

}  // namespace xdpguard::test
