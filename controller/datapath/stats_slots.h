// SPDX-License-Identifier: GPL-2.0
// Per-interface verdict counters. xg_stats holds XG_MAX_IF_SLOTS blocks of counters; an
// interface counts into the block named by its xg_ifconfig entry (stats_slot), and
// xg_if_slots records which ifindex owns each block. Block 0 is shared by interfaces
// without a slot of their own (all slots taken, or an ifindex beyond XG_MAX_IFINDEX).
// Slots outlive a detach, so an interface's counts stay attributed to it while the pinned
// maps live; the slot of an interface that no longer exists is reused (its counts zeroed
// first) only when no free slot is left.
#ifndef XDPGUARD_DATAPATH_STATS_SLOTS_H_
#define XDPGUARD_DATAPATH_STATS_SLOTS_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

using SlotOwners = std::array<uint32_t, XG_MAX_IF_SLOTS>;  // ifindex per slot, 0 = free

struct SlotAssignment {
  uint8_t slot = 0;
  std::string note;  // set when the interface shares block 0 or took over a stale slot
};

// Called with the pin directory's writer lock held. interface_exists is how a stale owner
// is recognised (if_indextoname in production; injectable for tests).
absl::StatusOr<SlotAssignment> AssignStatsSlot(int slots_fd, int stats_fd, uint32_t ifindex,
                                               bool (*interface_exists)(uint32_t) = nullptr);

absl::StatusOr<SlotOwners> ReadSlotOwners(int slots_fd);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_STATS_SLOTS_H_
