// SPDX-License-Identifier: GPL-2.0
// Reads the kernel's neighbour table over rtnetlink (RTM_GETNEIGH dump) to learn a
// gateway's MAC at `guard add` time when the operator gives none.
#ifndef XDPGUARD_GUARD_NEIGHBOR_TABLE_H_
#define XDPGUARD_GUARD_NEIGHBOR_TABLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "guard/mac.h"
#include "net/cidr.h"

namespace xdpguard::guard {

struct Neighbor {
  Mac mac;
  uint16_t state = 0;  // NUD_* bits
  std::string StateName() const;
};

// The entry for address on ifindex. NotFound when there is none; FailedPrecondition when
// it exists without a usable link-layer address (INCOMPLETE, FAILED), naming the state.
absl::StatusOr<Neighbor> LookupNeighbor(int ifindex, const net::Cidr& address);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_NEIGHBOR_TABLE_H_
