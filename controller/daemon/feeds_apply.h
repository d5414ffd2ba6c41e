// SPDX-License-Identifier: GPL-2.0
// The one place collected feeds are applied (the service, `feeds run`, `feeds apply`): take the writer lock, read the current
// allowlist (feeds never install what it covers), apply, release.
#ifndef XDPGUARD_DAEMON_FEEDS_APPLY_H_
#define XDPGUARD_DAEMON_FEEDS_APPLY_H_

#include "absl/status/statusor.h"
#include "feeds/feed_engine.h"

namespace xdpguard::daemon {

absl::StatusOr<feeds::ApplySummary> ApplyFeedsLocked(const std::string& pin_dir, feeds::FeedEngine& engine,
                                                     bool resync);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_FEEDS_APPLY_H_
