// SPDX-License-Identifier: GPL-2.0
// Turns raw flow records (xg_flows) into what `xdpguard flows` shows: rows per flow, per
// source address or per rule, sorted, with rates over the interval between two
// snapshots. Pure logic over plain structs, unit-tested without the kernel.
#ifndef XDPGUARD_FLOWS_FLOW_VIEW_H_
#define XDPGUARD_FLOWS_FLOW_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "datapath/map_backend.h"
#include "lists/origin_names.h"
#include "nlohmann/json.hpp"
#include "xdpguard_maps.h"

namespace xdpguard::flows {

struct FlowRecord {
  xg_flow_key key;
  xg_flow value;
};

enum class GroupBy { kFlow, kSource, kRule };
enum class SortBy { kPackets, kBytes, kDrops, kLast };

absl::StatusOr<GroupBy> ParseGroupBy(absl::string_view text);
absl::StatusOr<SortBy> ParseSortBy(absl::string_view text);

struct FlowRow {
  std::string ifname;  // --by flow only
  std::string proto;   // "tcp", "udp", "icmp", number otherwise; --by flow only
  std::string src;     // address (and port for --by flow)
  std::string dst;     // --by flow only
  std::string rule;    // matched CIDR, "" when none
  std::string origin;       // "manual", "config", "feed:N" (the id form), "" when none
  std::string origin_name;  // "manual", "config", the feed's name (or "feed:N"), ""
  uint64_t flows = 0;  // records folded into this row
  uint64_t packets = 0, bytes = 0, dropped = 0, ratelimited = 0;
  uint64_t first_ns = 0, last_ns = 0;
  double pps = 0, bps = 0;  // over the interval; 0 when no interval was taken
};

// Reads every record of the flow map.
absl::StatusOr<std::vector<FlowRecord>> ReadFlows(datapath::MapBackend* map);

// Builds rows from the `after` snapshot; rates come from the difference to `before` over
// interval_s seconds (a flow absent from `before` counts from zero). top = 0: all rows.
std::vector<FlowRow> BuildRows(const std::vector<FlowRecord>& before,
                               const std::vector<FlowRecord>& after, double interval_s,
                               GroupBy group, SortBy sort, size_t top,
                               const lists::OriginNames& names = {});

nlohmann::json RowsToJson(const std::vector<FlowRow>& rows, GroupBy group, double interval_s);

}  // namespace xdpguard::flows

#endif  // XDPGUARD_FLOWS_FLOW_VIEW_H_
