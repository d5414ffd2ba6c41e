// SPDX-License-Identifier: GPL-2.0
// The gateway-guard configuration in its pinned maps: one xg_guards entry per (interface,
// gateway address) with its allowed MACs, and per interface the union of the allowed MACs
// of its IPv6 gateways (xg_guard_if, for the rogue-router check). Works on the MapBackend
// seam, so it is unit-tested without the kernel.
#ifndef XDPGUARD_GUARD_GUARD_STORE_H_
#define XDPGUARD_GUARD_GUARD_STORE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "datapath/map_backend.h"
#include "datapath/pinned_maps.h"
#include "guard/mac.h"
#include "net/cidr.h"
#include "xdpguard_guard.h"

namespace xdpguard::guard {

struct AllowedMac {
  Mac mac;
  bool learned = false;  // from the neighbour table, not configured
};

struct GuardEntry {
  uint32_t ifindex = 0;
  net::Cidr gateway;  // a host address (/32 or /128)
  std::vector<AllowedMac> macs;
  bool drop = false;
};

class GuardStore {
 public:
  GuardStore(datapath::MapBackend* guards, datapath::MapBackend* guard_if)
      : guards_(guards), guard_if_(guard_if) {}

  // Adds or replaces the guard for (ifindex, gateway). InvalidArgument for a prefix instead
  // of an address, no MAC or more than XG_GUARD_MAX_MACS; FailedPrecondition when the
  // interface's IPv6 gateways would together allow more than XG_GUARD_IF_MAX_MACS MACs.
  absl::Status Add(const GuardEntry& entry);
  // NotFound when no such guard exists.
  absl::Status Del(uint32_t ifindex, const net::Cidr& gateway);
  absl::StatusOr<std::vector<GuardEntry>> List() const;
  // The MACs allowed for the gateway an event names: for a rogue router advertisement, the
  // interface's router MACs; otherwise the gateway's own. Empty when none is configured.
  absl::StatusOr<std::vector<Mac>> AllowedForEvent(const xg_guard_event& ev) const;

 private:
  absl::Status RebuildInterface(uint32_t ifindex);

  datapath::MapBackend* guards_;
  datapath::MapBackend* guard_if_;
};

xg_guard_key GuardKey(uint32_t ifindex, const net::Cidr& gateway);

// The guard store over the pinned guard maps.
GuardStore PinnedGuardStore(const datapath::PinnedMaps& maps);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_GUARD_STORE_H_
