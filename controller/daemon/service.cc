// SPDX-License-Identifier: GPL-2.0
// run: the service. One config file: attach its interfaces, keep its static allowlist and
// blocklist in the maps, run its feeds on schedule. SIGHUP reloads (a config that fails
// validation is refused and the running state kept; entries present before and after are
// never removed in between); SIGTERM/SIGINT exit 0 leaving the datapath enforcing the
// pinned maps (--detach-on-exit detaches instead). A new instance after kill -9 adopts the
// attached program and pinned maps (attach adopts, static lists and feeds are diffs).
// Gateway guards: the config's guards are written to the guard maps and every alert in the
// ring buffer is logged at once (warning, with the event as JSON). Metrics: Prometheus
// text on metrics.listen (127.0.0.1:9469 by default), read from the maps at scrape time.
#include "daemon/service.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "daemon/feed_runner.h"
#include "daemon/instance_lock.h"
#include "session/session.h"
#include "common/json_log.h"
#include "daemon/guards.h"
#include "daemon/map_census.h"
#include "daemon/metrics.h"
#include "daemon/static_lists.h"
#include "datapath/attach.h"
#include "datapath/pin_dir.h"
#include "feeds/feed_state.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

using Clock = feeds::FeedScheduler::Clock;

void ConfigureLogging(const config::Config& cfg) {
  if (cfg.log.json) spdlog::default_logger()->set_formatter(MakeJsonFormatter());
  spdlog::set_level(spdlog::level::from_str(cfg.log.level == "warn" ? "warning" : cfg.log.level));
}

// Attaches (or adopts) every configured interface. An interface that fails is logged and
// the others proceed: one missing NIC must not leave the rest unprotected.
bool AttachInterfaces(const std::string& pin_dir, const config::Config& cfg) {
  if (absl::Status s = datapath::CreatePinDir(pin_dir); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return false;
  }
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(pin_dir);
  if (!lock.ok()) {
    spdlog::error("{}", std::string(lock.status().message()));
    return false;
  }
  bool all_ok = true;
  for (const config::InterfaceConfig& ic : cfg.interfaces) {
    datapath::AttachOptions o;
    o.ifname = ic.name;
    o.mode = ic.mode;
    o.sizes = cfg.map_sizes;
    o.pin_dir = pin_dir;
    o.monitor = ic.monitor;
    o.flow_mode = ic.flow_mode;
    o.drop_sample_shift = ic.drop_sample_shift;
    o.pass_sample_shift = ic.pass_sample_shift;
    absl::StatusOr<datapath::AttachResult> r = datapath::Attach(o);
    if (!r.ok()) {
      spdlog::error("interface {}: {}", ic.name, std::string(r.status().message()));
      all_ok = false;
      continue;
    }
    spdlog::info("interface {}: {}{}{}", ic.name, r->action, r->note.empty() ? "" : "; ", r->note);
  }
  return all_ok;
}

void DetachRemoved(const std::string& pin_dir, const config::Config& before, const config::Config& after) {
  std::set<std::string> keep;
  for (const auto& ic : after.interfaces) keep.insert(ic.name);
  for (const auto& ic : before.interfaces) {
    if (keep.count(ic.name)) continue;
    absl::Status s = datapath::Detach(ic.name, pin_dir);
    if (s.ok()) {
      spdlog::info("interface {}: detached (no longer in the config)", ic.name);
    } else {
      spdlog::error("interface {}: {}", ic.name, std::string(s.message()));
    }
  }
}

bool SyncStatic(const std::string& pin_dir, const config::Config& cfg) {
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(pin_dir);
  if (!ws.ok()) {
    spdlog::error("{}", std::string(ws.status().message()));
    return false;
  }
  absl::StatusOr<StaticSyncResult> r = SyncStaticLists(*ws->maps, cfg);
  if (!r.ok()) {
    spdlog::error("static lists: {}", std::string(r.status().message()));
    return false;
  }
  spdlog::info("static lists: {} blocklist and {} allowlist entries written, {} and {} removed, {} unchanged",
               r->block_written, r->allow_written, r->block_removed, r->allow_removed, r->unchanged);
  for (const net::Cidr& c : r->left_to_manual)
    spdlog::warn("static lists: {} is a manual entry; the config's entry is not applied over it", c.ToString());
  return true;
}

void ApplyGuards(const std::string& pin_dir, const config::Config* before, const config::Config& cfg) {
  if (cfg.guards.empty() && (!before || before->guards.empty())) return;
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(pin_dir);
  if (!ws.ok()) {
    spdlog::error("guards: {}", std::string(ws.status().message()));
    return;
  }
  SyncGuards(*ws->maps, before, cfg);
}

}  // namespace

