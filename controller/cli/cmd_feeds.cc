// SPDX-License-Identifier: GPL-2.0
// feeds apply|refresh|status and check: the config file's feeds, run once from the CLI.
// Fetching happens before the writer lock is taken (a slow server never blocks other
// writers); the map update happens under it, so a daemon and CLIs never interleave.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "daemon/feeds_apply.h"
#include "session/session.h"
#include "common/duration.h"
#include "config/config.h"
#include "feeds/feed_engine.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {

std::string ConfigPath(const Args& args) {
  if (auto c = args.Value("config")) return *c;
  if (const char* env = getenv("XDPGUARD_CONFIG"); env && *env) return env;
  return config::kDefaultConfigPath;
}

namespace {

std::string When(int64_t unix_s) {
  if (unix_s <= 0) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(unix_s), absl::UTCTimeZone());
}

// Entries that reached the map per entries that survived the checks: 1.0 = nothing merged.
double AggregationRatio(const feeds::PrepareReport& r) {
  size_t eligible = r.parsed - r.duplicates - r.too_short - r.protected_rejected;
  return eligible ? static_cast<double>(r.aggregated) / static_cast<double>(eligible) : 1.0;
}

int64_t NextRefresh(const feeds::FeedStatus& s, const feeds::FeedConfig& f) {
  int64_t base = s.last_attempt > 0 ? s.last_attempt + static_cast<int64_t>(f.interval_s) : 0;
  return std::max(base, s.retry_not_before);
}

void PrintOutcome(const feeds::FeedOutcome& o, const feeds::FeedStatus& s) {
  const feeds::PrepareReport& r = s.report;
  std::printf("%-20s %-11s parsed %zu, refused %zu (protected %zu, short %zu), %zu after aggregation, %llu applied%s%s\n",
              o.name.c_str(), o.result.c_str(), r.parsed - r.duplicates,
              r.protected_rejected + r.too_short, r.protected_rejected, r.too_short, r.aggregated,
              static_cast<unsigned long long>(s.applied), o.error.empty() ? "" : ": ",
              o.error.c_str());
}

// explicit_refresh: `feeds refresh` (now, past our own backoff) vs `feeds apply` (schedule).
int RunRefresh(const Context& ctx, const Args& args, std::vector<std::string> only, bool explicit_refresh) {
  absl::StatusOr<config::Config> cfg = config::LoadConfig(ConfigPath(args));
  if (!cfg.ok()) return Fail(cfg.status());
  if (cfg->feeds.empty()) return Fail(absl::InvalidArgumentError(cfg->source + " configures no feeds"));
  // Fail before any fetch if there is nothing to apply to.
  if (absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> probe = session::OpenForRead(ctx.pin_dir); !probe.ok())
    return Fail(probe.status());
  feeds::FeedEngine engine(*cfg);
  if (absl::Status s = engine.Init(); !s.ok()) return Fail(s);
  feeds::RefreshOptions options;
  options.only = std::move(only);
  options.force = args.Has("force");
  options.ignore_backoff = explicit_refresh;
  if (absl::Status s = engine.Collect(options); !s.ok()) return Fail(s);

  absl::StatusOr<feeds::ApplySummary> summary = daemon::ApplyFeedsLocked(ctx.pin_dir, engine, args.Has("resync"));
  if (!summary.ok()) return Fail(summary.status());

  bool failed = false;
  for (const feeds::FeedOutcome& o : summary->feeds) {
    PrintOutcome(o, engine.store().LoadStatus(o.name));
    failed |= o.result == "failed";
  }
  const lists::ReconcileResult& s = summary->sync;
  std::printf("blocklist: %zu feed entries; %zu added, %zu changed, %zu removed, %zu unchanged",
              summary->union_entries, s.added, s.changed, s.deleted, s.unchanged);
  if (!s.yielded.empty()) std::printf("; %zu left to manual entries", s.yielded.size());
  std::printf("\n");
  return failed ? kExitFailure : kExitOk;
}

