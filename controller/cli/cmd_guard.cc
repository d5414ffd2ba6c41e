// SPDX-License-Identifier: GPL-2.0
// guard add | del | list | watch: the gateway guard's configuration (pinned maps, so the
// datapath keeps guarding without a controller) and its live event stream.
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <cstring>
#include <deque>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "session/session.h"
#include "guard/guard_entry.h"
#include "datapath/xdp_query.h"
#include "guard/event_format.h"
#include "guard/event_record.h"
#include "guard/guard_store.h"
#include "guard/neighbor_table.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace xdpguard::cli {
namespace {

guard::GuardStore Store(const datapath::PinnedMaps& maps) { return guard::PinnedGuardStore(maps); }

struct GuardTarget {
  int ifindex;
  net::Cidr gateway;
};

absl::StatusOr<net::Cidr> GatewayArg(const Args& args) {
  auto gw = args.Value("gateway");
  if (!gw) return absl::InvalidArgumentError("--gateway IP is required");
  absl::StatusOr<net::ParsedCidr> p = net::ParseCidr(*gw);
  if (!p.ok()) return p.status();
  if (gw->find('/') != std::string::npos)
    return absl::InvalidArgumentError("--gateway takes an address, not a prefix");
  return p->cidr;
}

// "guard add|del IFACE --gateway IP": the interface and the gateway address.
absl::StatusOr<GuardTarget> TargetArgs(const Args& args, const char* usage) {
  if (args.positionals().size() != 2) return absl::InvalidArgumentError(usage);
  absl::StatusOr<int> ifindex = datapath::InterfaceIndex(args.positionals()[1]);
  if (!ifindex.ok()) return absl::InvalidArgumentError(ifindex.status().message());
  absl::StatusOr<net::Cidr> gw = GatewayArg(args);
  if (!gw.ok()) return gw.status();
  return GuardTarget{*ifindex, *gw};
}

int GuardAdd(const Context& ctx, const Args& args) {
  absl::StatusOr<GuardTarget> target =
      TargetArgs(args, "usage: guard add IFACE --gateway IP [--mac MAC ...] [--drop]");
  if (!target.ok()) return Fail(target.status());
  const net::Cidr& gw = target->gateway;
  // No --mac: the MAC the kernel knows now is learned (and said so).
  absl::StatusOr<guard::GuardEntry> entry =
      guard::MakeGuardEntry(target->ifindex, gw, args.Values("mac"), args.Has("drop"));
  if (!entry.ok()) return Fail(entry.status());
  const guard::GuardEntry& e = *entry;
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  if (absl::Status s = Store(*ws->maps).Add(e); !s.ok()) return Fail(s);
  std::cout << "guarding " << gw.ToString() << " on " << args.positionals()[1] << " ("
            << e.macs.size() << " allowed MAC(s), " << (e.drop ? "drop" : "alert") << " mode)\n";
  return kExitOk;
}

int GuardDel(const Context& ctx, const Args& args) {
  absl::StatusOr<GuardTarget> target = TargetArgs(args, "usage: guard del IFACE --gateway IP");
  if (!target.ok()) return Fail(target.status());
  absl::StatusOr<session::WriteSession> ws = session::OpenForWrite(ctx.pin_dir);
  if (!ws.ok()) return Fail(ws.status());
  if (absl::Status s = Store(*ws->maps).Del(static_cast<uint32_t>(target->ifindex),
                                                 target->gateway);
      !s.ok())
    return Fail(s);
  std::cout << "no longer guarding " << target->gateway.ToString() << " on "
            << args.positionals()[1] << "\n";
  return kExitOk;
}

int GuardList(const Context& ctx, const Args& args) {
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  absl::StatusOr<std::vector<guard::GuardEntry>> all = Store(**maps).List();
  if (!all.ok()) return Fail(all.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *all) {
    nlohmann::json macs = nlohmann::json::array();
    for (const auto& m : e.macs)
      macs.push_back({{"mac", guard::FormatMac(m.mac.data())},
                      {"source", m.learned ? "learned" : "configured"}});
    std::string gw = e.gateway.ToString();
    out.push_back({{"interface", datapath::InterfaceName(e.ifindex)},
                   {"gateway", gw.substr(0, gw.find('/'))},
                   {"mode", e.drop ? "drop" : "alert"},
                   {"macs", macs}});
  }
  if (args.Has("json")) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& g : out) {
    std::cout << g["interface"].get<std::string>() << "  " << g["gateway"].get<std::string>()
              << "  " << g["mode"].get<std::string>() << " ";
    for (const auto& m : g["macs"])
      std::cout << " " << m["mac"].get<std::string>() << " (" << m["source"].get<std::string>()
                << ")";
    std::cout << "\n";
  }
  std::cout << out.size() << " guarded gateway(s)\n";
  return kExitOk;
}

