// SPDX-License-Identifier: GPL-2.0
// The one place the CLI applies collected feeds: take the writer lock, read the current
// allowlist (feeds never install what it covers), apply, release.
#ifndef XDPGUARD_CLI_FEEDS_APPLY_H_
#define XDPGUARD_CLI_FEEDS_APPLY_H_

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "feeds/feed_engine.h"

namespace xdpguard::cli {

absl::StatusOr<feeds::ApplySummary> ApplyFeedsLocked(const Context& ctx, feeds::FeedEngine& engine,
                                                     bool resync);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_FEEDS_APPLY_H_