absl::Status RunService(const ServiceOptions& options) {
  const std::string& path = options.config_path;
  absl::StatusOr<config::Config> cfg = config::LoadConfig(path);
  if (!cfg.ok()) return cfg.status();
  ConfigureLogging(*cfg);
  for (const std::string& w : cfg->warnings) spdlog::warn("{}: {}", path, w);
  if (absl::Status s = session::CheckPrivileges(true); !s.ok()) return s;
  const std::string pin_dir = cfg->pin_dir.empty() ? options.pin_dir : cfg->pin_dir;
  // Before any side effect: a second service on these maps would undo the first's entries.
  absl::StatusOr<InstanceLock> instance = InstanceLock::Acquire(pin_dir);
  if (!instance.ok()) return instance.status();
  if (absl::Status s = feeds::FeedStateStore(cfg->state_dir).Init(); !s.ok()) return s;
  if (cfg->interfaces.empty())
    spdlog::warn("{} attaches no interface: only the lists of an existing attachment are kept", path);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &signals, nullptr);

  AttachInterfaces(pin_dir, *cfg);
  if (absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> probe = session::OpenForRead(pin_dir); !probe.ok())
    return probe.status();
  SyncStatic(pin_dir, *cfg);
  ApplyGuards(pin_dir, nullptr, *cfg);
  auto guard_events = std::make_shared<GuardEventReader>();
  if (absl::Status s = guard_events->Start(pin_dir); !s.ok()) return s;
  auto census = std::make_shared<CensusThread>(pin_dir);
  auto collector = std::make_shared<MetricsCollector>(pin_dir, guard_events, census);
  collector->SetConfig(*cfg);
  std::unique_ptr<MetricsServer> metrics;
  if (cfg->metrics.enabled) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> m = MetricsServer::Start(cfg->metrics.listen, collector);
    if (!m.ok()) return m.status();
    metrics = std::move(*m);
    spdlog::info("metrics on http://{}/metrics", cfg->metrics.listen);
  }
  std::unique_ptr<Runner> runner;
  if (!cfg->feeds.empty()) {
    absl::StatusOr<std::unique_ptr<Runner>> r = StartRunner(pin_dir, *cfg);
    if (!r.ok()) return r.status();
    runner = std::move(*r);
  }
  spdlog::info("xdpguard running with {} ({} interfaces, {} static entries, {} feeds)", path,
               cfg->interfaces.size(), cfg->blocklist.size() + cfg->allowlist.size(), cfg->feeds.size());

  while (true) {
    std::optional<Clock::time_point> next = runner ? runner->schedule.Next() : std::nullopt;
    auto wait = next ? *next - Clock::now() : Clock::duration(std::chrono::hours(1));
    if (wait <= Clock::duration::zero()) {
      RunDue(pin_dir, *runner);
      census->Poke();
      continue;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1;
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
    int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      guard_events->Stop();
      if (options.detach_on_exit) {
        for (const auto& ic : cfg->interfaces) {
          absl::Status s = datapath::Detach(ic.name, pin_dir);
          spdlog::info("interface {}: {}", ic.name, s.ok() ? "detached" : std::string(s.message()));
        }
      } else {
        spdlog::info("signal {}: exiting; the datapath keeps enforcing the pinned maps", sig);
      }
      return absl::OkStatus();
    }
    if (sig != SIGHUP) continue;
    absl::StatusOr<config::Config> fresh = config::LoadConfig(path);
    if (!fresh.ok()) {
      spdlog::error("reload refused, the running config stays: {}", std::string(fresh.status().message()));
      collector->RecordReload(false);
      continue;
    }
    if (fresh->state_dir != cfg->state_dir || fresh->pin_dir != cfg->pin_dir) {
      spdlog::error("reload refused: state_dir and pin_dir cannot change while running (restart instead)");
      collector->RecordReload(false);
      continue;
    }
    // Only the sections that changed are applied. Order: new interfaces and entries first,
    // removals last, so nothing present in both configs is ever missing.
    auto changed = [&](std::initializer_list<const char*> keys) {
      for (const char* k : keys) {
        if (fresh->SectionChanged(*cfg, k)) return true;
      }
      return false;
    };
    if (changed({"interfaces", "maps"})) AttachInterfaces(pin_dir, *fresh);
    if (changed({"allowlist", "blocklist"})) SyncStatic(pin_dir, *fresh);
    if (changed({"guards"})) ApplyGuards(pin_dir, &*cfg, *fresh);
    if (changed({"feeds", "protect"}) && (!fresh->feeds.empty() || runner)) {
      // With no feeds left, the new runner's first apply removes the old feeds' entries.
      absl::StatusOr<std::unique_ptr<Runner>> r = StartRunner(pin_dir, *fresh);
      if (!r.ok()) {
        spdlog::error("feeds: {}", std::string(r.status().message()));
      } else {
        runner = fresh->feeds.empty() ? nullptr : std::move(*r);
      }
    }
    DetachRemoved(pin_dir, *cfg, *fresh);
    collector->SetConfig(*fresh);
    if (fresh->metrics.enabled != cfg->metrics.enabled || fresh->metrics.listen != cfg->metrics.listen) {
      metrics.reset();
      if (fresh->metrics.enabled) {
        absl::StatusOr<std::unique_ptr<MetricsServer>> m = MetricsServer::Start(fresh->metrics.listen, collector);
        if (m.ok()) {
          metrics = std::move(*m);
          spdlog::info("metrics on http://{}/metrics", fresh->metrics.listen);
        } else {
          spdlog::error("{}", std::string(m.status().message()));
        }
      }
    }
    census->Poke();
    cfg = std::move(fresh);
    ConfigureLogging(*cfg);
    for (const std::string& w : cfg->warnings) spdlog::warn("{}: {}", path, w);
    collector->RecordReload(true);
    spdlog::info("reloaded {}", path);
  }
}

}  // namespace xdpguard::daemon