// --- watch -----------------------------------------------------------------------------

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct WatchState {
  const datapath::PinnedMaps* maps;
  std::string on_alert;
  uint64_t seen = 0;
  int running_alerts = 0;
  std::deque<std::string> queued_alerts;  // waiting for a free slot
  uint64_t skipped_alerts = 0;
};

// At most this many alert commands run at once; further events wait in a bounded queue,
// so a burst (e.g. the backlog a new watcher reads) is delivered in order, not dropped.
constexpr int kMaxConcurrentAlerts = 8;
constexpr size_t kMaxQueuedAlerts = 4096;

// Runs `sh -c CMD` with the event JSON on stdin, without waiting for it (reaped later).
void StartAlert(WatchState* w, const std::string& line) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[0], STDIN_FILENO);
    execl("/bin/sh", "sh", "-c", w->on_alert.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipefd[0]);
  if (pid > 0) {
    w->running_alerts++;
    std::string data = line + "\n";
    (void)!write(pipefd[1], data.data(), data.size());
  }
  close(pipefd[1]);
}

void QueueAlert(WatchState* w, std::string line) {
  if (w->queued_alerts.size() >= kMaxQueuedAlerts) {
    w->skipped_alerts++;
    spdlog::warn("--on-alert: {} alerts queued, this one is not run ({} skipped so far)",
                 w->queued_alerts.size(), w->skipped_alerts);
    return;
  }
  w->queued_alerts.push_back(std::move(line));
}

// Reaps finished alert commands and starts queued ones in the free slots.
void PumpAlerts(WatchState* w) {
  while (w->running_alerts > 0 && waitpid(-1, nullptr, WNOHANG) > 0) w->running_alerts--;
  while (w->running_alerts < kMaxConcurrentAlerts && !w->queued_alerts.empty()) {
    StartAlert(w, w->queued_alerts.front());
    w->queued_alerts.pop_front();
  }
}


int OnEvent(void* ctx, void* data, size_t size) {
  auto* w = static_cast<WatchState*>(ctx);
  std::optional<nlohmann::json> event = guard::EventRecordJson(data, size, guard::PinnedGuardStore(*w->maps));
  if (!event) return 0;
  std::string line = event->dump();
  std::cout << line << std::endl;
  if (!w->on_alert.empty()) {
    QueueAlert(w, line);
    PumpAlerts(w);
  }
  w->seen++;
  return 0;
}

int GuardWatch(const Context& ctx, const Args& args) {
  uint64_t max_events = 0;
  double timeout_s = 0;
  if (auto c = args.Value("count")) {
    absl::StatusOr<uint32_t> n = ParseCount("count", *c, 1, 1u << 30);
    if (!n.ok()) return Fail(n.status());
    max_events = *n;
  }
  if (auto t = args.Value("timeout")) {
    if (!absl::SimpleAtod(*t, &timeout_s) || !(timeout_s > 0))
      return Fail(absl::InvalidArgumentError("--timeout must be a positive number of seconds"));
  }
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  WatchState w{maps->get(), args.Value("on-alert").value_or("")};
  ring_buffer* rb = ring_buffer__new((*maps)->map(XG_MAP_GUARD_EVENTS)->fd(), OnEvent, &w, nullptr);
  if (!rb) return Fail(absl::InternalError("cannot open the guard event ring buffer"));
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  auto start = std::chrono::steady_clock::now();
  spdlog::info("watching gateway-guard events (Ctrl-C to stop)");
  while (!g_stop) {
    int n = ring_buffer__poll(rb, 100);
    if (n < 0 && n != -EINTR) {
      ring_buffer__free(rb);
      return Fail(absl::InternalError(absl::StrCat("ring buffer poll failed: ", n)));
    }
    PumpAlerts(&w);
    if (max_events && w.seen >= max_events) break;
    if (timeout_s > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= timeout_s)
      break;
  }
  ring_buffer__free(rb);
  // Deliver what is queued before exiting, then wait for the last commands.
  while (!w.queued_alerts.empty()) {
    if (w.running_alerts >= kMaxConcurrentAlerts && waitpid(-1, nullptr, 0) > 0)
      w.running_alerts--;
    PumpAlerts(&w);
  }
  while (w.running_alerts > 0 && waitpid(-1, nullptr, 0) > 0) w.running_alerts--;
  return kExitOk;
}

}  // namespace

int RunGuard(const Context& ctx, const Argv& argv) {
  FlagSpec spec{{"drop", "json"}, {"gateway", "mac", "on-alert", "count", "timeout"}, {"mac"}};
  absl::StatusOr<Args> args = Args::Parse(argv, spec);
  if (!args.ok()) return Fail(args.status());
  const std::string sub = args->positionals().empty() ? "" : args->positionals()[0];
  if (sub == "add") return GuardAdd(ctx, *args);
  if (sub == "del") return GuardDel(ctx, *args);
  if (sub == "list") return GuardList(ctx, *args);
  if (sub == "watch") return GuardWatch(ctx, *args);
  return Fail(absl::InvalidArgumentError("usage: guard add|del|list|watch ..."));
}

}  // namespace xdpguard::cli
