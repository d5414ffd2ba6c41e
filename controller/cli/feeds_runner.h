// SPDX-License-Identifier: GPL-2.0
// The feed scheduler loop's parts, shared by `feeds run` and the daemon: a Runner owns a
// feed engine for one config and the schedule of its feeds.
#ifndef XDPGUARD_CLI_FEEDS_RUNNER_H_
#define XDPGUARD_CLI_FEEDS_RUNNER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "cli/commands.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "feeds/scheduler.h"

namespace xdpguard::cli {

struct Runner {
  config::Config config;
  std::unique_ptr<feeds::FeedEngine> engine;
  feeds::FeedScheduler schedule;
};

// Builds a runner for cfg and enforces its feeds' last good copies (resync: compared with
// the maps, so whatever happened while no engine ran is corrected).
absl::StatusOr<std::unique_ptr<Runner>> StartRunner(const Context& ctx, config::Config cfg);
// Refreshes the feeds that are due and applies the result under the writer lock.
void RunDue(const Context& ctx, Runner& r);

}  // namespace xdpguard::cli

#endif  // XDPGUARD_CLI_FEEDS_RUNNER_H_
