// SPDX-License-Identifier: GPL-2.0
#include "feeds/feed_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <numeric>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/printable.h"
#include "common/sealed_file.h"
#include "feeds/body.h"
#include "feeds/crowdsec_feed.h"
#include "feeds/parsers.h"
#include "feeds/protected_ranges.h"
#include "spdlog/spdlog.h"

namespace xdpguard::feeds {
namespace {

int64_t NowUnix() { return static_cast<int64_t>(time(nullptr)); }

double Jitter() {
  static std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// The API key, read at fetch time so a rotated key needs no restart. Never logged.
absl::StatusOr<std::string> ReadApiKey(const feeds::FeedConfig& feed) {
  if (!feed.api_key_env.empty()) {
    const char* v = getenv(feed.api_key_env.c_str());
    if (!v || !*v)
      return absl::FailedPreconditionError(
          absl::StrCat("environment variable ", feed.api_key_env, " (the API key) is not set"));
    return std::string(absl::StripAsciiWhitespace(v));
  }
  absl::StatusOr<std::string> text = ReadWholeFile(feed.api_key_file, 4096);
  if (!text.ok())
    return absl::FailedPreconditionError(absl::StrCat("cannot read the API key file: ", text.status().message()));
  std::string key(absl::StripAsciiWhitespace(*text));
  if (key.empty()) return absl::FailedPreconditionError(absl::StrCat("API key file ", feed.api_key_file, " is empty"));
  for (char ch : key) {
    if (ch < 0x21 || ch > 0x7e)
      return absl::FailedPreconditionError(absl::StrCat("API key file ", feed.api_key_file, " holds non-printable bytes"));
  }
  return key;
}

bool HasEofConvention(Format f) { return f == Format::kPlain || f == Format::kSpamhausDrop; }

}  // namespace

int64_t BackoffSeconds(uint64_t consecutive_failures, uint64_t interval_s, double jitter01, uint64_t first_s) {
  double base = static_cast<double>(first_s) *
                std::pow(2.0, static_cast<double>(std::min<uint64_t>(consecutive_failures, 20) - 1));
  double cap = static_cast<double>(std::min<uint64_t>(std::max<uint64_t>(interval_s, 60), 86400));
  double d = std::min(base, cap) * (0.8 + 0.4 * jitter01);
  return static_cast<int64_t>(d);
}

absl::StatusOr<std::vector<net::Cidr>> LocalAddresses() {
  absl::StatusOr<std::vector<net::Cidr>> out = HostAddresses();
  if (!out.ok()) return out;
  for (const net::Cidr& gw : DefaultGateways()) out->push_back(gw);
  return out;
}

FeedEngine::FeedEngine(FeedSettings config, FetchFn fetch, LocalAddressesFn local_addresses)
    : config_(std::move(config)),
      fetch_(std::move(fetch)),
      local_addresses_(std::move(local_addresses)),
      store_(config_.state_dir) {}

FeedEngine::~FeedEngine() { FinishPersisting(); }

void FeedEngine::FinishPersisting() {
  if (!persisting_.joinable()) return;
  persisting_.join();
  for (auto& [name, remembered] : persisted_) remembered_caches_[name] = std::move(remembered);
  persisted_.clear();
}

// Writes each feed's new last good copy (sealed, fsynced). A long-lived engine does it in
// the background and remembers each file's stamp, so its next refresh knows the file on
// disk is the copy it holds.
void FeedEngine::SaveCaches(std::vector<std::pair<std::string, std::shared_ptr<const FeedCache>>> caches) {
  auto save = [this](const std::vector<std::pair<std::string, std::shared_ptr<const FeedCache>>>& jobs,
                     std::map<std::string, RememberedCache>* stamps) {
    for (const auto& [name, cache] : jobs) {
      if (absl::Status s = store_.SaveCache(name, *cache); !s.ok()) {
        spdlog::error("feed {}: could not save its last good copy: {}", name, std::string(s.message()));
        continue;
      }
      if (!stamps) continue;
      if (std::optional<FileStamp> stamp = StampOf(store_.CachePath(name))) (*stamps)[name] = {*stamp, cache};
    }
  };
  if (caches.empty()) return;
  if (!keep_in_memory_) {
    save(caches, nullptr);
    return;
  }
  FinishPersisting();
  persisting_ = std::thread([this, save, jobs = std::move(caches)] { save(jobs, &persisted_); });
}

absl::Status FeedEngine::Init() {
  if (absl::Status s = store_.Init(); !s.ok()) return s;
  absl::StatusOr<std::map<std::string, uint16_t>> origins = store_.LoadOrigins();
  if (!origins.ok()) return origins.status();
  origins_ = *origins;
  // Ids index the datapath's per-origin counters (XG_MAX_ORIGINS slots, 0 = manual): a feed
  // takes the smallest free one. Ids of removed feeds are freed only once their entries
  // are gone, so a reused id never mixes two feeds' entries.
  std::set<uint16_t> used;
  for (const auto& [name, id] : origins_) used.insert(id);
  bool added = false;
  for (const feeds::FeedConfig& f : config_.feeds) {
    if (origins_.count(f.name)) continue;
    uint16_t id = 1;
    while (used.count(id)) id++;
    if (id > kMaxFeedOrigin)
      return absl::ResourceExhaustedError(absl::StrCat("at most ", kMaxFeedOrigin, " feeds are supported"));
    origins_[f.name] = id;
    used.insert(id);
    added = true;
  }
  return added ? store_.SaveOrigins(origins_) : absl::OkStatus();
}

std::shared_ptr<const FeedCache> FeedEngine::LoadValidCache(const feeds::FeedConfig& feed) {
  std::optional<FileStamp> stamp;
  if (keep_in_memory_) {
    stamp = StampOf(store_.CachePath(feed.name));
    auto it = remembered_caches_.find(feed.name);
    if (it != remembered_caches_.end()) {
      if (stamp && it->second.stamp == *stamp &&
          it->second.cache->source_fingerprint == feed.SourceFingerprint())
        return it->second.cache;
      remembered_caches_.erase(it);  // rewritten or removed behind our back: read it again
    }
  }
  absl::StatusOr<FeedCache> cache = store_.LoadCache(feed.name);
  if (absl::IsNotFound(cache.status())) return nullptr;
  if (!cache.ok()) {
    spdlog::error("feed {}: {}", feed.name, std::string(cache.status().message()));
    return nullptr;
  }
  if (cache->source_fingerprint != feed.SourceFingerprint()) {
    spdlog::info("feed {}: source, format or filters changed since the cached copy; fetching afresh", feed.name);
    return nullptr;
  }
  auto shared = std::make_shared<const FeedCache>(std::move(*cache));
  if (keep_in_memory_ && stamp) remembered_caches_[feed.name] = {*stamp, shared};
  return shared;
}

absl::StatusOr<const lists::AppliedSet*> FeedEngine::CurrentApplied(const datapath::PrefixTable<xg_rule>& block,
                                                                   const lists::ReconcileOptions& options,
                                                                   lists::AppliedSet* loaded) {
  if (keep_in_memory_ && remembered_applied_ && !options.resync &&
      remembered_applied_->maps_identity == block.Identity()) {
    absl::StatusOr<uint64_t> gen = block.Generation();
    if (gen.ok() && *gen != 0 && *gen == remembered_generation_) return &*remembered_applied_;
    spdlog::debug("feeds: the lists changed since the last apply; reading the applied entries again");
  }
  remembered_applied_.reset();
  absl::StatusOr<lists::AppliedSet> set = lists::LoadApplied(block, FeedsOwner(), options);
  if (!set.ok()) return set.status();
  *loaded = std::move(*set);
  return loaded;
}

// A fetch that ended well: the failure streak, its backoff and its error are over (the
// error's history stays in errors_total).
void FeedEngine::RecordSuccess(int64_t now, const char* result, Candidate* c) {
  c->status.last_success = now;
  c->status.consecutive_failures = 0;
  c->status.retry_not_before = 0;
  c->status.last_result = result;
  c->status.last_error.clear();
  c->status.last_error_reason.clear();
}

void FeedEngine::RecordFailure(const feeds::FeedConfig& feed, const std::string& reason,
                               const std::string& error, std::optional<int64_t> retry_at,
                               Candidate* c) {
  FeedStatus& s = c->status;
  s.consecutive_failures++;
  s.errors_total[reason]++;
  if (std::none_of(std::begin(kFeedErrorReasons), std::end(kFeedErrorReasons),
                   [&](const char* r) { return reason == r; }))
    spdlog::warn("feed {}: failure reason '{}' is missing from kFeedErrorReasons", feed.name, reason);
  s.last_error = error;
  s.last_error_reason = reason;
  s.last_result = "failed";
  // A stream pulled every few seconds retries from its own interval, so a Local API that
  // restarts is followed within seconds, not a minute.
  const uint64_t first = feed.format == Format::kCrowdsec ? std::max<uint64_t>(feed.interval_s, 1) : 60;
  int64_t backoff = NowUnix() + BackoffSeconds(s.consecutive_failures, feed.interval_s, Jitter(), first);
  s.retry_set_by_server = retry_at.has_value();  // the server asked: honour the later of both
  s.retry_not_before = std::max(backoff, retry_at.value_or(0));
  c->outcome = {feed.name, "failed", error};
  spdlog::warn("feed {}: {} ({}); keeping {} last good entries", feed.name, error, reason,
               c->cached ? std::to_string(c->cached->cidrs.size()) : std::string("its applied"));
}

absl::StatusOr<std::string> FeedEngine::FetchBody(const feeds::FeedConfig& feed, const FeedCache* cache,
                                                  Candidate* c, bool* not_modified) {
  *not_modified = false;
  if (!feed.path.empty()) return ReadWholeFile(feed.path, feed.max_bytes);
  FetchRequest req;
  req.url = feed.format == Format::kCrowdsec ? CrowdsecStreamUrl(feed.url, c->full_pull) : feed.RequestUrl();
  req.max_bytes = feed.max_bytes;
  req.connect_timeout_s = feed.connect_timeout_s;
  req.timeout_s = feed.timeout_s;
  req.ca_file = feed.ca_file;
  if (cache && feed.format != Format::kCrowdsec) {  // a stream pull is never conditional
    req.etag = cache->etag;
    req.last_modified = cache->last_modified;
  }
  if (feed.format == Format::kAbuseIpdb) {
    // JSON always: errors are JSON then too, never an HTML page (FORMATS.md 1.1).
    req.headers.push_back("Accept: application/json");
    absl::StatusOr<std::string> key = ReadApiKey(feed);
    if (!key.ok()) return key.status();
    req.secret_headers.push_back("Key: " + *key);
  }
  if (feed.format == Format::kCrowdsec) {
    req.headers.push_back("Accept: application/json");
    absl::StatusOr<std::string> key = ReadApiKey(feed);
    if (!key.ok()) return key.status();
    req.secret_headers.push_back("X-Api-Key: " + *key);
  }
  absl::StatusOr<FetchResponse> resp = fetch_(req);
  if (!resp.ok()) return resp.status();
  c->status.http_status = static_cast<int>(resp->http_status);
  if (resp->http_status == 304) {
    *not_modified = true;
    return std::string();
  }
  if (resp->http_status == 429 || resp->http_status == 503) {
    int64_t now = NowUnix();
    std::optional<int64_t> at;
    if (resp->retry_after_s) at = now + *resp->retry_after_s;
    if (resp->ratelimit_reset_s && *resp->ratelimit_reset_s > now) at = std::max(at.value_or(0), *resp->ratelimit_reset_s);
    // Cap what a server can impose so a bogus header cannot silence a feed for years.
    if (at) at = std::min(*at, now + 7 * 86400);
    c->status.retry_not_before = at.value_or(0);
    return absl::UnavailableError(absl::StrCat("HTTP ", resp->http_status,
                                               at ? absl::StrCat(", server asks to retry in ", *at - now, " s") : ""));
  }
  if (resp->http_status != 200) {
    std::string hint;
    char first = FirstNonBlank(resp->body);
    if (first == '<') hint = " (HTML error page)";
    if (first == '{') {
      absl::StatusOr<std::string> checked = PrepareBody(resp->body, feed.max_bytes, true);
      if (!checked.ok()) hint = absl::StrCat(" (", checked.status().message(), ")");
    }
    return absl::UnavailableError(absl::StrCat("HTTP ", resp->http_status, hint));
  }
  c->fresh_etag_ = resp->etag;
  c->fresh_last_modified_ = resp->last_modified;
  return std::move(resp->body);
}

void FeedEngine::CollectOne(const feeds::FeedConfig& feed, const RefreshOptions& options, Candidate* c) {
  const bool force = options.force;
  c->status = store_.LoadStatus(feed.name);
  c->status.source = feed.DisplaySource();
  c->status.format = FormatName(feed.format);
  c->cached = LoadValidCache(feed);
  clock_.Lap("cache read");
  const int64_t now = NowUnix();
  const bool waiting = c->status.retry_not_before > now &&
                       (c->status.retry_set_by_server ? !force : !(force || options.ignore_backoff));
  if (waiting) {
    c->outcome = {feed.name, "backing-off",
                  absl::StrCat("next attempt in ", c->status.retry_not_before - now, " s (",
                               c->status.last_error_reason, ")")};
    return;
  }
  c->status.last_attempt = now;
  c->status.retry_not_before = 0;  // set again below if this attempt fails
  c->status.retry_set_by_server = false;
  c->fetched = true;
  c->full_pull = feed.format == Format::kCrowdsec &&
                 (!feed.path.empty() || !crowdsec_synced_.count(feed.name) || !c->cached || !c->cached->decisions);
  if (feed.format == Format::kCrowdsec) crowdsec_synced_.erase(feed.name);  // until this pull succeeds
  bool not_modified = false;
  const auto fetch_start = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> body = FetchBody(feed, c->cached.get(), c, &not_modified);
  c->status.fetch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fetch_start).count();
  clock_.Lap("fetch");
  if (!body.ok()) {
    std::string reason = absl::IsResourceExhausted(body.status()) ? "oversize"
                         : absl::IsDeadlineExceeded(body.status()) ? "timeout"
                         : absl::IsDataLoss(body.status())         ? "truncated"
                         : c->status.http_status == 429           ? "rate_limited"
                         : c->status.http_status >= 400           ? "http"
                         : absl::IsFailedPrecondition(body.status()) ? "config"
                                                                   : "fetch";
    std::optional<int64_t> retry_at;
    if (c->status.retry_not_before > now) retry_at = c->status.retry_not_before;
    RecordFailure(feed, reason, std::string(body.status().message()), retry_at, c);
    return;
  }
  if (feed.format == Format::kCrowdsec) {
    AcceptDecisions(feed, options, *body, now, c);
    return;
  }
  if (not_modified) {
    RecordSuccess(now, "unchanged", c);
    c->outcome = {feed.name, "unchanged", "HTTP 304"};
    return;
  }
  // The same bytes as the last good copy (servers without ETag support): nothing to parse.
  const std::string digest = absl::StrCat(body->size(), ":", Crc32(*body));
  clock_.Lap("digest");
  if (c->cached && c->cached->body_digest == digest) {
    RecordSuccess(now, "unchanged", c);
    c->outcome = {feed.name, "unchanged", "same body"};
    return;
  }
  absl::StatusOr<ParsedFeed> parsed = ParseFeedBody(feed.format, std::move(*body), feed.options, feed.max_bytes);
  clock_.Lap("parse");
  if (!parsed.ok()) {
    RecordFailure(feed, absl::IsResourceExhausted(parsed.status()) ? "oversize"
                        : absl::IsDataLoss(parsed.status())        ? "truncated"
                                                                   : "parse",
                  std::string(parsed.status().message()), std::nullopt, c);
    return;
  }
  if (c->cached && c->cached->eof_seen && HasEofConvention(feed.format) && !parsed->eof_marker) {
    RecordFailure(feed, "truncated", "the '; EOF' line this feed always had is missing: truncated download",
                  std::nullopt, c);
    return;
  }
  if (parsed->invalid > 0)
    spdlog::warn("feed {}: {} invalid entries skipped (e.g. '{}')", feed.name, parsed->invalid,
                 absl::StrJoin(parsed->invalid_examples, "', '"));
  if (parsed->host_bits_masked > 0)
    spdlog::info("feed {}: {} entries had host bits set; masked", feed.name, parsed->host_bits_masked);
  SortUnique(&parsed->cidrs);
  clock_.Lap("sort");
  if (c->cached && !force) {
    double kept = static_cast<double>(parsed->cidrs.size());
    double before = static_cast<double>(c->cached->cidrs.size());
    if (before > 0 && kept < before * (1.0 - feed.max_shrink)) {
      RecordFailure(feed, "shrink",
                    absl::StrCat("the list shrank from ", c->cached->cidrs.size(), " to ", parsed->cidrs.size(),
                                 " entries, more than max_shrink ", feed.max_shrink,
                                 " allows (feeds refresh --force accepts it)"),
                    std::nullopt, c);
      return;
    }
  }
  auto fresh = std::make_shared<FeedCache>();
  fresh->cidrs = std::move(parsed->cidrs);
  fresh->source_fingerprint = feed.SourceFingerprint();
  fresh->etag = c->fresh_etag_;
  fresh->last_modified = c->fresh_last_modified_;
  fresh->eof_seen = (c->cached && c->cached->eof_seen) || parsed->eof_marker;
  fresh->fetched_at = now;
  fresh->body_digest = digest;
  // Same entries from different bytes (a new timestamp in a header): unchanged, but the
  // copy is saved again so the next identical body is recognised without parsing.
  bool same = c->cached && c->cached->cidrs == fresh->cidrs;
  c->status.invalid = parsed->invalid;
  RecordSuccess(now, same ? "unchanged" : "updated", c);
  if (!same) c->status.last_change = now;
  c->outcome = {feed.name, c->status.last_result, ""};
  c->fresh = std::move(fresh);
  clock_.Lap("compare");
}

absl::Status FeedEngine::Collect(const RefreshOptions& options) {
  for (const std::string& name : options.only) {
    if (!config_.FindFeed(name))
      return absl::InvalidArgumentError(absl::StrCat("no feed named \"", name, "\" in ", config_.source));
  }
  FinishPersisting();
  candidates_.clear();
  clock_.Reset();
  for (const feeds::FeedConfig& feed : config_.feeds) {
    Candidate& c = candidates_[feed.name];
    bool selected = options.only.empty() ||
                    std::find(options.only.begin(), options.only.end(), feed.name) != options.only.end();
    if (selected) {
      CollectOne(feed, options, &c);
    } else {
      c.status = store_.LoadStatus(feed.name);
      c.cached = LoadValidCache(feed);
      c.outcome = {feed.name, "cached", ""};
    }
  }
  clock_.Lap("cache read");
  return absl::OkStatus();
}

absl::Status FeedEngine::CollectFromCache() {
  FinishPersisting();
  candidates_.clear();
  clock_.Reset();
  for (const feeds::FeedConfig& feed : config_.feeds) {
    Candidate& c = candidates_[feed.name];
    c.status = store_.LoadStatus(feed.name);
    c.cached = LoadValidCache(feed);
    c.outcome = {feed.name, "cached", ""};
  }
  clock_.Lap("cache read");
  return absl::OkStatus();
}

const lists::Owner<xg_rule>& FeedsOwner() {
  static const lists::Owner<xg_rule> owner{
      "feeds", [](const xg_rule& r) { return !lists::IsOperatorOrigin(r.origin); },
      [](const xg_rule& r) { return lists::IsOperatorOrigin(r.origin); }};
  return owner;
}

absl::StatusOr<ApplySummary> FeedEngine::Apply(datapath::PrefixTable<xg_rule>* block,
                                               const std::vector<net::Cidr>& allowlist,
                                               bool resync) {
  FinishPersisting();
  absl::StatusOr<std::vector<net::Cidr>> local = local_addresses_();
  if (!local.ok()) return local.status();
  RangeList protected_ranges = BuildProtectedRanges(config_.protect, allowlist, *local, {});

  lists::ReconcileOptions reconcile;
  reconcile.state_path = store_.AppliedPath();
  reconcile.resync = resync;
  reconcile.clock = &clock_;
  clock_.Lap("collect");  // anything since Collect: the caller's lock and map opening
  reconcile.save_state = !keep_in_memory_;
  lists::AppliedSet loaded;
  absl::StatusOr<const lists::AppliedSet*> before = CurrentApplied(*block, reconcile, &loaded);
  if (!before.ok()) return before.status();
  clock_.Lap("applied state read");

  // Per feed: its prepared entries, from the fresh list, else the last good copy, else
  // what is applied for it now (cache lost: keep enforcing, never drop a feed's entries
  // because a file went bad). A feed is one source with its rule; a CrowdSec feed is one
  // source per group of running decisions that share a rule and a deadline.
  struct Source {
    lists::RuleOptions rule;
    uint16_t origin = 0;
    int64_t deadline_unix_s = 0;  // 0: none
    std::vector<net::Cidr> cidrs;
  };
  std::vector<Source> sources;
  const int64_t now_unix = NowUnix();
  next_decision_end_ = 0;
  for (size_t i = 0; i < config_.feeds.size(); i++) {
    const feeds::FeedConfig& feed = config_.feeds[i];
    Candidate& c = candidates_[feed.name];
    const uint16_t origin = origins_.at(feed.name);
    const FeedCache* decided = c.fresh ? c.fresh.get() : c.cached.get();
    if (feed.format == Format::kCrowdsec && decided && decided->decisions) {
      PrepareReport total;
      // What runs now: the pull's own list less what ended since, else from the set.
      std::vector<ActiveDecision> running;
      if (decided->running) {
        running.reserve(decided->running->size());
        for (const ActiveDecision& a : *decided->running)
          if (a.expires_unix_s > now_unix) running.push_back(a);
      } else {
        running = decided->decisions->Active(now_unix);
      }
      for (DecisionGroup& g : GroupDecisions(running, feed.decision_types, feed.rule)) {
        PrepareReport report;
        absl::StatusOr<std::vector<net::Cidr>> p = PrepareEntries(g.cidrs, feed.limits, protected_ranges, &report);
        total.parsed += report.parsed;
        total.duplicates += report.duplicates;
        total.too_short += report.too_short;
        total.protected_rejected += report.protected_rejected;
        total.aggregated += report.aggregated;
        for (std::string& e : report.rejected_examples)
          if (total.rejected_examples.size() < 5) total.rejected_examples.push_back(std::move(e));
        if (p.ok()) sources.push_back({g.rule, origin, g.deadline_unix_s, std::move(*p)});
      }
      if (total.protected_rejected + total.too_short > 0)
        spdlog::warn("feed {}: {} decisions refused ({} protected, {} too short), e.g. {}", feed.name,
                     total.protected_rejected + total.too_short, total.protected_rejected, total.too_short,
                     absl::StrJoin(total.rejected_examples, "; "));
      c.status.report = total;
      const int64_t end = decided->decisions->NextEnd(now_unix);
      if (end && (!next_decision_end_ || end < next_decision_end_)) next_decision_end_ = end;
      continue;
    }
    Source& source = sources.emplace_back();
    source.rule = feed.rule;
    source.origin = origin;
    bool done = false;
    for (int pass = 0; pass < 2 && !done; pass++) {
      const bool from_fresh = pass == 0;
      const FeedCache* copy = from_fresh ? c.fresh.get() : c.cached.get();
      if (!copy) continue;
      PrepareReport report;
      absl::StatusOr<std::vector<net::Cidr>> p = PrepareEntries(copy->cidrs, feed.limits, protected_ranges, &report);
      if (!p.ok()) {
        if (from_fresh) {
          RecordFailure(feed, "max_entries", std::string(p.status().message()), std::nullopt, &c);
          c.fresh.reset();
        }
        continue;
      }
      if (report.protected_rejected + report.too_short > 0)
        spdlog::warn("feed {}: {} entries refused ({} protected, {} too short), e.g. {}", feed.name,
                     report.protected_rejected + report.too_short, report.protected_rejected,
                     report.too_short, absl::StrJoin(report.rejected_examples, "; "));
      c.status.report = report;
      source.cidrs = std::move(*p);
      done = true;
    }
    if (!done) {
      for (const lists::AppliedEntry& e : (*before)->entries) {
        if (e.origin == origin) source.cidrs.push_back(e.cidr);
      }
      if (!source.cidrs.empty())
        spdlog::warn("feed {}: no usable copy; keeping its {} applied entries", feed.name, source.cidrs.size());
    }
  }

  clock_.Lap("policy");
  // Strictest rule first; among equal rules the longest-lasting (no deadline, then the
  // latest), then config order: a prefix listed by several sources takes the first.
  std::vector<size_t> by_deadline(sources.size());
  std::iota(by_deadline.begin(), by_deadline.end(), 0);
  std::stable_sort(by_deadline.begin(), by_deadline.end(), [&](size_t a, size_t b) {
    auto lasting = [&](size_t k) { return sources[k].deadline_unix_s ? sources[k].deadline_unix_s : INT64_MAX; };
    return lasting(a) > lasting(b);
  });
  std::vector<lists::RuleOptions> rules;
  for (size_t k : by_deadline) rules.push_back(sources[k].rule);
  lists::DesiredSet<xg_rule> desired;  // value k is source k's rule
  const uint64_t now_real = static_cast<uint64_t>(now_unix);
  for (const Source& source : sources) {
    xg_rule& rule = desired.values.emplace_back(lists::MakeManualRule(net::Cidr{}, source.rule, 0, now_real));
    rule.origin = source.origin;
    // Feed entries leave when the feed drops them; decisions also carry their deadline, so
    // the datapath ends them even if the service cannot.
    rule.expires_ns = source.deadline_unix_s ? MonotonicDeadlineNs(source.deadline_unix_s) : 0;
  }
  std::vector<FeedSet> sets;
  for (size_t r : StrictestFirst(rules)) {
    const size_t k = by_deadline[r];
    sets.push_back({static_cast<uint32_t>(k), &sources[k].cidrs});
  }
  desired.items = UnionFeeds(sets);
  const size_t union_entries = desired.items.size();
  clock_.Lap("union");

  absl::StatusOr<lists::Reconciled> sync =
      lists::Reconcile(block, FeedsOwner(), **before, std::move(desired), reconcile);
  if (!sync.ok()) {
    remembered_applied_.reset();
    for (auto& [name, c] : candidates_) {
      if (!c.fresh) continue;
      const feeds::FeedConfig* feed = config_.FindFeed(name);
      RecordFailure(*feed, "apply", std::string(sync.status().message()), std::nullopt, &c);
      (void)store_.SaveStatus(c.status);
    }
    return sync.status();
  }

  std::map<uint16_t, uint64_t> per_origin;
  for (const lists::AppliedEntry& e : sync->applied.entries) per_origin[e.origin]++;
  ApplySummary summary;
  summary.sync = std::move(sync->result);
  summary.union_entries = union_entries;
  if (keep_in_memory_) {
    absl::StatusOr<uint64_t> gen = block->Generation();
    remembered_generation_ = gen.ok() ? *gen : 0;  // 0: never matches, read again next time
    remembered_applied_ = std::move(sync->applied);
  }
  std::vector<std::pair<std::string, std::shared_ptr<const FeedCache>>> new_caches;
  for (const feeds::FeedConfig& feed : config_.feeds) {
    Candidate& c = candidates_[feed.name];
    if (c.fresh && (c.outcome.result == "updated" || c.fresh->body_digest != c.cached->body_digest ||
                    c.fresh->etag != c.cached->etag))
      new_caches.emplace_back(feed.name, c.fresh);
    c.status.name = feed.name;
    c.status.applied = per_origin[origins_.at(feed.name)];
    if (absl::Status s = store_.SaveStatus(c.status); !s.ok())
      spdlog::error("feed {}: could not save status: {}", feed.name, std::string(s.message()));
    summary.feeds.push_back(c.outcome);
  }
  SaveCaches(std::move(new_caches));
  clock_.Lap("feed state write");
  // Feeds gone from the config: their entries were just removed; forget their ids.
  bool pruned = false;
  for (auto it = origins_.begin(); it != origins_.end();) {
    if (!config_.FindFeed(it->first) && !per_origin.count(it->second)) {
      it = origins_.erase(it);
      pruned = true;
    } else {
      ++it;
    }
  }
  if (pruned) (void)store_.SaveOrigins(origins_);
  summary.stages = clock_;
  return summary;
}

}  // namespace xdpguard::feeds
