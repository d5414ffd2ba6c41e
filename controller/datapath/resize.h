// SPDX-License-Identifier: GPL-2.0
// Online resize of the list tables (`xdpguard resize`). A preallocated table cannot change
// size in place, so the resize builds the new tables beside the old ones, copies every
// entry into them while the writers' lock keeps the lists still, loads the program again
// bound to the new tables (every other map stays the pinned one: counters, flows, rate
// limits, settings), swaps it in for ours on every interface with XDP_FLAGS_REPLACE, and
// only then moves the pins over (bpffs rename). Packets see the old program on the old
// tables or the new program on the new ones, which hold the same entries: no gap, no
// verdict that is neither. Anything that fails before the swap leaves everything as it
// was; a swap that fails part-way is undone on the interfaces already swapped.
#ifndef XDPGUARD_DATAPATH_RESIZE_H_
#define XDPGUARD_DATAPATH_RESIZE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/datapath_object.h"

namespace xdpguard::datapath {

struct ResizedTable {
  std::string name;           // xg_block_v4 ...
  uint32_t entries = 0;       // entries copied
  uint32_t old_capacity = 0;  // in entries
  uint32_t new_capacity = 0;
};

struct ResizeOutcome {
  std::vector<ResizedTable> tables;      // the tables that changed size (none: all as asked)
  std::vector<std::string> interfaces;   // where the program was swapped
};

// Resizes the list tables whose size is set in `sizes` (block_v4, block_v6, allow_v4,
// allow_v6, in entries as `attach` takes them; the other fields must be 0). A table already
// of that capacity is left alone. Refused, with nothing changed: a capacity below the
// table's entries, no pinned state, xdpguard inside libxdp's dispatcher on an interface
// (libxdp cannot swap one component atomically). The caller holds the pin-directory lock.
absl::StatusOr<ResizeOutcome> ResizeLists(const std::string& pin_dir, const MapSizes& sizes);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_RESIZE_H_
