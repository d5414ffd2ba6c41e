// SPDX-License-Identifier: GPL-2.0
#include "datapath/stats_slots.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace xdpguard::datapath {
namespace {

bool InterfaceExists(uint32_t ifindex) {
  char name[IF_NAMESIZE];
  return if_indextoname(ifindex, name) != nullptr;
}

// Zeroes one block of xg_stats on every CPU, before a new owner inherits it.
absl::Status ZeroBlock(int stats_fd, uint32_t slot) {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) cpus = 1;
  std::vector<xg_counter> zero(static_cast<size_t>(cpus));  // 16 B: already 8-aligned
  for (uint32_t i = 0; i < XG_STATS_ENTRIES; i++) {
    uint32_t idx = slot * XG_STATS_ENTRIES + i;
    if (bpf_map_update_elem(stats_fd, &idx, zero.data(), BPF_ANY) != 0)
      return ErrnoToStatus(errno, "zero the counters of a reused stats slot");
  }
  return absl::OkStatus();
}

absl::Status Claim(int slots_fd, uint32_t slot, uint32_t ifindex) {
  if (bpf_map_update_elem(slots_fd, &slot, &ifindex, BPF_ANY) != 0)
    return ErrnoToStatus(errno, "update xg_if_slots");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SlotOwners> ReadSlotOwners(int slots_fd) {
  SlotOwners owners{};
  for (uint32_t s = 0; s < XG_MAX_IF_SLOTS; s++) {
    if (bpf_map_lookup_elem(slots_fd, &s, &owners[s]) != 0)
      return ErrnoToStatus(errno, "read xg_if_slots");
  }
  return owners;
}

absl::StatusOr<SlotAssignment> AssignStatsSlot(int slots_fd, int stats_fd, uint32_t ifindex,
                                               bool (*interface_exists)(uint32_t)) {
  if (ifindex == 0 || ifindex >= XG_MAX_IFINDEX)
    return SlotAssignment{0, absl::StrCat("interface index ", ifindex,
                                          " has no settings entry: counted in the shared block")};
  absl::StatusOr<SlotOwners> owners = ReadSlotOwners(slots_fd);
  if (!owners.ok()) return owners.status();
  for (uint32_t s = 1; s < XG_MAX_IF_SLOTS; s++)
    if ((*owners)[s] == ifindex) return SlotAssignment{static_cast<uint8_t>(s), ""};
  for (uint32_t s = 1; s < XG_MAX_IF_SLOTS; s++) {
    if ((*owners)[s] != 0) continue;
    // Zeroed anyway: cheap, and a new owner must start from zero whatever was left there.
    if (absl::Status st = ZeroBlock(stats_fd, s); !st.ok()) return st;
    if (absl::Status st = Claim(slots_fd, s, ifindex); !st.ok()) return st;
    return SlotAssignment{static_cast<uint8_t>(s), ""};
  }
  bool (*exists)(uint32_t) = interface_exists ? interface_exists : InterfaceExists;
  for (uint32_t s = 1; s < XG_MAX_IF_SLOTS; s++) {
    if (exists((*owners)[s])) continue;
    if (absl::Status st = ZeroBlock(stats_fd, s); !st.ok()) return st;
    if (absl::Status st = Claim(slots_fd, s, ifindex); !st.ok()) return st;
    return SlotAssignment{static_cast<uint8_t>(s),
                          absl::StrCat("reused the counters slot of removed interface index ",
                                       (*owners)[s], " (its counts were cleared)")};
  }
  return SlotAssignment{0, absl::StrCat("all ", XG_MAX_IF_SLOTS - 1,
                                        " per-interface counter slots are in use by existing "
                                        "interfaces: this one is counted in the shared block")};
}

}  // namespace xdpguard::datapath
