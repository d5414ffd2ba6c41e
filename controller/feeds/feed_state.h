// SPDX-License-Identifier: GPL-2.0
// What the feed engine keeps in its state directory, all written atomically and sealed
// (common/sealed_file.h):
//   feeds/NAME.cache   the last good parsed entries of a feed, with the HTTP validators
//                      (ETag, Last-Modified) that belong to exactly these entries; a
//                      restart enforces them before the first fetch
//   feeds/NAME.status  what `feeds status` shows (last attempt, errors, counts, backoff)
//   applied.set        the feed entries the engine has written to the blocklist maps, so
//                      a refresh is a diff, not a rewrite (lists/reconciler.h)
//   origins.json       feed name -> datapath origin id, stable across runs
#ifndef XDPGUARD_FEEDS_FEED_STATE_H_
#define XDPGUARD_FEEDS_FEED_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "feeds/crowdsec_stream.h"
#include "feeds/policy.h"
#include "net/cidr.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {

// Why a refresh failed: the reasons of FeedStatus::errors_total and of the
// xdpguard_feed_errors_total metric (every one exported from the start, at 0).
inline constexpr const char* kFeedErrorReasons[] = {
    "fetch", "timeout", "http", "rate_limited", "config", "oversize", "truncated",
    "parse", "shrink", "max_entries", "apply"};

struct FeedCache {
  std::vector<net::Cidr> cidrs;    // parsed entries (before policy: protection can change)
  // CrowdSec: the decision set (ids, types, ends) these entries come from; cidrs then
  // holds the prefixes of the decisions running when it was pulled.
  std::optional<DecisionSet> decisions;
  // decisions->Active() at fetched_at, kept by the pull that made this copy so the apply
  // right after it does not compute it again (not saved; a copy read back has none).
  std::optional<std::vector<ActiveDecision>> running;
  std::string source_fingerprint;  // URL, format and filters these entries came from
  std::string etag, last_modified;
  bool eof_seen = false;  // the feed has shown a "; EOF" marker: require it from now on
  std::string body_digest;  // size + CRC-32 of the body these entries were parsed from
  int64_t fetched_at = 0;  // unix seconds
};

struct FeedStatus {
  std::string name, source, format;  // source: URL with secrets masked, or file path
  int64_t last_attempt = 0, last_success = 0, last_change = 0;  // unix seconds
  int http_status = 0;
  std::string last_result;  // "updated", "unchanged", "failed", "cached"
  std::string last_error, last_error_reason;
  uint64_t consecutive_failures = 0;
  int64_t retry_not_before = 0;  // unix seconds: Retry-After / rate-limit reset / backoff
  bool retry_set_by_server = false;  // Retry-After or X-RateLimit-Reset, not our backoff
  PrepareReport report;
  size_t invalid = 0;       // unparsable entries in the last accepted body
  uint64_t applied = 0;     // entries of this feed in the datapath (after the union)
  std::map<std::string, uint64_t> errors_total;  // by reason (kFeedErrorReasons), since the state dir exists
  double fetch_seconds = 0;  // how long the last attempt's fetch took
  // CrowdSec: running decisions by type, and decisions of scopes xdpguard does not enforce
  // by scope (since the last full pull), both with bounded labels (crowdsec_feed.h).
  std::map<std::string, uint64_t> decisions_by_type, skipped_by_scope;
  uint64_t decisions_invalid = 0;  // Ip/Range decisions with a bad value, since the last full pull
};

nlohmann::json StatusToJson(const FeedStatus& s);
FeedStatus StatusFromJson(const nlohmann::json& j);

class FeedStateStore {
 public:
  explicit FeedStateStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Creates the directory tree (0700) if missing.
  absl::Status Init() const;

  absl::Status SaveCache(const std::string& feed, const FeedCache& cache) const;
  // NotFound if none; DataLoss if corrupt (the caller logs and ignores it).
  absl::StatusOr<FeedCache> LoadCache(const std::string& feed) const;
  std::string CachePath(const std::string& feed) const { return FeedPath(feed, ".cache"); }

  absl::Status SaveStatus(const FeedStatus& status) const;
  // A missing or unreadable status starts fresh.
  FeedStatus LoadStatus(const std::string& feed) const;

  // Where the feeds' applied entries are recorded (lists/applied_set.h).
  std::string AppliedPath() const { return dir_ + "/applied.set"; }

  absl::StatusOr<std::map<std::string, uint16_t>> LoadOrigins() const;
  absl::Status SaveOrigins(const std::map<std::string, uint16_t>& origins) const;

 private:
  std::string FeedPath(const std::string& feed, const char* ext) const;
  std::string dir_;
};

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_FEED_STATE_H_
