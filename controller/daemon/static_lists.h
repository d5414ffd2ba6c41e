// SPDX-License-Identifier: GPL-2.0
// The config file's own allowlist and blocklist (origin "config"), kept in step with the
// file through the reconciler (lists/reconciler.h): adds and changes first, deletes last,
// so an entry present before and after a reload is enforced throughout; an entry already
// in the maps exactly as declared is not rewritten. Manual (CLI) entries are never
// touched: a prefix the operator set by hand keeps its rule. What was applied last time is
// recorded in the state directory (static_block.set, static_allow.set).
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

// The maps a sync writes: blocklist, allowlist and the comments of blocklist entries.
struct StaticListMaps {
  datapath::PrefixTable<xg_rule>* block;
  datapath::PrefixTable<xg_allow>* allow;
  datapath::MapBackend* comments;
};

absl::StatusOr<StaticSyncResult> SyncStaticLists(const StaticListMaps& maps, const config::Config& cfg);
absl::StatusOr<StaticSyncResult> SyncStaticLists(const datapath::PinnedMaps& maps,
                                                 const config::Config& cfg);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_STATIC_LISTS_H_
