// SPDX-License-Identifier: GPL-2.0
// feeds run: the feed scheduler as a foreground service until the daemon (a later issue)
// hosts it. Re-applies the last good copies first, then refreshes each feed when due on
// the monotonic clock; SIGHUP reloads the config (a config that fails validation is
// refused and the running one kept); SIGINT/SIGTERM stop it, leaving the datapath
// enforcing the pinned maps.
#include <signal.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/feeds_apply.h"
#include "cli/session.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "feeds/scheduler.h"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {

namespace {

using Clock = feeds::FeedScheduler::Clock;

// Applies what the engine collected, under the writer lock. Returns false on failure
// (logged; the engine has recorded it in the feeds' status).
bool ApplyLocked(const Context& ctx, feeds::FeedEngine& engine, bool resync) {
  absl::StatusOr<feeds::ApplySummary> s =
      ApplyFeedsLocked(ctx, engine, feeds::SyncOrder::kAddsBeforeDeletes, resync);
  if (!s.ok()) {
    spdlog::error("feeds: {}", std::string(s.status().message()));
    return false;
  }
  for (const feeds::FeedOutcome& o : s->feeds) {
    if (o.result == "cached") continue;
    spdlog::info("feed {}: {}{}{}", o.name, o.result, o.error.empty() ? "" : ": ", o.error);
  }
  spdlog::info("feeds: {} entries applied ({} added, {} changed, {} removed)", s->union_entries,
               s->sync.added, s->sync.changed, s->sync.deleted);
  return true;
}

// An engine for one config, with the schedule of its feeds.
struct Runner {
  config::Config config;
  std::unique_ptr<feeds::FeedEngine> engine;
  feeds::FeedScheduler schedule;
};

// Builds a runner for cfg and enforces its feeds' last good copies (resync: compared with
// the maps, so whatever happened while no engine ran is corrected).
absl::StatusOr<std::unique_ptr<Runner>> StartRunner(const Context& ctx, config::Config cfg) {
  auto r = std::make_unique<Runner>();
  r->config = std::move(cfg);
  r->engine = std::make_unique<feeds::FeedEngine>(r->config);
  if (absl::Status s = r->engine->Init(); !s.ok()) return s;
  if (absl::Status s = r->engine->CollectFromCache(); !s.ok()) return s;
  spdlog::info("feeds: enforcing the last good copies of {} feeds before fetching", r->config.feeds.size());
  ApplyLocked(ctx, *r->engine, /*resync=*/true);
  for (const config::FeedConfig& f : r->config.feeds)
    r->schedule.Seed(f.name, r->engine->store().LoadStatus(f.name), f.interval_s, time(nullptr), Clock::now());
  return r;
}

void RunDue(const Context& ctx, Runner& r) {
  std::vector<std::string> due = r.schedule.Due(Clock::now());
  feeds::RefreshOptions options;
  options.only = due;
  if (absl::Status s = r.engine->Collect(options); !s.ok()) {
    spdlog::error("feeds: {}", std::string(s.message()));
    return;
  }
  ApplyLocked(ctx, *r.engine, /*resync=*/false);
  for (const std::string& name : due) {
    const config::FeedConfig* f = r.config.FindFeed(name);
    r.schedule.Done(name, r.engine->store().LoadStatus(name), f->interval_s, time(nullptr), Clock::now());
  }
}

}  // namespace

int RunFeedsLoop(const Context& ctx, const Args& args) {
  const std::string path = ConfigPath(args);
  absl::StatusOr<config::Config> cfg = config::LoadConfig(path);
  if (!cfg.ok()) return Fail(cfg.status());
  if (cfg->feeds.empty()) return Fail(absl::InvalidArgumentError(cfg->source + " configures no feeds"));
  if (absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> probe = OpenForRead(ctx); !probe.ok())
    return Fail(probe.status());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &signals, nullptr);  // delivered through sigtimedwait below

  absl::StatusOr<std::unique_ptr<Runner>> runner = StartRunner(ctx, std::move(*cfg));
  if (!runner.ok()) return Fail(runner.status());
  while (true) {
    std::optional<Clock::time_point> next = (*runner)->schedule.Next();
    auto wait = next ? *next - Clock::now() : std::chrono::hours(24);
    if (wait <= Clock::duration::zero()) {
      RunDue(ctx, **runner);
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
      absl::StatusOr<std::unique_ptr<Runner>> next_runner = StartRunner(ctx, std::move(*fresh));
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
