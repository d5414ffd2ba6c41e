// SPDX-License-Identifier: GPL-2.0
// The config file's own allowlist and blocklist (origin "config"), kept in step with the
// file: entries are written (adds and changes first, each an in-place update) and only
// then are entries that left the file deleted, so an entry present before and after a
// reload is enforced throughout. Manual (CLI) entries are never touched: a prefix the
// operator set by hand keeps its rule. The previous set is the one recorded in the state
// directory; without it, the maps are walked once.
#ifndef XDPGUARD_DAEMON_STATIC_LISTS_H_
#define XDPGUARD_DAEMON_STATIC_LISTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "datapath/pinned_maps.h"

namespace xdpguard::daemon {

struct StaticSyncResult {
  size_t block_written = 0, block_removed = 0, allow_written = 0, allow_removed = 0;
  size_t unchanged = 0;  // already in the maps exactly as declared: not rewritten
  std::vector<net::Cidr> left_to_manual;  // declared in the config, but set by hand
};

// delete_first: the control for the reload no-gap test only (removes every previous
// config entry before writing the new set, as a naive sync would); never used otherwise.
absl::StatusOr<StaticSyncResult> SyncStaticLists(const datapath::PinnedMaps& maps,
                                                 const config::Config& cfg, bool delete_first = false);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_STATIC_LISTS_H_
