// SPDX-License-Identifier: GPL-2.0
#include "feeds/protected_ranges.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "common/errno_status.h"
#include "feeds/policy.h"

namespace xdpguard::feeds {
namespace {

net::Cidr Host(net::Family family, const void* addr) {
  net::Cidr c;
  c.family = family;
  c.prefixlen = family == net::Family::kIPv4 ? 32 : 128;
  std::memcpy(c.addr.data(), addr, family == net::Family::kIPv4 ? 4 : 16);
  return c;
}

}  // namespace

absl::StatusOr<std::vector<net::Cidr>> HostAddresses() {
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return ErrnoToStatus(errno, "getifaddrs");
  std::vector<net::Cidr> out;
  for (struct ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      out.push_back(Host(net::Family::kIPv4, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      out.push_back(Host(net::Family::kIPv6, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr));
    }
  }
  freeifaddrs(list);
  return out;
}

std::vector<net::Cidr> DefaultGateways() {
  std::vector<net::Cidr> out;
  // /proc/net/route: Iface Destination Gateway Flags ... in little-endian hex.
  std::ifstream v4("/proc/net/route");
  std::string line;
  std::getline(v4, line);  // header
  while (std::getline(v4, line)) {
    std::istringstream ss(line);
    std::string iface, dest, gw;
    if (!(ss >> iface >> dest >> gw) || dest != "00000000" || gw == "00000000") continue;
    uint32_t addr = 0;  // already network order
    if (!absl::SimpleHexAtoi(gw, &addr)) continue;  // never throw on an odd line
    out.push_back(Host(net::Family::kIPv4, &addr));
  }
  // /proc/net/ipv6_route: dest destlen src srclen nexthop metric refcnt use flags iface.
  std::ifstream v6("/proc/net/ipv6_route");
  while (std::getline(v6, line)) {
    std::istringstream ss(line);
    std::string dest, destlen, src, srclen, nexthop;
    if (!(ss >> dest >> destlen >> src >> srclen >> nexthop) || destlen != "00" ||
        nexthop == std::string(32, '0') || nexthop.size() != 32)
      continue;
    uint8_t bytes[16];
    bool hex = true;
    for (int b = 0; b < 16 && hex; b++) {
      uint32_t v = 0;
      hex = absl::SimpleHexAtoi(nexthop.substr(b * 2, 2), &v);
      bytes[b] = static_cast<uint8_t>(v);
    }
    if (hex) out.push_back(Host(net::Family::kIPv6, bytes));
  }
  return out;
}

RangeList BuildProtectedRanges(const feeds::ProtectConfig& protect,
                               const std::vector<net::Cidr>& allowlist,
                               const std::vector<net::Cidr>& host_addresses,
                               const std::vector<net::Cidr>& gateways) {
  RangeList out;
  for (const net::Cidr& c : BuiltinProtectedRanges()) out.Add(c);
  if (!protect.block_private) {
    for (const net::Cidr& c : PrivateRanges()) out.Add(c);
  }
  for (const auto* list : {&protect.never_block, &host_addresses, &gateways}) {
    for (const net::Cidr& c : *list) out.Add(c);
  }
  for (const net::Cidr& c : allowlist) out.Add(c, /*inside_only=*/true);
  return out;
}

}  // namespace xdpguard::feeds
