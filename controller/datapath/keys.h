// SPDX-License-Identifier: GPL-2.0
// Conversions between net::Cidr and the contract's key structs. Keys are built zeroed, so
// no stray byte makes a kernel lookup miss.
#ifndef XDPGUARD_DATAPATH_KEYS_H_
#define XDPGUARD_DATAPATH_KEYS_H_

#include <cstring>

#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

// The bytes of c's address with the host bits beyond its length cleared: the maps are
// exact-match hashes, so a stray host bit would make an entry no lookup finds.
inline void MaskedAddress(const net::Cidr& c, int bytes, uint8_t* out) {
  for (int i = 0; i < bytes; i++) {
    int keep = c.prefixlen - 8 * i;
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    out[i] = c.addr[i] & mask;
  }
}

inline xg_lpm_v4_key V4Key(const net::Cidr& c) {
  xg_lpm_v4_key k{};
  k.prefixlen = c.prefixlen;
  MaskedAddress(c, 4, reinterpret_cast<uint8_t*>(&k.addr));
  return k;
}

inline xg_lpm_v6_key V6Key(const net::Cidr& c) {
  xg_lpm_v6_key k{};
  k.prefixlen = c.prefixlen;
  MaskedAddress(c, 16, reinterpret_cast<uint8_t*>(k.addr));
  return k;
}

inline net::Cidr FromV4Key(const xg_lpm_v4_key& k) {
  net::Cidr c;
  c.family = net::Family::kIPv4;
  c.prefixlen = static_cast<uint8_t>(k.prefixlen);
  std::memcpy(c.addr.data(), &k.addr, 4);
  return c;
}

inline net::Cidr FromV6Key(const xg_lpm_v6_key& k) {
  net::Cidr c;
  c.family = net::Family::kIPv6;
  c.prefixlen = static_cast<uint8_t>(k.prefixlen);
  std::memcpy(c.addr.data(), k.addr, 16);
  return c;
}

// Key of the per-rule counter and comment maps.
inline xg_rule_stats_key RuleStatsKey(const net::Cidr& c) {
  xg_rule_stats_key k{};
  k.family = c.family == net::Family::kIPv4 ? XG_FAM_IPV4 : XG_FAM_IPV6;
  k.prefixlen = c.prefixlen;
  std::memcpy(k.addr, c.addr.data(), 16);
  return k;
}

inline net::Cidr FromRuleStatsKey(const xg_rule_stats_key& k) {
  net::Cidr c;
  c.family = k.family == XG_FAM_IPV4 ? net::Family::kIPv4 : net::Family::kIPv6;
  c.prefixlen = k.prefixlen;
  std::memcpy(c.addr.data(), k.addr, c.family == net::Family::kIPv4 ? 4 : 16);
  return c;
}

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_KEYS_H_
