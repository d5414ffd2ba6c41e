// SPDX-License-Identifier: GPL-2.0
// The operator's entries across a reboot. bpffs does not survive one, and a feed or the
// config is re-applied by the service, but `block add`/`load`, `allow add` and fail2ban's
// bans exist only in the maps. The service keeps a copy of those entries (origins manual
// and fail2ban) in its state directory, rewritten within about a second of any change,
// and writes them back when it starts on fresh maps (after a reboot, or after the maps
// were removed), skipping entries whose TTL ran out meanwhile and prefixes already taken.
// Expiry is stored as wall-clock time, since the maps' monotonic clock restarts at boot.
#ifndef XDPGUARD_DAEMON_SAVED_ENTRIES_H_
#define XDPGUARD_DAEMON_SAVED_ENTRIES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/pinned_maps.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::daemon {

struct SavedEntry {
  net::Cidr cidr;
  bool allow = false;       // an allowlist entry (value in allow_value), else a rule
  xg_rule rule{};           // expires_ns is not meaningful here: see expires_unix_s
  xg_allow allow_value{};
  int64_t expires_unix_s = 0;  // 0 = never
  std::string comment;
};

// The manual and fail2ban entries of the maps, sorted (a walk of the list maps).
absl::StatusOr<std::vector<SavedEntry>> CollectOperatorEntries(const datapath::PinnedMaps& maps);

// state_dir/operator-entries (a sealed file). Unchanged content is not rewritten.
absl::Status SaveOperatorEntries(const std::string& state_dir, const std::vector<SavedEntry>& entries);
// NotFound when nothing was saved yet.
absl::StatusOr<std::vector<SavedEntry>> LoadOperatorEntries(const std::string& state_dir);

// Moves the saved copy aside (after a failed restore) and returns its new path.
std::string PreserveOperatorEntries(const std::string& state_dir);

struct RestoreResult {
  size_t restored = 0, expired = 0, taken = 0;  // taken: the prefix already holds an entry
};
absl::StatusOr<RestoreResult> RestoreOperatorEntries(const datapath::PinnedMaps& maps,
                                                     const std::vector<SavedEntry>& entries);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_SAVED_ENTRIES_H_
