// SPDX-License-Identifier: GPL-2.0
// CIDR parsing and normalisation. Parsing is strict (inet_pton rules): leading zeros,
// shorthand (1.2.3), hex octets, zone ids and out-of-range prefixes are rejected, never
// guessed. Bare addresses mean a host prefix, IPv4-mapped IPv6 becomes IPv4, and host
// bits are masked (the caller is told, to warn). Addresses are kept in network order, the
// byte layout the kernel map keys use.
#ifndef XDPGUARD_NET_CIDR_H_
#define XDPGUARD_NET_CIDR_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace xdpguard::net {

enum class Family : uint8_t { kIPv4 = 4, kIPv6 = 6 };

// Eight bytes in network order as an integer (comparisons keep byte order).
inline uint64_t BigEndianWord(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return __builtin_bswap64(w);
}

struct Cidr {
  Family family = Family::kIPv4;
  uint8_t prefixlen = 0;
  std::array<uint8_t, 16> addr{};  // network order; IPv4 uses the first 4 bytes, rest 0

  int MaxPrefixLen() const { return family == Family::kIPv4 ? 32 : 128; }
  std::string ToString() const;
  // True if other lies inside this prefix.
  bool Contains(const Cidr& other) const;
  friend bool operator==(const Cidr& a, const Cidr& b) {
    return a.family == b.family && a.prefixlen == b.prefixlen &&
           BigEndianWord(a.addr.data()) == BigEndianWord(b.addr.data()) &&
           BigEndianWord(a.addr.data() + 8) == BigEndianWord(b.addr.data() + 8);
  }
  // Byte order of the address, compared as two big-endian words: sorting and merging a
  // million prefixes compares them tens of millions of times.
  friend bool operator<(const Cidr& a, const Cidr& b) {
    if (a.family != b.family) return a.family < b.family;
    const uint64_t a0 = BigEndianWord(a.addr.data()), b0 = BigEndianWord(b.addr.data());
    if (a0 != b0) return a0 < b0;
    const uint64_t a1 = BigEndianWord(a.addr.data() + 8), b1 = BigEndianWord(b.addr.data() + 8);
    if (a1 != b1) return a1 < b1;
    return a.prefixlen < b.prefixlen;
  }
};

// An IPv4 prefix as one integer, address << 8 | length: orders like operator< among IPv4
// prefixes, so big lists sort and compare in registers (and radix-sort).
inline uint64_t V4SortKey(const Cidr& c) {
  return (uint64_t{c.addr[0]} << 32) | (uint64_t{c.addr[1]} << 24) | (uint64_t{c.addr[2]} << 16) |
         (uint64_t{c.addr[3]} << 8) | c.prefixlen;
}
// The prefix of a V4SortKey.
inline Cidr FromV4SortKey(uint64_t key) {
  Cidr c;
  c.family = Family::kIPv4;
  c.prefixlen = static_cast<uint8_t>(key & 0xff);
  c.addr[0] = static_cast<uint8_t>(key >> 32);
  c.addr[1] = static_cast<uint8_t>(key >> 24);
  c.addr[2] = static_cast<uint8_t>(key >> 16);
  c.addr[3] = static_cast<uint8_t>(key >> 8);
  return c;
}

struct ParsedCidr {
  Cidr cidr;
  bool host_bits_masked = false;  // input had bits set beyond the prefix
  bool from_mapped_v4 = false;    // input was ::ffff:a.b.c.d[/n]
};

// Parses "addr" or "addr/len". Returns InvalidArgument naming what is wrong.
absl::StatusOr<ParsedCidr> ParseCidr(absl::string_view text);

// Shortest prefixes accepted without --force: a shorter one blocks (or allows) a large
// share of the Internet and is almost always a mistake.
inline constexpr int kMinPrefixV4 = 8;
inline constexpr int kMinPrefixV6 = 16;

// InvalidArgument if cidr is shorter than the floor for its family (and force is false).
absl::Status CheckPrefixFloor(const Cidr& cidr, bool force);

// Fixed-size binary form for state files: family, prefixlen, 16 address bytes.
inline constexpr size_t kEncodedCidrBytes = 18;
void EncodeCidr(const Cidr& c, char* out);
// False (and *c unchanged in meaning) when the bytes are not a valid CIDR.
bool DecodeCidr(const char* in, Cidr* c);

}  // namespace xdpguard::net

#endif  // XDPGUARD_NET_CIDR_H_
