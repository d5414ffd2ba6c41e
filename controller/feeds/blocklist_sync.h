// SPDX-License-Identifier: GPL-2.0
// Moves the feed entries of the blocklist maps from what was applied to what should be,
// without a gap: the diff's adds and rule changes are written first (each one atomic in
// the trie: a lookup sees the old or the new value, never none), deletes last. A prefix
// present before and after is not touched at all. The operator's entries (manual, origin 0,
// and the config file's, kOriginConfig) are never overwritten or deleted.
#ifndef XDPGUARD_FEEDS_BLOCKLIST_SYNC_H_
#define XDPGUARD_FEEDS_BLOCKLIST_SYNC_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/prefix_table.h"
#include "feeds/feed_state.h"
#include "feeds/policy.h"
#include "xdpguard_maps.h"

namespace xdpguard::feeds {

// The rule every entry of one feed carries (prefixlen is filled in per entry).
struct OriginRule {
  xg_rule rule;
  std::string fingerprint;  // changes when any field that reaches the map changes
};

OriginRule MakeOriginRule(uint16_t origin, const lists::RuleOptions& options, uint64_t now_real_s);

enum class SyncOrder {
  kAddsBeforeDeletes,
  // The control for the zero-gap test: delete everything that was applied, then write
  // the new set. It opens a window by design; nothing but that test uses it.
  kRewriteDeleteFirst,
};

struct SyncResult {
  size_t added = 0, changed = 0, deleted = 0, unchanged = 0;
  std::vector<net::Cidr> kept_manual;  // listed by a feed, but the operator's entry stays
};

absl::StatusOr<SyncResult> SyncBlocklist(datapath::PrefixTable<xg_rule>* table,
                                         const AppliedState& before,
                                         const std::vector<UnionEntry>& after,
                                         const std::map<uint16_t, OriginRule>& rules,
                                         SyncOrder order = SyncOrder::kAddsBeforeDeletes);

// Rebuilds the applied state from the maps (every non-manual entry), for when the state
// file is missing or was invalidated by an interrupted run. O(map) syscalls.
absl::StatusOr<AppliedState> AppliedStateFromMaps(const datapath::PrefixTable<xg_rule>& table);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_BLOCKLIST_SYNC_H_
