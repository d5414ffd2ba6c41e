// SPDX-License-Identifier: GPL-2.0
#include "net/cidr.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/printable.h"

namespace xdpguard::net {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid CIDR '", Printable(text), "': ", why));
}

// Strict decimal prefix length: digits only, no sign, no leading zero (except "0").
bool ParsePrefixLen(absl::string_view s, int* out) {
  if (s.empty() || s.size() > 3) return false;
  for (char ch : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) return false;
  }
  if (s.size() > 1 && s[0] == '0') return false;
  return absl::SimpleAtoi(s, out);
}

// Clears every bit past prefixlen; returns true if any was set.
bool MaskHostBits(Cidr* c) {
  bool changed = false;
  int bytes = c->family == Family::kIPv4 ? 4 : 16;
  for (int i = 0; i < bytes; i++) {
    int keep = c->prefixlen - 8 * i;  // bits of this byte inside the prefix
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if (c->addr[i] & ~mask) changed = true;
    c->addr[i] &= mask;
  }
  return changed;
}

}  // namespace

std::string Cidr::ToString() const {
  // IPv4 without inet_ntop, which formats through sprintf: listings and state files print
  // a million of these.
  if (family == Family::kIPv4)
    return absl::StrCat(addr[0], ".", addr[1], ".", addr[2], ".", addr[3], "/", prefixlen);
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::kIPv4 ? AF_INET : AF_INET6, addr.data(), buf, sizeof(buf));
  return absl::StrCat(buf, "/", prefixlen);
}

bool Cidr::Contains(const Cidr& other) const {
  if (family != other.family || other.prefixlen < prefixlen) return false;
  Cidr masked = other;
  masked.prefixlen = prefixlen;
  MaskHostBits(&masked);
  return masked.addr == addr;
}

absl::StatusOr<ParsedCidr> ParseCidr(absl::string_view text) {
  if (text.empty()) return Invalid(text, "empty");
  if (text.size() > 64) return Invalid(text.substr(0, 64), "too long");
  for (char ch : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(ch)) || ch == '\0')
      return Invalid(text, "contains whitespace or NUL");
  }
  absl::string_view addr_part = text;
  absl::string_view len_part;
  bool has_len = false;
  if (size_t slash = text.find('/'); slash != absl::string_view::npos) {
    addr_part = text.substr(0, slash);
    len_part = text.substr(slash + 1);
    has_len = true;
  }
  if (addr_part.find('%') != absl::string_view::npos)
    return Invalid(text, "zone ids (%iface) are not allowed");

  ParsedCidr out;
  std::string addr_str(addr_part);
  if (addr_part.find(':') != absl::string_view::npos) {
    out.cidr.family = Family::kIPv6;
    if (inet_pton(AF_INET6, addr_str.c_str(), out.cidr.addr.data()) != 1)
      return Invalid(text, "not an IPv6 address");
  } else {
    out.cidr.family = Family::kIPv4;
    // glibc's inet_pton(AF_INET) accepts only dotted-quad decimal: no leading zeros,
    // no hex, no shorthand (unlike inet_aton).
    if (inet_pton(AF_INET, addr_str.c_str(), out.cidr.addr.data()) != 1)
      return Invalid(text, "not a dotted-quad IPv4 address (no leading zeros, hex or shorthand)");
  }

  int len = out.cidr.MaxPrefixLen();
  if (has_len) {
    if (!ParsePrefixLen(len_part, &len))
      return Invalid(text, "prefix length must be a decimal number without leading zeros");
    if (len > out.cidr.MaxPrefixLen())
      return Invalid(text, absl::StrCat("prefix length ", len, " exceeds /",
                                        out.cidr.MaxPrefixLen()));
  }
  out.cidr.prefixlen = static_cast<uint8_t>(len);

  if (out.cidr.family == Family::kIPv6 &&
      std::memcmp(out.cidr.addr.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0 &&
      out.cidr.prefixlen >= 96) {
    // ::ffff:a.b.c.d is how an IPv4 source is seen through an IPv6 socket API; the
    // datapath sees the IPv4 packet, so store it as IPv4.
    Cidr v4;
    v4.family = Family::kIPv4;
    v4.prefixlen = static_cast<uint8_t>(out.cidr.prefixlen - 96);
    std::memcpy(v4.addr.data(), out.cidr.addr.data() + 12, 4);
    out.cidr = v4;
    out.from_mapped_v4 = true;
  }
  out.host_bits_masked = MaskHostBits(&out.cidr);
  return out;
}

absl::Status CheckPrefixFloor(const Cidr& cidr, bool force) {
  int floor = cidr.family == Family::kIPv4 ? kMinPrefixV4 : kMinPrefixV6;
  if (force || cidr.prefixlen >= floor) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "refusing ", cidr.ToString(), ": prefixes shorter than /", floor,
      " cover too much of the Internet (use --force if you really mean it)"));
}

void EncodeCidr(const Cidr& c, char* out) {
  out[0] = static_cast<char>(c.family);
  out[1] = static_cast<char>(c.prefixlen);
  std::memcpy(out + 2, c.addr.data(), 16);
}

bool DecodeCidr(const char* in, Cidr* c) {
  auto family = static_cast<Family>(static_cast<uint8_t>(in[0]));
  if (family != Family::kIPv4 && family != Family::kIPv6) return false;
  c->family = family;
  c->prefixlen = static_cast<uint8_t>(in[1]);
  if (c->prefixlen > c->MaxPrefixLen()) return false;
  std::memcpy(c->addr.data(), in + 2, 16);
  return true;
}

}  // namespace xdpguard::net