int RunFeedsStatus(const Args& args) {
  absl::StatusOr<config::Config> cfg = config::LoadConfig(ConfigPath(args));
  if (!cfg.ok()) return Fail(cfg.status());
  feeds::FeedStateStore store(cfg->state_dir);
  // The datapath knows feeds by origin id; JSON keeps that form ("feed:N") beside the name.
  std::map<std::string, uint16_t> origins = store.LoadOrigins().value_or(std::map<std::string, uint16_t>{});
  nlohmann::json out = nlohmann::json::array();
  for (const feeds::FeedConfig& f : cfg->feeds) {
    feeds::FeedStatus s = store.LoadStatus(f.name);
    nlohmann::json j = feeds::StatusToJson(s);
    j["source"] = f.DisplaySource();
    j["format"] = feeds::FormatName(f.format);
    j["interval_s"] = f.interval_s;
    j["next_refresh"] = NextRefresh(s, f);
    j["aggregation_ratio"] = AggregationRatio(s.report);
    j["origin"] = origins.count(f.name) ? absl::StrCat("feed:", origins[f.name]) : "";
    out.push_back(j);
  }
  if (args.Has("json")) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const nlohmann::json& j : out) {
    feeds::FeedStatus s = feeds::StatusFromJson(j);
    std::printf("%s (%s, %s) %s\n", s.name.c_str(), j["format"].get<std::string>().c_str(),
                j["origin"].get<std::string>().empty() ? "no origin yet" : j["origin"].get<std::string>().c_str(),
                j["source"].get<std::string>().c_str());
    std::string http = s.http_status ? absl::StrCat(", HTTP ", s.http_status) : "";
    std::printf("  last attempt %s, last success %s%s, result %s\n", When(s.last_attempt).c_str(),
                When(s.last_success).c_str(), http.c_str(), s.last_result.empty() ? "-" : s.last_result.c_str());
    std::printf("  entries: parsed %zu, invalid %zu, refused %zu, applied %llu, aggregation %.2f\n",
                s.report.parsed - s.report.duplicates, s.invalid, s.report.too_short + s.report.protected_rejected,
                static_cast<unsigned long long>(s.applied), j["aggregation_ratio"].get<double>());
    if (j["format"] == "crowdsec") {
      auto counts = [](const std::map<std::string, uint64_t>& m) {
        std::vector<std::string> parts;
        for (const auto& [k, n] : m) parts.push_back(absl::StrCat(k, " ", n));
        return parts.empty() ? std::string("none") : absl::StrJoin(parts, ", ");
      };
      std::printf("  decisions running: %s; skipped scopes: %s; last pull took %.3f s\n",
                  counts(s.decisions_by_type).c_str(), counts(s.skipped_by_scope).c_str(), s.fetch_seconds);
    }
    std::printf("  next refresh %s", When(j["next_refresh"].get<int64_t>()).c_str());
    if (!s.last_error.empty() && s.consecutive_failures > 0)
      std::printf("; last error (%s, %llu in a row): %s", s.last_error_reason.c_str(),
                  static_cast<unsigned long long>(s.consecutive_failures), s.last_error.c_str());
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace

int RunFeeds(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args =
      Args::Parse(argv, {{"json", "force", "resync"}, {"config"}});
  if (!args.ok()) return Fail(args.status());
  const auto& pos = args->positionals();
  if (pos.empty())
    return Fail(absl::InvalidArgumentError("usage: xdpguard feeds apply|refresh [NAME...]|status|run [--config FILE]"));
  const std::string& sub = pos[0];
  if (sub == "apply") {
    if (pos.size() != 1) return Fail(absl::InvalidArgumentError("feeds apply takes no names (use feeds refresh NAME)"));
    return RunRefresh(ctx, *args, {}, false);
  }
  if (sub == "refresh") return RunRefresh(ctx, *args, std::vector<std::string>(pos.begin() + 1, pos.end()), true);
  if (sub == "status") return RunFeedsStatus(*args);
  if (sub == "run") return RunFeedsLoop(ctx, *args);
  return Fail(absl::InvalidArgumentError(absl::StrCat("unknown feeds command '", sub, "'")));
}

int RunCheck(const Context&, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{}, {"config"}});
  if (!args.ok()) return Fail(args.status());
  if (!args->positionals().empty()) return Fail(absl::InvalidArgumentError("usage: xdpguard check [--config FILE]"));
  absl::StatusOr<config::Config> cfg = config::LoadConfig(ConfigPath(*args));
  if (!cfg.ok()) return Fail(cfg.status());
  for (const std::string& w : cfg->warnings) std::fprintf(stderr, "xdpguard: warning: %s\n", w.c_str());
  std::printf("%s: OK (%zu feeds, state in %s)\n", cfg->source.c_str(), cfg->feeds.size(), cfg->state_dir.c_str());
  return kExitOk;
}

}  // namespace xdpguard::cli
