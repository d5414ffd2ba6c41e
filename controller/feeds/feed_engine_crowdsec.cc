// SPDX-License-Identifier: GPL-2.0
// The feed engine's CrowdSec part: a pulled decision stream becomes the feed's next
// decision set (a full pull replaces it, a delta edits a copy of the last good one), with
// the same refusals as any feed: a body that is not the stream, a cut body, a pull that
// would delete more than max_shrink of the set, more decisions than max_entries. Every
// refusal keeps the last good set enforced and makes the next pull a full one.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "feeds/crowdsec_feed.h"
#include "feeds/feed_engine.h"
#include "spdlog/spdlog.h"

namespace xdpguard::feeds {
namespace {

// Running decisions as compared between two pulls: prefix, type and datapath deadline.
struct Running {
  net::Cidr cidr;
  std::string type;
  int64_t deadline;
  friend bool operator==(const Running& a, const Running& b) {
    return a.cidr == b.cidr && a.type == b.type && a.deadline == b.deadline;
  }
};

std::vector<Running> RunningOf(const std::vector<ActiveDecision>& active) {
  std::vector<Running> out;
  out.reserve(active.size());
  for (const ActiveDecision& a : active) {
    const int64_t step = kDecisionDeadlineStepS;
    out.push_back({a.cidr, a.type, (a.expires_unix_s + step - 1) / step * step});
  }
  return out;
}

std::string DescribeSkipped(const std::map<std::string, size_t>& by_scope) {
  std::vector<std::string> parts;
  for (const auto& [scope, n] : by_scope) parts.push_back(absl::StrCat(n, " ", scope));
  return absl::StrJoin(parts, ", ");
}

}  // namespace

void FeedEngine::AcceptDecisions(const feeds::FeedConfig& feed, const RefreshOptions& options,
                                 const std::string& body, int64_t now, Candidate* c) {
  absl::StatusOr<DecisionBatch> batch = ParseDecisionStream(body);
  clock_.Lap("parse");
  if (!batch.ok()) {
    RecordFailure(feed, absl::IsDataLoss(batch.status()) ? "truncated" : "parse",
                  std::string(batch.status().message()), std::nullopt, c);
    return;
  }
  const DecisionSet* last = c->cached && c->cached->decisions ? &*c->cached->decisions : nullptr;
  DecisionSet set;
  if (c->full_pull) {
    set.Replace(*batch, now);
  } else {
    set = *last;
    if (absl::Status s = set.Apply(*batch, now, options.force ? 1.0 : feed.max_shrink); !s.ok()) {
      RecordFailure(feed, "shrink", std::string(s.message()), std::nullopt, c);
      return;
    }
  }
  clock_.Lap("decision set");
  std::vector<ActiveDecision> active = set.Active(now);
  clock_.Lap("running decisions");
  // Only a full pull compares with what ran before (a delta says itself what changed): the
  // set's running decisions are computed once more only then.
  std::vector<ActiveDecision> before;
  if (c->full_pull && last) before = last->Active(now);
  const size_t running_before = before.size();
  // A full pull that loses most of a big set is the same alarm as a delta that does
  // (DecisionSet::Apply): the Local API's database was reset, or another one answers.
  if (c->full_pull && !options.force && running_before >= 100 &&
      static_cast<double>(active.size()) < static_cast<double>(running_before) * (1.0 - feed.max_shrink)) {
    RecordFailure(feed, "shrink",
                  absl::StrCat("the full pull has ", active.size(), " running decisions where there were ",
                               running_before, ", a loss beyond max_shrink ", feed.max_shrink,
                               " (feeds refresh --force accepts it)"),
                  std::nullopt, c);
    return;
  }
  if (active.size() > feed.limits.max_entries) {
    RecordFailure(feed, "max_entries",
                  absl::StrCat(active.size(), " running decisions, more than max_entries ", feed.limits.max_entries),
                  std::nullopt, c);
    return;
  }
  crowdsec_synced_.insert(feed.name);  // the next pull is a delta from this set
  if (!batch->skipped_scopes.empty())
    spdlog::info("feed {}: skipped decisions of scopes xdpguard does not enforce (only Ip and Range): {}",
                 feed.name, DescribeSkipped(batch->skipped_scopes));
  if (batch->invalid > 0)
    spdlog::warn("feed {}: {} Ip/Range decisions with a value that is not an address or prefix skipped",
                 feed.name, batch->invalid);

  FeedStatus& s = c->status;
  if (c->full_pull) {
    s.skipped_by_scope.clear();
    s.decisions_invalid = 0;
  }
  for (const auto& [scope, n] : batch->skipped_scopes) s.skipped_by_scope[ScopeLabel(scope)] += n;
  s.decisions_invalid += batch->invalid;
  s.decisions_by_type.clear();
  for (const ActiveDecision& a : active) s.decisions_by_type[TypeLabel(a.type, feed.decision_types)]++;
  s.invalid = s.decisions_invalid;

  // Nothing new and nothing removed: the Local API repeats a deletion in later deltas (an
  // expired decision shows up again), which changes nothing here.
  const bool quiet_delta = !c->full_pull && batch->added.empty() && set.size() == (last ? last->size() : 0);
  if (quiet_delta) {  // nothing new: the last good set stands as it is
    RecordSuccess(now, "unchanged", c);
    c->outcome = {feed.name, "unchanged", "no new or deleted decisions"};
    return;
  }
  const bool same = c->full_pull && last && RunningOf(before) == RunningOf(active);
  clock_.Lap("compare");
  auto fresh = std::make_shared<FeedCache>();
  for (const ActiveDecision& a : active) fresh->cidrs.push_back(a.cidr);
  fresh->cidrs.erase(std::unique(fresh->cidrs.begin(), fresh->cidrs.end()), fresh->cidrs.end());
  fresh->source_fingerprint = feed.SourceFingerprint();
  fresh->fetched_at = now;
  // The set changed (ids, or decisions ended) even when what runs did not: a digest that
  // differs from the last copy's has it saved again. Not a checksum of the saved form:
  // serialising 100,000 decisions costs 150 ms, which the save does later, off this path.
  fresh->body_digest = absl::StrCat("pull ", now, " ", c->full_pull ? "full" : "delta", " ", set.size(), " +",
                                    batch->added.size(), " -", batch->deleted.size());
  fresh->running = active;
  fresh->decisions = std::move(set);
  RecordSuccess(now, same ? "unchanged" : "updated", c);
  if (!same) s.last_change = now;
  c->outcome = {feed.name, s.last_result,
                absl::StrCat(c->full_pull ? "full pull: " : "delta: ", batch->added.size(), " new, ",
                             batch->deleted.size(), " deleted, ", active.size(), " running")};
  c->fresh = std::move(fresh);
  clock_.Lap("new copy");
}

bool FeedEngine::ApplyNeeded(int64_t now_unix) const {
  if (next_decision_end_ && now_unix >= next_decision_end_) return true;
  for (const auto& [name, c] : candidates_) {
    if (!c.fetched) continue;
    const feeds::FeedConfig* feed = config_.FindFeed(name);
    if (!feed || feed->format != Format::kCrowdsec) return true;  // other feeds: as always
    if (c.fresh) return true;
  }
  return false;
}

void FeedEngine::SaveStatuses() {
  for (auto& [name, c] : candidates_) {
    if (!c.fetched) continue;
    c.status.name = name;
    if (absl::Status s = store_.SaveStatus(c.status); !s.ok())
      spdlog::error("feed {}: could not save status: {}", name, std::string(s.message()));
  }
}

}  // namespace xdpguard::feeds
