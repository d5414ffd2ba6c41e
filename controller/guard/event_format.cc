// SPDX-License-Identifier: GPL-2.0
#include "guard/event_format.h"

#include <arpa/inet.h>

#include <ctime>
#include <iterator>

namespace xdpguard::guard {

const char* EventKindName(uint8_t kind) {
  // Kinds start at 1 (maps/xdpguard_guard.h); labels from the same list.
  static constexpr const char* kLabels[] = {XG_GUARD_KINDS(XG_X_LABEL)};
  static_assert(std::size(kLabels) == XG_GUARD_KIND_END - 1);
  return kind >= 1 && kind < XG_GUARD_KIND_END ? kLabels[kind - 1] : "unknown";
}

nlohmann::json EventToJson(const xg_guard_event& ev, const std::string& ifname,
                           const std::vector<Mac>& allowed, uint64_t mono_now_ns,
                           uint64_t real_now_ns) {
  uint64_t age = mono_now_ns > ev.ts_ns ? mono_now_ns - ev.ts_ns : 0;
  uint64_t wall_ns = real_now_ns - age;
  time_t secs = static_cast<time_t>(wall_ns / 1000000000ull);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char stamp[64];
  size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(stamp + n, sizeof(stamp) - n, ".%03lluZ",
           static_cast<unsigned long long>((wall_ns / 1000000ull) % 1000));
  char gw[INET6_ADDRSTRLEN] = {};
  inet_ntop(ev.family == XG_FAM_IPV4 ? AF_INET : AF_INET6, ev.gateway, gw, sizeof(gw));
  nlohmann::json macs = nlohmann::json::array();
  for (const Mac& m : allowed) macs.push_back(FormatMac(m.data()));
  return {{"time", stamp},
          {"interface", ifname},
          {"vlan", ev.vlan},
          {"kind", EventKindName(ev.kind)},
          {"gateway", gw},
          {"claimed_mac", FormatMac(ev.claimed_mac)},
          {"eth_src", FormatMac(ev.eth_src)},
          {"allowed_macs", macs},
          {"frames", ev.frames},
          {"dropped", ev.dropped != 0}};
}

}  // namespace xdpguard::guard
