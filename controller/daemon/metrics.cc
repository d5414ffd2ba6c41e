// SPDX-License-Identifier: GPL-2.0
#include "daemon/metrics.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "datapath/counters.h"
#include "datapath/pinned_maps.h"
#include "feeds/feed_state.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"
#include "xdpguard_guard.h"
#include "lists/manual_rules.h"
#include "guard/event_format.h"
#include "lists/origin_names.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(const std::string& name, const std::string& help, MetricType type) {
  return MetricFamily{name, help, type, {}};
}

void Add(MetricFamily* f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f->type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f->metric.push_back(std::move(m));
}

// Entries per origin and family, map fill ratios, and when they were counted.
void AddCensus(const std::shared_ptr<const Census>& census, const lists::OriginNames& names,
               std::vector<MetricFamily>* out) {
  if (!census) return;  // the first census has not finished yet
  MetricFamily block = Family("xdpguard_blocklist_entries", "Blocklist entries by origin (manual, config or feed name) and family, at the last census", MetricType::Gauge);
  MetricFamily allow = Family("xdpguard_allowlist_entries", "Allowlist entries by origin and family, at the last census", MetricType::Gauge);
  for (uint32_t o = 0; o < XG_MAX_ORIGINS; o++) {
    const bool named = names.IsNamed(static_cast<uint16_t>(o));
    const std::string origin = names.Name(static_cast<uint16_t>(o));
    for (int fam = 0; fam < 2; fam++) {
      // Every named origin appears (zero included); unnamed ids only when they hold entries.
      if (named || census->block[o][fam]) Add(&block, {{"family", datapath::FamilyName(fam)}, {"origin", origin}}, static_cast<double>(census->block[o][fam]));
      if (named || census->allow[o][fam]) Add(&allow, {{"family", datapath::FamilyName(fam)}, {"origin", origin}}, static_cast<double>(census->allow[o][fam]));
    }
  }
  out->push_back(block);
  out->push_back(allow);
  MetricFamily fill = Family("xdpguard_map_fill_ratio", "Entries / max_entries of each sized map at the last census (LRU maps at 1 are evicting)", MetricType::Gauge);
  MetricFamily capacity = Family("xdpguard_map_max_entries", "Capacity of each sized map", MetricType::Gauge);
  for (const MapFill& f : census->fill) {
    Add(&fill, {{"map", f.map}}, f.max_entries ? static_cast<double>(f.entries) / f.max_entries : 0);
    Add(&capacity, {{"map", f.map}}, static_cast<double>(f.max_entries));
  }
  out->push_back(fill);
  out->push_back(capacity);
  MetricFamily when = Family("xdpguard_map_census_timestamp_seconds", "Unix time of the last map census (entry counts and fill ratios)", MetricType::Gauge);
  Add(&when, {}, census->taken_unix_seconds);
  out->push_back(when);
  MetricFamily took = Family("xdpguard_map_census_duration_seconds", "How long the last map census took", MetricType::Gauge);
  Add(&took, {}, census->duration_seconds);
  out->push_back(took);
}

}  // namespace

void MetricsCollector::SetConfig(const config::Config& cfg) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = std::make_shared<const config::Config>(cfg);
}

void MetricsCollector::SetInterfaceSource(std::shared_ptr<const InterfaceWatch> watch) {
  std::lock_guard<std::mutex> lock(mu_);
  interfaces_ = std::move(watch);
}

void MetricsCollector::RecordReload(bool accepted) {
  std::lock_guard<std::mutex> lock(mu_);
  last_reload_ok_ = accepted;
  (accepted ? reloads_ok_ : reloads_refused_)++;
}

