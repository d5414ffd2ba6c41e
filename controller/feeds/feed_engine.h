// SPDX-License-Identifier: GPL-2.0
// The feed engine: fetch and parse feeds, keep the last good copy of each, and apply the
// union of all feeds to the blocklist maps. A refresh has two phases so the network never
// holds the writer lock:
//   Collect()  fetch + parse + sanity checks for the selected feeds (no lock, no maps)
//   Apply()    with the pin-directory lock held: policy, union, diff, map writes, state
// Every failure of a feed (fetch, HTTP status, parse, empty, cap, truncation, shrink,
// max_entries) keeps that feed's last good entries and is recorded in its status with a
// reason; other feeds are unaffected.
#ifndef XDPGUARD_FEEDS_FEED_ENGINE_H_
#define XDPGUARD_FEEDS_FEED_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/sealed_file.h"
#include "common/stage_clock.h"
#include "feeds/feed_config.h"
#include "datapath/prefix_table.h"
#include "feeds/feed_state.h"
#include "feeds/http_fetch.h"
#include "lists/reconciler.h"

namespace xdpguard::feeds {

using FetchFn = std::function<absl::StatusOr<FetchResponse>(const FetchRequest&)>;
// The host's own addresses and default gateways (protected from every feed).
using LocalAddressesFn = std::function<absl::StatusOr<std::vector<net::Cidr>>()>;
absl::StatusOr<std::vector<net::Cidr>> LocalAddresses();

// Feed origin ids are XG_ORIGIN_FEED_FIRST..kMaxFeedOrigin (maps/xdpguard_maps.h).
inline constexpr uint16_t kMaxFeedOrigin = XG_ORIGIN_FEED_LAST;

struct RefreshOptions {
  std::vector<std::string> only;  // feed names; empty = every configured feed
  // An explicit refresh skips our own backoff after failures; a server's Retry-After /
  // X-RateLimit-Reset is still honoured unless force.
  bool ignore_backoff = false;
  bool force = false;  // also accept a shrink beyond max_shrink
};

struct FeedOutcome {
  std::string name;
  std::string result;  // updated | unchanged | failed | backing-off | cached
  std::string error;
};

struct ApplySummary {
  std::vector<FeedOutcome> feeds;
  lists::ReconcileResult sync;  // yielded: prefixes left to the operator's entries
  size_t union_entries = 0;
  StageClock stages;  // wall time per stage, from Collect to the end of Apply
};

class FeedEngine {
 public:
  FeedEngine(FeedSettings config, FetchFn fetch = HttpFetch,
             LocalAddressesFn local_addresses = LocalAddresses);
  ~FeedEngine();  // waits for cache files still being written

  // Loads origins and prepares the state directory.
  absl::Status Init();

  // For an engine that lives on between refreshes (the service): keep the feeds' last good
  // copies and the applied set in memory instead of reading them back from the state
  // directory at every refresh, and do not rewrite the applied-set file after each one.
  // A copy is used only while it is provably current: a cache file whose stamp (inode,
  // size, mtime) changed, or maps whose list generation moved since our last write
  // (another writer: `block add`, a `feeds refresh` by hand), send the engine back to
  // the files or the maps. Restarts resync from the maps, as before. The new last good
  // copies are written to the state directory by a background thread once the maps
  // enforce them (a restart needs them, the refresh does not wait for them); the next
  // refresh, and the engine's destructor, wait for that write to end.
  void KeepStateInMemory() { keep_in_memory_ = true; }
  // Waits until the last apply's cache files are written (benchmarks, tests; the engine
  // waits by itself before it reads the state directory again).
  void WaitForPersistence() { FinishPersisting(); }

  // Phase 1. Unknown names in options.only are an error (InvalidArgument).
  absl::Status Collect(const RefreshOptions& options);
  // Phase 1 without the network: every feed from its last good copy (a restart enforces
  // the cached feeds before the first fetch).
  absl::Status CollectFromCache();

  // Phase 2: caller holds the writer lock. allowlist: the current allowlist prefixes.
  // resync: diff against the maps themselves (one walk) instead of the applied-state
  // file, so entries changed behind the engine's back (a manual entry written over a feed
  // prefix, then deleted) are restored.
  absl::StatusOr<ApplySummary> Apply(datapath::PrefixTable<xg_rule>* block,
                                     const std::vector<net::Cidr>& allowlist,
                                     bool resync = false);

