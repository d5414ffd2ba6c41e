// SPDX-License-Identifier: GPL-2.0
// Builds a guard entry the way both the CLI (`guard add`) and the daemon (config `guards`)
// do: the given MACs, or, with none, the one the neighbour table knows for the gateway now
// (refused while the entry is missing, INCOMPLETE or FAILED), marked as learned.
#ifndef XDPGUARD_GUARD_GUARD_ENTRY_H_
#define XDPGUARD_GUARD_GUARD_ENTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "guard/guard_store.h"

namespace xdpguard::guard {

absl::StatusOr<GuardEntry> MakeGuardEntry(int ifindex, const net::Cidr& gateway,
                                          const std::vector<std::string>& macs, bool drop);

}  // namespace xdpguard::guard

#endif  // XDPGUARD_GUARD_GUARD_ENTRY_H_