std::vector<MetricFamily> MetricsCollector::Collect() const {
  std::shared_ptr<const config::Config> cfg;
  bool last_reload_ok;
  uint64_t reloads_ok, reloads_refused;
  std::shared_ptr<const InterfaceWatch> interfaces;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cfg = config_;
    interfaces = interfaces_;
    last_reload_ok = last_reload_ok_;
    reloads_ok = reloads_ok_;
    reloads_refused = reloads_refused_;
  }
  std::vector<MetricFamily> out;
  MetricFamily reload_ok = Family("xdpguard_config_last_reload_successful", "1 if the last reload (SIGHUP) applied its config, 0 if it was refused and the previous config runs on", MetricType::Gauge);
  Add(&reload_ok, {}, last_reload_ok ? 1 : 0);
  out.push_back(reload_ok);
  MetricFamily reloads = Family("xdpguard_config_reloads_total", "Reload attempts by result (applied or refused)", MetricType::Counter);
  Add(&reloads, {{"result", "applied"}}, static_cast<double>(reloads_ok));
  Add(&reloads, {{"result", "refused"}}, static_cast<double>(reloads_refused));
  out.push_back(reloads);
  if (interfaces) {
    // One series per configured interface (bounded by the config): attached 1 only while
    // xdpguard's own program is on it; mode "none" otherwise.
    MetricFamily attached = Family("xdpguard_interface_attached", "1 while xdpguard's program is attached to the configured interface (mode: native, generic, ...), 0 when it is missing, has a foreign program or could not be attached", MetricType::Gauge);
    MetricFamily reattach = Family("xdpguard_reattach_total", "Times the service put its program back on an interface (detached by someone, interface re-created or appeared)", MetricType::Counter);
    for (const auto& [name, h] : interfaces->Health()) {
      const bool ok = h.state == InterfaceHealth::State::kProtected;
      Add(&attached, {{"interface", name}, {"mode", ok ? h.mode : "none"}}, ok ? 1 : 0);
      Add(&reattach, {{"interface", name}}, static_cast<double>(h.reattaches));
    }
    out.push_back(attached);
    out.push_back(reattach);
  }
  MetricFamily build = Family("xdpguard_build_info", "xdpguard version (value is always 1)", MetricType::Gauge);
  Add(&build, {{"version", XDPGUARD_VERSION}, {"abi", std::to_string(XG_ABI_VERSION)}}, 1);
  out.push_back(build);

  MetricFamily up = Family("xdpguard_datapath_up", "1 if the pinned maps could be read at this scrape and xdpguard's program is attached to at least one configured interface (0: nothing is filtered)", MetricType::Gauge);
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = datapath::PinnedMaps::Open(pin_dir_);
  absl::StatusOr<datapath::Counters> c =
      maps.ok() ? datapath::ReadCounters(**maps, false) : absl::StatusOr<datapath::Counters>(maps.status());
  bool filtering = !interfaces;  // without an interface source (tests), the maps alone
  if (interfaces)
    for (const auto& [name, h] : interfaces->Health())
      filtering = filtering || h.state == InterfaceHealth::State::kProtected;
  Add(&up, {}, c.ok() && filtering ? 1 : 0);
  out.push_back(up);
  if (c.ok()) {
    MetricFamily packets = Family("xdpguard_packets_total", "Packets seen by the XDP program, by interface, address family and verdict (interface=\"shared\": interfaces without a counter slot of their own)", MetricType::Counter);
    MetricFamily bytes = Family("xdpguard_bytes_total", "Bytes seen by the XDP program, by interface, address family and verdict", MetricType::Counter);
    for (const datapath::InterfaceVerdicts& iv : c->interfaces) {
      const std::string label = datapath::InterfaceLabel(iv);
      for (int cls = 0; cls < XG_CLASS_MAX; cls++) {
        for (int fam = 0; fam < XG_FAM_MAX; fam++) {
          std::vector<ClientMetric::Label> l = {{"family", datapath::FamilyName(fam)}, {"interface", label}, {"verdict", datapath::ClassName(cls)}};
          Add(&packets, l, static_cast<double>(iv.verdicts[cls][fam].packets));
          Add(&bytes, l, static_cast<double>(iv.verdicts[cls][fam].bytes));
        }
      }
    }
    out.push_back(packets);
    out.push_back(bytes);
    MetricFamily limited = Family("xdpguard_ratelimited_packets_total", "Packets dropped by a rate limit", MetricType::Counter);
    double rl = 0;
    for (int fam = 0; fam < XG_FAM_MAX; fam++) rl += static_cast<double>(c->verdicts[XG_CLASS_RATELIMIT][fam].packets);
    Add(&limited, {}, rl);  // all interfaces: the per-interface split is in packets_total
    out.push_back(limited);

    // Per origin: manual, config, and one series per feed (bounded by the config).
    lists::OriginNames names;
    if (cfg) {
      auto origins = feeds::FeedStateStore(cfg->state_dir).LoadOrigins();
      if (origins.ok()) names = lists::OriginNames(*origins);
    }
    AddCensus(census_ ? census_->Latest() : nullptr, names, &out);
    MetricFamily matches = Family("xdpguard_rule_matches_total", "Packets that matched a blocklist rule, by origin (manual, config or feed name)", MetricType::Counter);
    for (uint16_t id : names.NamedIds()) Add(&matches, {{"origin", names.Name(id)}}, static_cast<double>(c->origins[id].packets));
    out.push_back(matches);

    MetricFamily guard = Family("xdpguard_guard_frames_total", "Gateway guard: ARP/ND frames by what the guard found", MetricType::Counter);
    for (int g = 0; g < XG_GSTAT_MAX; g++) {
      if (g == XG_GSTAT_RINGBUF_FULL) continue;
      Add(&guard, {{"kind", datapath::GuardStatName(g)}}, static_cast<double>(c->guard[g]));
    }
    out.push_back(guard);
    MetricFamily events = Family("xdpguard_guard_events_total", "Gateway-guard alerts read from the ring buffer, by interface and kind", MetricType::Counter);
    // Every (interface, kind) of the configured guards from the start, at 0 until the
    // first alert, so alert rules see the series before it moves.
    std::map<std::pair<std::string, std::string>, uint64_t> event_counts;
    if (cfg)
      for (const config::GuardConfig& g : cfg->guards)
        for (uint8_t kind = 1; kind < XG_GUARD_KIND_END; kind++)
          event_counts[{g.interface, guard::EventKindName(kind)}] = 0;
    if (guard_events_)
      for (const auto& [key, n] : guard_events_->Counts()) event_counts[key] = n;
    for (const auto& [key, n] : event_counts)
      Add(&events, {{"interface", key.first}, {"kind", key.second}}, static_cast<double>(n));
    if (!events.metric.empty()) out.push_back(events);
    MetricFamily lost = Family("xdpguard_guard_events_lost_total", "Guard alerts lost because the ring buffer was full", MetricType::Counter);
    Add(&lost, {}, static_cast<double>(c->guard[XG_GSTAT_RINGBUF_FULL]));
    out.push_back(lost);
  } else {
    spdlog::debug("metrics: {}", std::string(c.status().message()));
  }

  if (cfg && !cfg->feeds.empty()) {
    feeds::FeedStateStore store(cfg->state_dir);
    MetricFamily success = Family("xdpguard_feed_last_success_timestamp_seconds", "Unix time of the feed's last successful fetch", MetricType::Gauge);
    MetricFamily applied = Family("xdpguard_feed_entries", "Entries of the feed in the blocklist (after policy and union)", MetricType::Gauge);
    MetricFamily errors = Family("xdpguard_feed_errors_total", "Failed feed refreshes, by reason", MetricType::Counter);
    MetricFamily failing = Family("xdpguard_feed_consecutive_failures", "Failed refreshes since the last success", MetricType::Gauge);
    MetricFamily fetch = Family("xdpguard_feed_fetch_duration_seconds", "How long the feed's last fetch (or CrowdSec pull) took", MetricType::Gauge);
    MetricFamily decisions = Family("xdpguard_crowdsec_decisions", "Running CrowdSec decisions of the feed, by type (ban, captcha, throttle, configured types, other)", MetricType::Gauge);
    MetricFamily skipped = Family("xdpguard_crowdsec_skipped_decisions", "CrowdSec decisions of scopes xdpguard does not enforce (since the last full pull), by scope; invalid: Ip/Range decisions with a bad value", MetricType::Gauge);
    for (const feeds::FeedConfig& f : cfg->feeds) {
      feeds::FeedStatus s = store.LoadStatus(f.name);
      Add(&fetch, {{"feed", f.name}}, s.fetch_seconds);
      if (f.format == feeds::Format::kCrowdsec) {
        // ban and the configured types from the start, at 0 (alert rules need the series).
        std::map<std::string, uint64_t> by_type{{"ban", 0}};
        for (const auto& [type, rule] : f.decision_types) by_type[type] = 0;
        for (const auto& [type, n] : s.decisions_by_type) by_type[type] = n;
        for (const auto& [type, n] : by_type) Add(&decisions, {{"feed", f.name}, {"type", type}}, static_cast<double>(n));
        std::map<std::string, uint64_t> by_scope = s.skipped_by_scope;
        by_scope["invalid"] = s.decisions_invalid;
        for (const auto& [scope, n] : by_scope) Add(&skipped, {{"feed", f.name}, {"scope", scope}}, static_cast<double>(n));
      }
      Add(&success, {{"feed", f.name}}, static_cast<double>(s.last_success));
      Add(&applied, {{"feed", f.name}}, static_cast<double>(s.applied));
      Add(&failing, {{"feed", f.name}}, static_cast<double>(s.consecutive_failures));
      // Every reason from the start, at 0 until it happens (alert rules need the series).
      std::map<std::string, uint64_t> by_reason;
      for (const char* reason : feeds::kFeedErrorReasons) by_reason[reason] = 0;
      for (const auto& [reason, n] : s.errors_total) by_reason[reason] = n;
      for (const auto& [reason, n] : by_reason) Add(&errors, {{"feed", f.name}, {"reason", reason}}, static_cast<double>(n));
    }
    out.push_back(success);
    out.push_back(applied);
    if (!errors.metric.empty()) out.push_back(errors);
    out.push_back(failing);
    out.push_back(fetch);
    if (!decisions.metric.empty()) out.push_back(decisions);
    if (!skipped.metric.empty()) out.push_back(skipped);
  }
  if (cfg) {
    MetricFamily stat = Family("xdpguard_config_entries", "Static entries declared in the config file", MetricType::Gauge);
    Add(&stat, {{"list", "blocklist"}}, static_cast<double>(cfg->blocklist.size()));
    Add(&stat, {{"list", "allowlist"}}, static_cast<double>(cfg->allowlist.size()));
    out.push_back(stat);
  }
  return out;
}

// Worker threads of the metrics endpoint: more than the idle connections a scrape must
// get past (the test holds 50); each costs an idle thread.
constexpr int kMetricsWorkers = 64;

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                                    std::shared_ptr<MetricsCollector> c) {
  auto server = std::make_unique<MetricsServer>();
  try {
    // civetweb serves one connection per worker thread and waits request_timeout_ms for a
    // client's request: with the default 2 workers and 30 s, two idle connections blocked
    // every scrape. Enough workers that idle clients cannot take them all (kMetricsWorkers),
    // and a short wait for a request, so each idle one is dropped within a second.
    server->exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", listen,
        "num_threads", std::to_string(kMetricsWorkers),
        "request_timeout_ms", "1000",
        "linger_timeout_ms", "0",
        "enable_keep_alive", "no"});
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", listen, ": ", e.what()));
  }
  server->collector_ = std::move(c);
  server->exposer_->RegisterCollectable(server->collector_);
  return server;
}

}  // namespace xdpguard::daemon
