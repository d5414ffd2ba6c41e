// SPDX-License-Identifier: GPL-2.0
// feeds run: the feed scheduler alone, as a foreground service (`xdpguard run` hosts the
// same loop, cli/feeds_runner.*, with everything else). Re-applies the last good copies
// first, then refreshes each feed when due on the monotonic clock; SIGHUP reloads the
// config (a config that fails validation is refused and the running one kept);
// SIGINT/SIGTERM stop it, leaving the datapath enforcing the pinned maps.
#include <signal.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include "cli/args.h"
#include "cli/commands.h"
#include "daemon/feed_runner.h"
#include "daemon/instance_lock.h"
#include "session/session.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "feeds/scheduler.h"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {

namespace {

using Clock = feeds::FeedScheduler::Clock;

}  // namespace

int RunFeedsLoop(const Context& ctx, const Args& args) {
  const std::string path = ConfigPath(args);
  absl::StatusOr<config::Config> cfg = config::LoadConfig(path);
  if (!cfg.ok()) return Fail(cfg.status());
  if (cfg->feeds.empty()) return Fail(absl::InvalidArgumentError(cfg->source + " configures no feeds"));
  if (absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> probe = session::OpenForRead(ctx.pin_dir); !probe.ok())
    return Fail(probe.status());
  // The feed loop is a service too: it would fight `run` (or another loop) over the feeds.
  absl::StatusOr<daemon::InstanceLock> instance = daemon::InstanceLock::Acquire(ctx.pin_dir, daemon::DefaultLockDir());
  if (!instance.ok()) return Fail(instance.status());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &signals, nullptr);  // delivered through sigtimedwait below

  absl::StatusOr<std::unique_ptr<daemon::Runner>> runner = daemon::StartRunner(ctx.pin_dir, std::move(*cfg));
  if (!runner.ok()) return Fail(runner.status());
  while (true) {
    std::optional<Clock::time_point> next = (*runner)->schedule.Next();
    auto wait = next ? *next - Clock::now() : std::chrono::hours(24);
    if (wait <= Clock::duration::zero()) {
      daemon::RunDue(ctx.pin_dir, **runner);
      continue;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1;
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
    int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("feeds: signal {}: stopping; the datapath keeps enforcing the pinned maps", sig);
      return kExitOk;
    }
    if (sig == SIGHUP) {
      absl::StatusOr<config::Config> fresh = config::LoadConfig(path);
      if (!fresh.ok()) {
        spdlog::error("feeds: reload refused, keeping the running config: {}", std::string(fresh.status().message()));
        continue;
      }
      absl::StatusOr<std::unique_ptr<daemon::Runner>> next_runner = daemon::StartRunner(ctx.pin_dir, std::move(*fresh), runner->get());
      if (!next_runner.ok()) {
        spdlog::error("feeds: reload failed, keeping the running config: {}", std::string(next_runner.status().message()));
        continue;
      }
      runner = std::move(next_runner);
      spdlog::info("feeds: reloaded {}", path);
    }
    // Timeout or EINTR: recompute what is due.
  }
}

}  // namespace xdpguard::cli
