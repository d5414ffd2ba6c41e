// SPDX-License-Identifier: GPL-2.0
#include "daemon/feed_runner.h"

#include <ctime>

#include "common/memory_reuse.h"
#include "daemon/feeds_apply.h"
#include "datapath/mapped_arrays.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

using Clock = feeds::FeedScheduler::Clock;

// Applies what the engine collected, under the writer lock. Returns false on failure
// (logged; the engine has recorded it in the feeds' status).
bool ApplyLocked(const std::string& pin_dir, feeds::FeedEngine& engine, bool resync) {
  absl::StatusOr<feeds::ApplySummary> s =
      ApplyFeedsLocked(pin_dir, engine, resync);
  if (!s.ok()) {
    spdlog::error("feeds: {}", std::string(s.status().message()));
    return false;
  }
  for (const feeds::FeedOutcome& o : s->feeds) {
    if (o.result == "cached") continue;
    spdlog::info("feed {}: {}{}{}", o.name, o.result, o.error.empty() ? "" : ": ", o.error);
  }
  spdlog::info("feeds: {} entries applied ({} added, {} changed, {} removed) in {:.0f} ms ({})", s->union_entries,
               s->sync.added, s->sync.changed, s->sync.deleted, s->stages.TotalMs(), s->stages.Summary());
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Runner>> StartRunner(const std::string& pin_dir, config::Config cfg,
                                                    Runner* previous) {
  if (previous && previous->engine) previous->engine->WaitForPersistence();
  KeepFreedMemoryForReuse();  // each refresh reuses the last one's big arrays
  datapath::MappedArrays::RetainMappingsForReuse();  // and the last session's table mappings
  auto r = std::make_unique<Runner>();
  r->config = std::move(cfg);
  r->engine = std::make_unique<feeds::FeedEngine>(r->config);
  r->engine->KeepStateInMemory();  // refreshes reuse what the last one read and wrote
  if (absl::Status s = r->engine->Init(); !s.ok()) return s;
  if (absl::Status s = r->engine->CollectFromCache(); !s.ok()) return s;
  spdlog::info("feeds: enforcing the last good copies of {} feeds before fetching", r->config.feeds.size());
  ApplyLocked(pin_dir, *r->engine, /*resync=*/true);
  for (const feeds::FeedConfig& f : r->config.feeds)
    r->schedule.Seed(f.name, r->engine->store().LoadStatus(f.name), f.interval_s, time(nullptr), Clock::now());
  return r;
}

bool RunDue(const std::string& pin_dir, Runner& r) {
  std::vector<std::string> due = r.schedule.Due(Clock::now());
  feeds::RefreshOptions options;
  options.only = due;
  if (absl::Status s = r.engine->Collect(options); !s.ok()) {
    spdlog::error("feeds: {}", std::string(s.message()));
    return false;
  }
  const bool apply = r.engine->ApplyNeeded(time(nullptr));
  if (apply) {
    ApplyLocked(pin_dir, *r.engine, /*resync=*/false);
  } else {
    r.engine->SaveStatuses();  // quiet CrowdSec pulls: nothing to write to the maps
  }
  for (const std::string& name : due) {
    const feeds::FeedConfig* f = r.config.FindFeed(name);
    r.schedule.Done(name, r.engine->store().LoadStatus(name), f->interval_s, time(nullptr), Clock::now());
  }
  return apply;
}

}  // namespace xdpguard::daemon
