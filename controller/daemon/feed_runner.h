// SPDX-License-Identifier: GPL-2.0
// The feed scheduler loop's parts, shared by `feeds run` and the daemon: a Runner owns a
// feed engine for one config and the schedule of its feeds.
#ifndef XDPGUARD_DAEMON_FEED_RUNNER_H_
#define XDPGUARD_DAEMON_FEED_RUNNER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "feeds/scheduler.h"

namespace xdpguard::daemon {

struct Runner {
  config::Config config;
  std::unique_ptr<feeds::FeedEngine> engine;
  feeds::FeedScheduler schedule;
};

// Builds a runner for cfg and enforces its feeds' last good copies (resync: compared with
// the maps, so whatever happened while no engine ran is corrected).
// previous: the runner this one replaces (a reload), or null. Its engine may still be
// writing the last refresh's cache files in the background: they are finished first, or
// the new engine could read and re-enforce the copy before that refresh.
absl::StatusOr<std::unique_ptr<Runner>> StartRunner(const std::string& pin_dir, config::Config cfg,
                                                    Runner* previous = nullptr);
// Refreshes the feeds that are due and applies the result under the writer lock. Returns
// whether the maps were written (quiet CrowdSec pulls write nothing: feed_engine.h).
bool RunDue(const std::string& pin_dir, Runner& r);

}  // namespace xdpguard::daemon

#endif  // XDPGUARD_DAEMON_FEED_RUNNER_H_