  // Whether the last Collect left anything for Apply to do. False only when every feed
  // it fetched was a CrowdSec stream that reported no change and no decision has ended
  // since the last apply: a stream polled every second costs one small request then,
  // not a pass over every list. The caller then saves the statuses instead.
  bool ApplyNeeded(int64_t now_unix) const;
  // Writes every feed's status as the last Collect left it (when Apply is skipped).
  void SaveStatuses();

  const FeedStateStore& store() const { return store_; }
  // feed name -> origin id (stable across runs).
  const std::map<std::string, uint16_t>& origins() const { return origins_; }

 private:
  struct Candidate {
    std::shared_ptr<FeedCache> fresh;         // a newly fetched, accepted list (saved after apply)
    std::shared_ptr<const FeedCache> cached;  // the last good copy (state directory or memory)
    FeedStatus status;
    FeedOutcome outcome;
    std::string fresh_etag_, fresh_last_modified_;  // validators of the body being parsed
    bool full_pull = false;  // CrowdSec: this fetch asks for every decision (startup=true)
    bool fetched = false;    // Collect fetched this feed (not cached, not backing off)
  };

  void CollectOne(const feeds::FeedConfig& feed, const RefreshOptions& options, Candidate* c);
  // CrowdSec (feed_engine_crowdsec.cc): a pulled stream body becomes the feed's new
  // decision set, or a failure that keeps the last one.
  void AcceptDecisions(const feeds::FeedConfig& feed, const RefreshOptions& options, const std::string& body,
                       int64_t now, Candidate* c);
  absl::StatusOr<std::string> FetchBody(const feeds::FeedConfig& feed, const FeedCache* cache,
                                        Candidate* c, bool* not_modified);
  void RecordSuccess(int64_t now, const char* result, Candidate* c);
  void RecordFailure(const feeds::FeedConfig& feed, const std::string& reason,
                     const std::string& error, std::optional<int64_t> retry_at, Candidate* c);
  std::shared_ptr<const FeedCache> LoadValidCache(const feeds::FeedConfig& feed);
  // The applied set the feeds own now: memory when current, else the file or the maps.
  absl::StatusOr<const lists::AppliedSet*> CurrentApplied(const datapath::PrefixTable<xg_rule>& block,
                                                         const lists::ReconcileOptions& options,
                                                         lists::AppliedSet* loaded);

  FeedSettings config_;
  FetchFn fetch_;
  LocalAddressesFn local_addresses_;
  FeedStateStore store_;
  std::map<std::string, uint16_t> origins_;
  std::map<std::string, Candidate> candidates_;
  // CrowdSec feeds whose last pull by this engine succeeded: their next pull is a delta.
  // Any failure, and every new engine (start, reload), makes the next one a full pull.
  std::set<std::string> crowdsec_synced_;
  int64_t next_decision_end_ = 0;  // the earliest end of an applied decision (0: none)
  StageClock clock_;

  // KeepStateInMemory: what the state directory and the maps held after our last apply.
  bool keep_in_memory_ = false;
  struct RememberedCache {
    FileStamp stamp;  // of the cache file this copy was read from or written to
    std::shared_ptr<const FeedCache> cache;
  };
  std::map<std::string, RememberedCache> remembered_caches_;
  std::optional<lists::AppliedSet> remembered_applied_;
  uint64_t remembered_generation_ = 0;  // the maps' list generation right after our write
  // The background write of new cache files, and what it recorded (read after the join).
  std::thread persisting_;
  std::map<std::string, RememberedCache> persisted_;
  void SaveCaches(std::vector<std::pair<std::string, std::shared_ptr<const FeedCache>>> caches);
  void FinishPersisting();
};

// The feeds as one owner of blocklist entries (every feed origin): they never overwrite
// the operator's entries (manual and the config file's), and never delete them.
const lists::Owner<xg_rule>& FeedsOwner();

// Seconds until the next attempt after n consecutive failures: exponential from first_s
// (a minute; a CrowdSec stream's own interval), capped at the feed's interval or a minute,
// whichever is longer (and a day), with +-20% jitter so many hosts behind one feed do not
// retry in step.
int64_t BackoffSeconds(uint64_t consecutive_failures, uint64_t interval_s, double jitter01,
                       uint64_t first_s = 60);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_FEED_ENGINE_H_
