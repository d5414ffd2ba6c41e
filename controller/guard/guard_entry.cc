// SPDX-License-Identifier: GPL-2.0
#include "guard/guard_entry.h"

#include "guard/mac.h"
#include "guard/neighbor_table.h"
#include "spdlog/spdlog.h"

namespace xdpguard::guard {

absl::StatusOr<GuardEntry> MakeGuardEntry(int ifindex, const net::Cidr& gateway,
                                          const std::vector<std::string>& macs, bool drop) {
  GuardEntry e;
  e.ifindex = static_cast<uint32_t>(ifindex);
  e.gateway = gateway;
  e.drop = drop;
  for (const std::string& text : macs) {
    absl::StatusOr<Mac> mac = ParseMac(text);
    if (!mac.ok()) return mac.status();
    e.macs.push_back({*mac, false});
  }
  if (e.macs.empty()) {
    absl::StatusOr<Neighbor> nb = LookupNeighbor(ifindex, gateway);
    if (!nb.ok()) return nb.status();
    e.macs.push_back({nb->mac, true});
    spdlog::info("learned {} for {} from the neighbour table ({})", FormatMac(nb->mac.data()),
                 gateway.ToString(), nb->StateName());
  }
  return e;
}

}  // namespace xdpguard::guard
