// SPDX-License-Identifier: GPL-2.0
#include "flows/flow_view.h"

#include "lists/manual_rules.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "datapath/keys.h"

namespace xdpguard::flows {
namespace {

std::string Address(uint8_t family, const __be32* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == XG_FAM_IPV4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  return buf;
}

std::string WithPort(uint8_t family, const __be32* addr, __be16 port, bool has_port) {
  std::string a = Address(family, addr);
  if (!has_port) return a;
  return family == XG_FAM_IPV4 ? absl::StrCat(a, ":", ntohs(port))
                               : absl::StrCat("[", a, "]:", ntohs(port));
}

std::string ProtoName(uint8_t proto) {
  switch (proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
      return "icmp";
    case 58:
      return "icmpv6";
    case 132:
      return "sctp";
  }
  return std::to_string(proto);
}

bool HasPorts(uint8_t proto) { return proto == 6 || proto == 17 || proto == 132 || proto == 136; }

std::string IfName(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  if (if_indextoname(ifindex, buf)) return buf;
  return absl::StrCat("if", ifindex);
}

// Byte-wise key of a record, to pair the two snapshots.
std::string KeyBytes(const xg_flow_key& k) {
  return std::string(reinterpret_cast<const char*>(&k), sizeof(k));
}

}  // namespace

absl::StatusOr<GroupBy> ParseGroupBy(absl::string_view text) {
  if (text == "flow") return GroupBy::kFlow;
  if (text == "source") return GroupBy::kSource;
  if (text == "rule") return GroupBy::kRule;
  return absl::InvalidArgumentError(
      absl::StrCat("--by must be flow, source or rule, got '", text, "'"));
}

absl::StatusOr<SortBy> ParseSortBy(absl::string_view text) {
  if (text == "packets") return SortBy::kPackets;
  if (text == "bytes") return SortBy::kBytes;
  if (text == "drops") return SortBy::kDrops;
  if (text == "last") return SortBy::kLast;
  return absl::InvalidArgumentError(
      absl::StrCat("--sort must be packets, bytes, drops or last, got '", text, "'"));
}

absl::StatusOr<std::vector<FlowRecord>> ReadFlows(datapath::MapBackend* map) {
  if (map->key_size() != sizeof(xg_flow_key) || map->value_size() != sizeof(xg_flow))
    return absl::FailedPreconditionError("xg_flows has an unexpected layout");
  std::vector<FlowRecord> out;
  absl::Status s = map->ForEach([&](const void* k, const void* v) {
    FlowRecord r;
    std::memcpy(&r.key, k, sizeof(r.key));
    std::memcpy(&r.value, v, sizeof(r.value));
    out.push_back(r);
  });
  if (!s.ok()) return s;
  return out;
}

std::vector<FlowRow> BuildRows(const std::vector<FlowRecord>& before,
                               const std::vector<FlowRecord>& after, double interval_s,
                               GroupBy group, SortBy sort, size_t top,
                               const lists::OriginNames& names) {
  std::map<std::string, const xg_flow*> prior;
  for (const FlowRecord& r : before) prior[KeyBytes(r.key)] = &r.value;

  std::map<std::string, FlowRow> rows;
  for (const FlowRecord& r : after) {
    const xg_flow& f = r.value;
    const bool matched = f.flags & XG_FLOW_MATCHED;
    std::string rule = matched ? datapath::FromRuleStatsKey(f.rule).ToString() : "";
    std::string group_key;
    FlowRow proto_row;
    switch (group) {
      case GroupBy::kFlow:
        group_key = KeyBytes(r.key);
        proto_row.ifname = IfName(r.key.ifindex);
        proto_row.proto = ProtoName(r.key.proto);
        proto_row.src = WithPort(r.key.family, r.key.saddr, r.key.sport, HasPorts(r.key.proto));
        proto_row.dst = WithPort(r.key.family, r.key.daddr, r.key.dport, HasPorts(r.key.proto));
        break;
      case GroupBy::kSource:
        proto_row.src = Address(r.key.family, r.key.saddr);
        group_key = proto_row.src;
        break;
      case GroupBy::kRule:
        if (!matched) continue;  // --by rule lists matched traffic only
        group_key = rule;
        break;
    }
    auto [it, inserted] = rows.try_emplace(group_key, proto_row);
    FlowRow& row = it->second;
    if (matched && row.rule.empty()) {
      row.rule = rule;
      row.origin = lists::OriginName(f.origin);
      row.origin_name = names.Name(f.origin);
    }
    row.flows++;
    row.packets += f.packets;
    row.bytes += f.bytes;
    row.dropped += f.dropped;
    row.ratelimited += f.ratelimited;
    row.first_ns = inserted || f.first_ns < row.first_ns ? f.first_ns : row.first_ns;
    row.last_ns = std::max<uint64_t>(row.last_ns, f.last_ns);
    if (interval_s > 0) {
      auto p = prior.find(KeyBytes(r.key));
      uint64_t p_packets = p != prior.end() ? p->second->packets : 0;
      uint64_t p_bytes = p != prior.end() ? p->second->bytes : 0;
      // A record evicted and re-created between snapshots can shrink: never negative.
      row.pps += f.packets >= p_packets ? (f.packets - p_packets) / interval_s : 0;
      row.bps += f.bytes >= p_bytes ? (f.bytes - p_bytes) / interval_s : 0;
    }
  }
  std::vector<FlowRow> out;
  for (auto& [k, row] : rows) out.push_back(std::move(row));
  auto metric = [sort](const FlowRow& r) -> uint64_t {
    switch (sort) {
      case SortBy::kPackets:
        return r.packets;
      case SortBy::kBytes:
        return r.bytes;
      case SortBy::kDrops:
        return r.dropped + r.ratelimited;
      case SortBy::kLast:
        return r.last_ns;
    }
    return 0;
  };
  std::stable_sort(out.begin(), out.end(), [&](const FlowRow& a, const FlowRow& b) {
    uint64_t ma = metric(a), mb = metric(b);
    if (ma != mb) return ma > mb;
    return std::tie(a.src, a.dst) < std::tie(b.src, b.dst);
  });
  if (top && out.size() > top) out.resize(top);
  return out;
}

nlohmann::json RowsToJson(const std::vector<FlowRow>& rows, GroupBy group, double interval_s) {
  nlohmann::json out = nlohmann::json::array();
  for (const FlowRow& r : rows) {
    nlohmann::json j = {{"packets", r.packets},
                        {"bytes", r.bytes},
                        {"dropped", r.dropped},
                        {"ratelimited", r.ratelimited},
                        {"flows", r.flows},
                        {"first_seen_ns", r.first_ns},
                        {"last_seen_ns", r.last_ns},
                        {"rule", r.rule.empty() ? nlohmann::json() : nlohmann::json(r.rule)},
                        {"origin", r.origin.empty() ? nlohmann::json() : nlohmann::json(r.origin)},
                        {"origin_name", r.origin_name.empty() ? nlohmann::json() : nlohmann::json(r.origin_name)}};
    if (interval_s > 0) {
      j["pps"] = r.pps;
      j["bps"] = r.bps;
    }
    if (group == GroupBy::kFlow) {
      j["interface"] = r.ifname;
      j["proto"] = r.proto;
      j["src"] = r.src;
      j["dst"] = r.dst;
    } else if (group == GroupBy::kSource) {
      j["src"] = r.src;
    }
    out.push_back(j);
  }
  return out;
}

}  // namespace xdpguard::flows
