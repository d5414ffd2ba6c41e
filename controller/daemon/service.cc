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

#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "daemon/feed_runner.h"
#include "daemon/instance_lock.h"
#include "daemon/saved_entries.h"
#include "daemon/systemd_notify.h"
#include "daemon/interface_watch.h"
#include "session/session.h"
#include "common/errno_status.h"
#include "common/json_log.h"
#include "common/unique_fd.h"
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

// How often, at most, the interfaces are looked at without a link event: a detach does
// not always send one, and the service must put its program back within 2 s.
constexpr int64_t kInterfaceCheckMs = 1000;

// Waits up to timeout_ms for a signal (read from signal_fd) or a link event (drained);
// returns the signal number, or 0 after a link event or the timeout.
int WaitForSignalOrLink(int signal_fd, InterfaceWatch& watch, int timeout_ms) {
  pollfd fds[2] = {{signal_fd, POLLIN, 0}, {watch.fd(), POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return 0;
  if (fds[1].revents & POLLIN) watch.Drain();
  if (fds[0].revents & POLLIN) {
    signalfd_siginfo info{};
    if (read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info)))
      return static_cast<int>(info.ssi_signo);
  }
  return 0;
}

void ConfigureLogging(const config::Config& cfg) {
  if (cfg.log.json) spdlog::default_logger()->set_formatter(MakeJsonFormatter());
  spdlog::set_level(spdlog::level::from_str(cfg.log.level == "warn" ? "warning" : cfg.log.level));
}

// The one-line STATUS= for systemd: what is attached and what the service enforces.
std::string StatusLine(const std::string& pin_dir, const config::Config& cfg) {
  size_t attached = 0;
  for (const auto& ic : cfg.interfaces) {
    absl::StatusOr<datapath::InterfaceXdpState> st = datapath::QueryInterface(ic.name, pin_dir);
    if (st.ok() && st->Ours()) attached++;
  }
  return absl::StrCat(attached, " of ", cfg.interfaces.size(), " interfaces attached, ",
                      cfg.blocklist.size() + cfg.allowlist.size(), " static entries, ",
                      cfg.feeds.size(), " feeds");
}

