// SPDX-License-Identifier: GPL-2.0
#include "daemon/guards.h"

#include <bpf/libbpf.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "datapath/xdp_query.h"
#include "datapath/pinned_maps.h"
#include "guard/event_format.h"
#include "guard/event_record.h"
#include "guard/guard_entry.h"
#include "guard/guard_store.h"
#include "spdlog/spdlog.h"
#include "xdpguard_guard.h"

namespace xdpguard::daemon {
namespace {

std::string Key(const config::GuardConfig& g) { return g.interface + " " + g.gateway.ToString(); }

}  // namespace

void SyncGuards(const datapath::PinnedMaps& maps, const config::Config* before, const config::Config& cfg) {
  guard::GuardStore store = guard::PinnedGuardStore(maps);
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
  std::optional<nlohmann::json> event = guard::EventRecordJson(data, size, guard::PinnedGuardStore(*reader->maps_));
  if (!event) return 0;
  spdlog::warn("gateway guard alert: {}", event->dump());
  std::lock_guard<std::mutex> lock(reader->mu_);
  reader->counts_[{event->value("interface", ""), event->value("kind", "")}]++;
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
  maps_ = std::move(*maps);
  ring_buffer* rb = ring_buffer__new(maps_->map(XG_MAP_GUARD_EVENTS)->fd(), OnGuardEvent, this, nullptr);
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
