// SPDX-License-Identifier: GPL-2.0
#include "daemon/guards.h"

#include <bpf/libbpf.h>
#include <net/if.h>

#include <cstring>
#include <ctime>
#include <set>

#include "absl/strings/str_cat.h"
#include "datapath/xdp_query.h"
#include "datapath/pin_dir.h"
#include "datapath/pinned_maps.h"
#include "guard/event_format.h"
#include "guard/guard_entry.h"
#include "guard/guard_store.h"
#include "spdlog/spdlog.h"
#include "xdpguard_guard.h"

namespace xdpguard::daemon {
namespace {

std::string Key(const config::GuardConfig& g) { return g.interface + " " + g.gateway.ToString(); }

guard::GuardStore Store(const datapath::PinnedMaps& maps) {
  return guard::GuardStore(maps.map(XG_MAP_GUARDS), maps.map(XG_MAP_GUARD_IF));
}

uint64_t ClockNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string IfName(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(ifindex, buf) ? buf : absl::StrCat("if", ifindex);
}

}  // namespace

void SyncGuards(const std::string& pin_dir, const config::Config* before, const config::Config& cfg) {
  if (cfg.guards.empty() && (!before || before->guards.empty())) return;
  absl::StatusOr<datapath::PinDirLock> lock = datapath::PinDirLock::Acquire(pin_dir);
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = datapath::PinnedMaps::Open(pin_dir);
  if (!lock.ok() || !maps.ok()) {
    spdlog::error("guards: {}", std::string((lock.ok() ? maps.status() : lock.status()).message()));
    return;
  }
  guard::GuardStore store = Store(**maps);
  std::set<std::string> declared;
  for (const config::GuardConfig& g : cfg.guards) {
    declared.insert(Key(g));
    absl::StatusOr<int> ifindex = datapath::InterfaceIndex(g.interface);
    absl::StatusOr<guard::GuardEntry> e =
        ifindex.ok() ? guard::MakeGuardEntry(*ifindex, g.gateway, g.macs, g.drop)
                     : absl::StatusOr<guard::GuardEntry>(ifindex.status());
    absl::Status s = e.ok() ? store.Add(*e) : e.status();
    if (s.ok()) {
      spdlog::info("guard: {} on {} ({} MAC(s), {} mode)", g.gateway.ToString(), g.interface,
                   e->macs.size(), g.drop ? "drop" : "alert");
    } else {
      spdlog::error("guard {} on {}: {}", g.gateway.ToString(), g.interface, std::string(s.message()));
    }
  }
  if (!before) return;
  for (const config::GuardConfig& g : before->guards) {
    if (declared.count(Key(g))) continue;
    absl::StatusOr<int> ifindex = datapath::InterfaceIndex(g.interface);
    if (!ifindex.ok()) continue;
    absl::Status s = store.Del(static_cast<uint32_t>(*ifindex), g.gateway);
    spdlog::info("guard: {} on {} removed ({})", g.gateway.ToString(), g.interface,
                 s.ok() ? "no longer in the config" : std::string(s.message()));
  }
}

int OnGuardEvent(void* ctx, void* data, size_t size) {
  auto* reader = static_cast<GuardEventReader*>(ctx);
  if (size < sizeof(xg_guard_event)) {
    spdlog::warn("short guard event ({} bytes) ignored", size);
    return 0;
  }
  xg_guard_event ev;
  std::memcpy(&ev, data, sizeof(ev));
  std::vector<guard::Mac> allowed;
  if (auto maps = datapath::PinnedMaps::Open(reader->pin_dir_); maps.ok()) {
    if (auto a = Store(**maps).AllowedForEvent(ev); a.ok()) allowed = *a;
  }
  std::string ifname = IfName(ev.ifindex);
  nlohmann::json j = guard::EventToJson(ev, ifname, allowed, ClockNs(CLOCK_MONOTONIC), ClockNs(CLOCK_REALTIME));
  spdlog::warn("gateway guard alert: {}", j.dump());
  std::lock_guard<std::mutex> lock(reader->mu_);
  reader->counts_[{ifname, guard::EventKindName(ev.kind)}]++;
  return 0;
}

GuardEventReader::~GuardEventReader() { Stop(); }

absl::Status GuardEventReader::Start(const std::string& pin_dir) {
  pin_dir_ = pin_dir;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void GuardEventReader::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void GuardEventReader::Run() {
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = datapath::PinnedMaps::Open(pin_dir_);
  if (!maps.ok()) {
    spdlog::error("guard events: {}", std::string(maps.status().message()));
    return;
  }
  ring_buffer* rb = ring_buffer__new((*maps)->map(XG_MAP_GUARD_EVENTS)->fd(), OnGuardEvent, this, nullptr);
  if (!rb) {
    spdlog::error("guard events: cannot open the ring buffer");
    return;
  }
  while (!stop_) {
    int n = ring_buffer__poll(rb, 100);
    if (n < 0 && n != -EINTR) {
      spdlog::error("guard events: ring buffer poll failed ({})", n);
      break;
    }
  }
  ring_buffer__free(rb);
}

std::map<std::pair<std::string, std::string>, uint64_t> GuardEventReader::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

}  // namespace xdpguard::daemon
