// SPDX-License-Identifier: GPL-2.0
#include "feeds/parsed_feed.h"

#include "absl/strings/str_cat.h"
#include "common/printable.h"
#include "feeds/prefix_set.h"

namespace xdpguard::feeds {
namespace {

constexpr size_t kMaxInvalidExamples = 5;

using u128 = unsigned __int128;

void CountInvalid(absl::string_view text, ParsedFeed* feed) {
  feed->invalid++;
  if (feed->invalid_examples.size() < kMaxInvalidExamples)
    feed->invalid_examples.push_back(Printable(text, 60));
}

bool AddRange(absl::string_view first_text, absl::string_view last_text, ParsedFeed* feed) {
  auto first = net::ParseCidr(first_text);
  auto last = net::ParseCidr(last_text);
  if (!first.ok() || !last.ok()) return false;
  const net::Cidr& a = first->cidr;
  const net::Cidr& b = last->cidr;
  if (a.family != b.family || a.prefixlen != a.MaxPrefixLen() ||
      b.prefixlen != b.MaxPrefixLen() || AddressValue(b) < AddressValue(a))
    return false;
  CoverRange(a, b, &feed->cidrs);
  return true;
}

// Strict dotted quad "a.b.c.d" with optional "/len": the common case of big feeds, parsed
// without allocation. Anything unusual (IPv6, ranges, odd syntax) returns false and takes
// the general path, which applies the same rules and reports errors.
bool FastIpv4(absl::string_view text, net::Cidr* out, bool* masked) {
  const char* p = text.data();
  const char* const end = p + text.size();
  auto digit = [&](const char* at) -> unsigned {
    return at < end ? static_cast<unsigned>(static_cast<unsigned char>(*at) - '0') : 10u;
  };
  uint32_t addr = 0;
  for (int octet = 0; octet < 4; octet++) {
    unsigned v = digit(p);
    if (v > 9) return false;
    p++;
    if (unsigned d = digit(p); d <= 9) {
      if (v == 0) return false;  // leading zero
      v = v * 10 + d;
      p++;
      if ((d = digit(p)) <= 9) {
        v = v * 10 + d;
        p++;
        if (v > 255 || digit(p) <= 9) return false;
      }
    }
    addr = (addr << 8) | v;
    if (octet < 3) {
      if (p >= end || *p != '.') return false;
      p++;
    }
  }
  int len = 32;
  if (p < end) {
    if (*p != '/') return false;
    p++;
    unsigned a = digit(p), b = digit(p + 1);
    if (a > 9) return false;
    if (p + 1 == end) {
      len = static_cast<int>(a);
    } else if (b <= 9 && p + 2 == end && a != 0) {
      len = static_cast<int>(a * 10 + b);
    } else {
      return false;
    }
    if (len > 32) return false;
  }
  uint32_t mask = len == 0 ? 0 : ~0u << (32 - len);
  *masked = (addr & ~mask) != 0;
  addr &= mask;
  out->family = net::Family::kIPv4;
  out->prefixlen = static_cast<uint8_t>(len);
  out->addr = {};
  out->addr[0] = static_cast<uint8_t>(addr >> 24);
  out->addr[1] = static_cast<uint8_t>(addr >> 16);
  out->addr[2] = static_cast<uint8_t>(addr >> 8);
  out->addr[3] = static_cast<uint8_t>(addr);
  return true;
}

}  // namespace

void CoverRange(const net::Cidr& first, const net::Cidr& last, std::vector<net::Cidr>* out) {
  const int bits = first.MaxPrefixLen();
  u128 lo = AddressValue(first);
  const u128 hi = AddressValue(last);
  while (true) {
    // The largest aligned block starting at lo that does not pass hi.
    int size_log = 0;
    while (size_log < bits) {
      // All 2^128 IPv6 addresses: the block size does not fit in 128 bits (shifting by 128
      // is undefined; UBSan found it on "::-ffff:...:ffff").
      if (size_log + 1 == 128) {
        if (lo == 0 && hi == ~static_cast<u128>(0)) size_log = 128;
        break;
      }
      u128 block = static_cast<u128>(1) << (size_log + 1);
      if ((lo & (block - 1)) != 0) break;
      u128 end = lo + (block - 1);
      if (end > hi || end < lo) break;
      size_log++;
    }
    out->push_back(FromAddressValue(first.family, lo, bits - size_log));
    u128 end = size_log == 128 ? ~static_cast<u128>(0) : lo + ((static_cast<u128>(1) << size_log) - 1);
    if (end >= hi) return;
    lo = end + 1;
  }
}

bool AddDottedQuad(absl::string_view text, ParsedFeed* feed) {
  net::Cidr fast;
  bool masked = false;
  if (!FastIpv4(text, &fast, &masked)) return false;
  feed->host_bits_masked += masked;
  feed->cidrs.push_back(fast);
  return true;
}

bool AddEntry(absl::string_view text, ParsedFeed* feed) {
  if (AddDottedQuad(text, feed)) return true;
  if (size_t dash = text.find('-'); dash != absl::string_view::npos) {
    if (AddRange(text.substr(0, dash), text.substr(dash + 1), feed)) return true;
    CountInvalid(text, feed);
    return false;
  }
  auto parsed = net::ParseCidr(text);
  if (!parsed.ok()) {
    CountInvalid(text, feed);
    return false;
  }
  if (parsed->host_bits_masked) feed->host_bits_masked++;
  if (parsed->from_mapped_v4) feed->mapped_v4++;
  feed->cidrs.push_back(parsed->cidr);
  return true;
}

}  // namespace xdpguard::feeds
