// SPDX-License-Identifier: GPL-2.0
// The ranges no feed may block (policy.h says why each is there), gathered at refresh
// time so a changed address or gateway is honoured at the next refresh: built-in special
// ranges, private space unless the config allows it, the config's never_block list, the
// allowlist, every address of every interface in this network namespace, and the default
// gateways from the routing table.
#ifndef XDPGUARD_FEEDS_PROTECTED_RANGES_H_
#define XDPGUARD_FEEDS_PROTECTED_RANGES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "feeds/feed_config.h"
#include "feeds/prefix_set.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

absl::StatusOr<std::vector<net::Cidr>> HostAddresses();
// Default-route gateways (IPv4 from /proc/net/route, IPv6 from /proc/net/ipv6_route).
std::vector<net::Cidr> DefaultGateways();

RangeList BuildProtectedRanges(const feeds::ProtectConfig& protect,
                               const std::vector<net::Cidr>& allowlist,
                               const std::vector<net::Cidr>& host_addresses,
                               const std::vector<net::Cidr>& gateways);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_PROTECTED_RANGES_H_
