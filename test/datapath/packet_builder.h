// SPDX-License-Identifier: GPL-2.0
// Builds test frames byte by byte. Arguments are host order and text addresses; the
// builder writes network order. Checksums are left zero: the datapath never reads them.
#ifndef XDPGUARD_TEST_PACKET_BUILDER_H_
#define XDPGUARD_TEST_PACKET_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace xdpguard::test {

using Bytes = std::vector<uint8_t>;

class PacketBuilder {
 public:
  // Ethernet header; ethertype is filled by the next layer (or Ethertype()).
  PacketBuilder& Eth(const std::string& src_mac = "02:00:00:00:00:01",
                     const std::string& dst_mac = "02:00:00:00:00:02");
  PacketBuilder& Vlan(uint16_t tpid, uint16_t vid);  // e.g. 0x8100, 0x88a8, 0x9100
  PacketBuilder& Ethertype(uint16_t type);           // raw ethertype, nothing after it
  // IPv4 with ihl = 5 + options_words; frag_field is the raw flags+offset (host order).
  PacketBuilder& Ipv4(const std::string& src, const std::string& dst, uint8_t proto = 17,
                      int options_words = 0, uint16_t frag_field = 0);
  PacketBuilder& Ipv6(const std::string& src, const std::string& dst, uint8_t next_header = 17,
                      uint8_t hop_limit = 255);
  // Generic 8-byte-unit extension header (HBH 0, Routing 43, DstOpts 60).
  PacketBuilder& Ipv6Ext(uint8_t next_header, uint8_t hdr_len_units = 0);
  PacketBuilder& Ipv6Frag(uint8_t next_header, uint16_t offset_units, bool more);
  PacketBuilder& Udp(uint16_t sport = 40000, uint16_t dport = 53);
  PacketBuilder& Tcp(uint16_t sport = 40000, uint16_t dport = 80, uint8_t flags = 0x02);
  PacketBuilder& Icmp6(uint8_t type, uint8_t code = 0);
  PacketBuilder& Arp(uint16_t op, const std::string& sender_mac, const std::string& sender_ip,
                     const std::string& target_ip);
  // ICMPv6 neighbour advertisement for target; tlla empty = no target link-layer option.
  PacketBuilder& NeighborAdvert(const std::string& target, bool solicited,
                                const std::string& tlla);
  // ICMPv6 router advertisement; slla empty = no source link-layer option.
  PacketBuilder& RouterAdvert(const std::string& slla);
  PacketBuilder& Payload(size_t n, uint8_t fill = 0xab);

  // Fixes IPv4 tot_len / IPv6 payload_len to the bytes that follow, then returns the frame.
  Bytes Build() const;

 private:
  void Put8(uint8_t v) { b_.push_back(v); }
  void Put16(uint16_t v);
  void PutAddr(int family, const std::string& text);
  void PutMac(const std::string& text);
  void PutLinkLayerOption(uint8_t type, const std::string& mac);
  void SetEthertype(uint16_t type);

  Bytes b_;
  size_t ethertype_at_ = 0;  // where the innermost ethertype field sits (0 = none pending)
  size_t ipv4_at_ = 0;       // offset of the IPv4 header + 1 (0 = none)
  size_t ipv6_at_ = 0;       // offset of the IPv6 header + 1 (0 = none)
};

}  // namespace xdpguard::test

#endif  // XDPGUARD_TEST_PACKET_BUILDER_H_
