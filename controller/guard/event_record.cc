// SPDX-License-Identifier: GPL-2.0
#include "guard/event_record.h"

#include <cstring>
#include <ctime>

#include "datapath/xdp_query.h"
#include "guard/event_format.h"
#include "spdlog/spdlog.h"

namespace xdpguard::guard {
namespace {

uint64_t ClockNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::optional<nlohmann::json> EventRecordJson(const void* data, size_t size, const GuardStore& store) {
  if (size < sizeof(xg_guard_event)) {
    spdlog::warn("short guard event ({} bytes) ignored", size);
    return std::nullopt;
  }
  xg_guard_event ev;
  std::memcpy(&ev, data, sizeof(ev));
  absl::StatusOr<std::vector<Mac>> allowed = store.AllowedForEvent(ev);
  return EventToJson(ev, datapath::InterfaceName(ev.ifindex), allowed.ok() ? *allowed : std::vector<Mac>{},
                     ClockNs(CLOCK_MONOTONIC), ClockNs(CLOCK_REALTIME));
}

}  // namespace xdpguard::guard