// Attaches (or adopts) every configured interface with its settings (at start and when a
// reload changes them). An interface that fails is logged and the others proceed: one
// missing NIC must not leave the rest unprotected; the interface watch attaches it when
// it appears.
void AttachInterfaces(const std::string& pin_dir, const config::Config& cfg) {
  for (const config::InterfaceConfig& ic : cfg.interfaces) {
    if (if_nametoindex(ic.name.c_str()) == 0) continue;  // the watch says "waiting" and attaches later
    absl::StatusOr<datapath::AttachResult> r = AttachConfigured(pin_dir, cfg, ic);
    if (r.ok()) {
      spdlog::info("interface {}: {}", ic.name, AttachSummary(*r));
    } else {
      spdlog::error("interface {}: {}", ic.name, std::string(r.status().message()));
    }
  }
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
  if (absl::Status s = session::CheckPrivileges(true, /*loads_program=*/true); !s.ok()) return s;
  const std::string pin_dir = cfg->pin_dir.empty() ? options.pin_dir : cfg->pin_dir;
  // Before any side effect: a second service on these maps would undo the first's entries.
  absl::StatusOr<InstanceLock> instance = InstanceLock::Acquire(pin_dir, DefaultLockDir());
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
  UniqueFd signal_fd(signalfd(-1, &signals, SFD_CLOEXEC));
  if (!signal_fd.valid()) return ErrnoToStatus(errno, "signalfd");
  absl::StatusOr<std::shared_ptr<InterfaceWatch>> watch = InterfaceWatch::Open();
  if (!watch.ok()) return watch.status();

  // Fresh maps (after a reboot, or removed): the operator's saved entries go back in once
  // the maps exist.
  bool restore_saved = datapath::PinnedStatsMapId(pin_dir) == 0;
  auto restore_saved_entries = [&] {
    if (!restore_saved) return;
    absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(pin_dir);
    if (!maps.ok()) return;  // not yet: the first attach creates them
    restore_saved = false;
    absl::StatusOr<std::vector<SavedEntry>> saved = LoadOperatorEntries(cfg->state_dir);
    if (!saved.ok()) {
      if (!absl::IsNotFound(saved.status()))
        spdlog::error("saved manual and fail2ban entries unreadable: {} (kept as {})",
                      std::string(saved.status().message()), PreserveOperatorEntries(cfg->state_dir));
      return;
    }
    absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(pin_dir);
    absl::StatusOr<RestoreResult> r = ws.ok() ? RestoreOperatorEntries(*ws->maps, *saved)
                                              : absl::StatusOr<RestoreResult>(ws.status());
    if (!r.ok()) {
      // Kept aside: the next save would otherwise replace the only copy with what the
      // maps hold now.
      const std::string aside = PreserveOperatorEntries(cfg->state_dir);
      spdlog::error("restoring the saved manual and fail2ban entries failed: {} (the saved copy is kept as {})",
                    std::string(r.status().message()), aside);
      return;
    }
    spdlog::info("fresh maps: restored {} saved manual and fail2ban entries ({} expired meanwhile, {} prefixes taken)",
                 r->restored, r->expired, r->taken);
  };
  AttachInterfaces(pin_dir, *cfg);
  // The maps exist once something was attached (now or by an earlier run). When every
  // configured interface is still missing there are none yet: the service waits, and the
  // first attach by the interface watch writes the lists (restore_lists below).
  bool waiting_for_maps = false;
  {
    absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> probe = session::OpenForRead(pin_dir);
    waiting_for_maps = !probe.ok() && absl::IsNotFound(probe.status()) && !cfg->interfaces.empty();
    if (!probe.ok() && !waiting_for_maps) return probe.status();
  }
  if (waiting_for_maps)
    spdlog::warn("no configured interface exists yet: the lists are written when the first one appears");
  auto guard_events = std::make_shared<GuardEventReader>();
  if (!waiting_for_maps) {
    restore_saved_entries();
    SyncStatic(pin_dir, *cfg);
    ApplyGuards(pin_dir, nullptr, *cfg);
    if (absl::Status s = guard_events->Start(pin_dir); !s.ok()) return s;
  }
  auto census = std::make_shared<CensusThread>(pin_dir, cfg->state_dir);
  auto collector = std::make_shared<MetricsCollector>(pin_dir, guard_events, census);
  collector->SetConfig(*cfg);
  collector->SetInterfaceSource(*watch);
  std::unique_ptr<MetricsServer> metrics;
  if (cfg->metrics.enabled) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> m = MetricsServer::Start(cfg->metrics.listen, collector);
    if (!m.ok()) return m.status();
    metrics = std::move(*m);
    spdlog::info("metrics on http://{}/metrics", cfg->metrics.listen);
  }
  std::unique_ptr<Runner> runner;
  if (!cfg->feeds.empty() && !waiting_for_maps) {
    absl::StatusOr<std::unique_ptr<Runner>> r = StartRunner(pin_dir, *cfg);
    if (!r.ok()) return r.status();
    runner = std::move(*r);
  }
  // After the watch put the program back: a detach without --keep-maps took the pinned maps
  // with it, and the attach created empty ones. Everything the service owns is written
  // again (static lists and feeds by the reconciler, which finds the maps' identity
  // changed; guards; the alert reader on the new ring buffer). Cheap when nothing was lost.
  auto restore_lists = [&] {
    restore_saved_entries();
    SyncStatic(pin_dir, *cfg);
    ApplyGuards(pin_dir, nullptr, *cfg);
    guard_events->Stop();
    if (absl::Status s = guard_events->Start(pin_dir); !s.ok())
      spdlog::error("guard events: {}", std::string(s.message()));
    if (!cfg->feeds.empty()) {
      absl::StatusOr<std::unique_ptr<Runner>> r = StartRunner(pin_dir, *cfg, runner.get());
      if (r.ok()) {
        runner = std::move(*r);
      } else {
        spdlog::error("feeds: {}", std::string(r.status().message()));
      }
    }
    census->Poke();
  };
  // An interface may have appeared since AttachInterfaces (the service was waiting for its
  // maps): whatever this first look attaches gets the lists too.
  if ((*watch)->Check(pin_dir, *cfg)) restore_lists();
  spdlog::info("xdpguard running with {} ({} interfaces, {} static entries, {} feeds)", path,
               cfg->interfaces.size(), cfg->blocklist.size() + cfg->allowlist.size(), cfg->feeds.size());
  // Ready: the interfaces are attached and the static lists, guards and cached feeds are
  // enforced (the feed runner's first apply uses the cached copies before any fetch).
  SystemdNotifier systemd;
  systemd.Ready(StatusLine(pin_dir, *cfg));
  const int64_t loop_ms = systemd.watchdog_period().count() > 0
                              ? std::min<int64_t>(kInterfaceCheckMs, systemd.watchdog_period().count())
                              : kInterfaceCheckMs;

  while (true) {
    systemd.WatchdogTick();
    std::optional<Clock::time_point> next = runner ? runner->schedule.Next() : std::nullopt;
    auto wait = next ? *next - Clock::now() : Clock::duration(std::chrono::hours(1));
    if (wait <= Clock::duration::zero()) {
      // A census walks every map: only after the lists changed, not after a quiet pull.
      if (RunDue(pin_dir, *runner)) census->Poke();
      continue;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1;
    const int sig = WaitForSignalOrLink(signal_fd.get(), **watch,
                                        static_cast<int>(std::min<int64_t>(ms, loop_ms)));
    if (sig == 0) {
      // A link event or a second gone by: is every interface still ours?
      if ((*watch)->Check(pin_dir, *cfg)) {
        restore_lists();
        systemd.Status(StatusLine(pin_dir, *cfg));
      }
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM) {
      systemd.Stopping();
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
    systemd.Reloading();
    (*watch)->Drain();
    absl::StatusOr<config::Config> fresh = config::LoadConfig(path);
    if (!fresh.ok()) {
      spdlog::error("reload refused, the running config stays: {}", std::string(fresh.status().message()));
      collector->RecordReload(false);
      systemd.Ready(StatusLine(pin_dir, *cfg) + "; last reload refused (invalid config)");
      continue;
    }
    if (fresh->state_dir != cfg->state_dir || fresh->pin_dir != cfg->pin_dir) {
      spdlog::error("reload refused: state_dir and pin_dir cannot change while running (restart instead)");
      collector->RecordReload(false);
      systemd.Ready(StatusLine(pin_dir, *cfg) + "; last reload refused (state_dir or pin_dir changed)");
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
      absl::StatusOr<std::unique_ptr<Runner>> r = StartRunner(pin_dir, *fresh, runner.get());
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
    if ((*watch)->Check(pin_dir, *cfg)) restore_lists();  // the interfaces' set may have changed
    spdlog::info("reloaded {}", path);
    systemd.Ready(StatusLine(pin_dir, *cfg));
  }
}

}  // namespace xdpguard::daemon
