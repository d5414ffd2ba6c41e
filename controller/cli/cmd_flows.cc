// SPDX-License-Identifier: GPL-2.0
// flows: the flow table, per flow, per source or per rule, with rates over an interval
// (two snapshots SECONDS apart; --interval 0 skips the wait and the rates).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "session/session.h"
#include "flows/flow_view.h"

namespace xdpguard::cli {

int RunFlows(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"json"}, {"top", "sort", "by", "interval", "config"}});
  if (!args.ok()) return Fail(args.status());
  if (!args->positionals().empty())
    return Fail(absl::InvalidArgumentError("usage: flows [--top N] [--sort ...] [--by ...]"));
  uint32_t top = 20;
  if (auto t = args->Value("top")) {
    absl::StatusOr<uint32_t> n = ParseCount("top", *t, 0, 10000000);
    if (!n.ok()) return Fail(n.status());
    top = *n;
  }
  absl::StatusOr<flows::SortBy> sort = flows::ParseSortBy(args->Value("sort").value_or("packets"));
  if (!sort.ok()) return Fail(sort.status());
  absl::StatusOr<flows::GroupBy> group = flows::ParseGroupBy(args->Value("by").value_or("flow"));
  if (!group.ok()) return Fail(group.status());
  double interval = 1.0;
  if (auto i = args->Value("interval")) {
    if (!absl::SimpleAtod(*i, &interval) || !(interval >= 0) || interval > 60)
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--interval must be seconds from 0 to 60, got '", *i, "'")));
  }
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  datapath::LibbpfMap* map = (*maps)->map(XG_MAP_FLOWS);

  std::vector<flows::FlowRecord> before;
  if (interval > 0) {
    absl::StatusOr<std::vector<flows::FlowRecord>> b = flows::ReadFlows(map);
    if (!b.ok()) return Fail(b.status());
    before = std::move(*b);
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
  absl::StatusOr<std::vector<flows::FlowRecord>> after = flows::ReadFlows(map);
  if (!after.ok()) return Fail(after.status());
  std::vector<flows::FlowRow> rows =
      flows::BuildRows(before, *after, interval, *group, *sort, top, OriginNamesFor(*args));

  if (args->Has("json")) {
    std::cout << flows::RowsToJson(rows, *group, interval).dump(2) << "\n";
    return kExitOk;
  }
  const char* rate_hdr = interval > 0 ? "PPS" : "";
  if (*group == flows::GroupBy::kFlow) {
    std::printf("%-15s %-6s %-44s %-44s %10s %10s %10s %8s  %s\n", "IFACE", "PROTO", "SOURCE",
                "DESTINATION", "PACKETS", "DROPPED", "LIMITED", rate_hdr, "RULE (ORIGIN)");
  } else {
    std::printf("%-44s %8s %10s %12s %10s %10s %8s  %s\n",
                *group == flows::GroupBy::kSource ? "SOURCE" : "RULE", "FLOWS", "PACKETS",
                "BYTES", "DROPPED", "LIMITED", rate_hdr, "RULE (ORIGIN)");
  }
  for (const auto& r : rows) {
    std::string rule = r.rule.empty() ? "-" : absl::StrCat(r.rule, " (", r.origin_name, ")");
    std::string rate = interval > 0 ? absl::StrCat(static_cast<uint64_t>(r.pps + 0.5)) : "";
    if (*group == flows::GroupBy::kFlow) {
      std::printf("%-15s %-6s %-44s %-44s %10llu %10llu %10llu %8s  %s\n", r.ifname.c_str(),
                  r.proto.c_str(), r.src.c_str(), r.dst.c_str(), (unsigned long long)r.packets,
                  (unsigned long long)r.dropped, (unsigned long long)r.ratelimited, rate.c_str(),
                  rule.c_str());
    } else {
      std::printf("%-44s %8llu %10llu %12llu %10llu %10llu %8s  %s\n",
                  (*group == flows::GroupBy::kSource ? r.src : r.rule).c_str(),
                  (unsigned long long)r.flows, (unsigned long long)r.packets,
                  (unsigned long long)r.bytes, (unsigned long long)r.dropped,
                  (unsigned long long)r.ratelimited, rate.c_str(), rule.c_str());
    }
  }
  std::printf("%zu rows. Dropped and rate-limited packets are sampled (see `status`), so their "
              "flow counts are estimates; `stats` has exact per-rule totals.\n",
              rows.size());
  return kExitOk;
}

}  // namespace xdpguard::cli
