// SPDX-License-Identifier: GPL-2.0
// Manual (operator-pushed) list entries: building rule values, expiry, the "make the
// manual list exactly this file" plan, and operator comments. Feed entries carry another
// origin and are never touched by these operations.
#ifndef XDPGUARD_LISTS_MANUAL_RULES_H_
#define XDPGUARD_LISTS_MANUAL_RULES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datapath/map_backend.h"
#include "datapath/prefix_table.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::lists {

// Origin ids come from the contract (maps/xdpguard_maps.h, XG_ORIGIN_*).
inline constexpr uint16_t kOriginManual = XG_ORIGIN_MANUAL;
// Entries declared in the daemon's config file (its static allowlist and blocklist).
inline constexpr uint16_t kOriginConfig = XG_ORIGIN_CONFIG;
// Bans written by fail2ban's action (`block add --origin fail2ban`): it deletes only these.
inline constexpr uint16_t kOriginFail2ban = XG_ORIGIN_FAIL2BAN;
// Manual, fail2ban and config entries belong to the operator and the tools it runs: feeds
// never overwrite or delete them.
inline bool IsOperatorOrigin(uint16_t origin) {
  return origin == kOriginManual || origin == kOriginConfig || origin == kOriginFail2ban;
}
// "manual", "fail2ban", "config" or "feed:N", as listings and stats show an origin.
std::string OriginName(uint16_t origin);

struct RuleOptions {
  uint8_t action = XG_ACTION_DROP;
  bool monitor = false;
  uint64_t ttl_seconds = 0;  // 0 = never expires
  // Rate limit (action XG_ACTION_RATELIMIT).
  uint32_t pps = 0;
  uint32_t burst = 0;  // 0 = default: one second's worth (pps)
  uint64_t bps = 0;    // 0 = no byte limit
  uint8_t per = XG_RL_PER_SOURCE;
  // Scope.
  std::vector<uint16_t> ports;  // host order; empty = all ports
  bool new_only = false;
};

// Limits the controller enforces on rate-limit parameters (the datapath relies on them:
// pps > 0 keeps the emission interval defined, bps <= 1e10 keeps a byte's cost >= 0.1 ns).
inline constexpr uint32_t kMaxPps = 100000000;
inline constexpr uint32_t kMaxBurst = 100000000;
inline constexpr uint64_t kMaxBps = 10000000000ull;

// "drop", "pass", "ratelimit" (or "unknown").
std::string ActionName(uint8_t action);
// Describes a rule's action, limits and scope for listings, e.g.
// "ratelimit 10/s burst 20 per source; ports 80,443; new-only".
std::string DescribeRule(const xg_rule& rule);

// Clocks as the datapath sees them: CLOCK_MONOTONIC is what bpf_ktime_get_ns() returns.
uint64_t MonotonicNowNs();
uint64_t RealtimeNowS();

xg_rule MakeManualRule(const net::Cidr& cidr, const RuleOptions& options, uint64_t now_mono_ns,
                       uint64_t now_real_s);

bool IsExpired(const xg_rule& rule, uint64_t now_mono_ns);

// Comments for manual entries, in the pinned xg_comments map.
class CommentStore {
 public:
  explicit CommentStore(datapath::MapBackend* map) : map_(map) {}
  absl::Status Set(const net::Cidr& cidr, const std::string& comment);
  absl::Status Erase(const net::Cidr& cidr);  // absent is fine
  std::string Get(const net::Cidr& cidr) const;
  // Every comment in one pass (one walk of the comment map, not one lookup per entry).
  absl::StatusOr<std::map<net::Cidr, std::string>> All() const;

 private:
  datapath::MapBackend* map_;
};

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_MANUAL_RULES_H_
