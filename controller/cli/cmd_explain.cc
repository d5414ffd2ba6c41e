// SPDX-License-Identifier: GPL-2.0
// explain ADDRESS: which list and rule decide an address now, and why (lists/explain.h),
// with each covering rule's origin, expiry, hits and comment, and whether the datapath's
// verdict cache holds the address. Read-only.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "datapath/counters.h"
#include "datapath/keys.h"
#include "lists/explain.h"
#include "lists/manual_rules.h"
#include "nlohmann/json.hpp"
#include "session/session.h"

namespace xdpguard::cli {
namespace {

struct CacheState {
  int cpus_holding = 0;  // CPUs whose verdict cache slot holds this address, current
  int cpus = 0;
};

// The datapath's per-CPU verdict cache slot for the address (maps/xdpguard_maps.h): held
// when a CPU's slot names this address under the current list generation.
absl::StatusOr<CacheState> VerdictCache(const datapath::PinnedMaps& maps, const net::Cidr& address) {
  const xg_rule_stats_key a = datapath::RuleStatsKey(address);
  const uint32_t idx = xg_verdict_index(a.family, a.addr);
  uint64_t gen = 0;
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(maps.map(XG_MAP_LIST_GEN)->fd(), &zero, &gen) != 0)
    return absl::InternalError("read the list generation");
  CacheState st;
  st.cpus = libbpf_num_possible_cpus();
  const size_t stride = (sizeof(xg_verdict_slot) + 7) & ~size_t{7};
  std::vector<char> values(stride * static_cast<size_t>(st.cpus));
  if (bpf_map_lookup_elem(maps.map(XG_MAP_VERDICTS)->fd(), &idx, values.data()) != 0)
    return absl::InternalError("read the verdict cache");
  for (int cpu = 0; cpu < st.cpus; cpu++) {
    xg_verdict_slot s;
    std::memcpy(&s, values.data() + static_cast<size_t>(cpu) * stride, sizeof(s));
    if (s.kind != XG_VERDICT_EMPTY && s.gen == gen && s.family == a.family &&
        std::memcmp(s.addr, a.addr, sizeof(a.addr)) == 0)
      st.cpus_holding++;
  }
  return st;
}

// What the deciding rule does to every packet from the address.
std::string Outcome(const xg_rule& r) {
  const bool monitor = r.flags & XG_RULE_MONITOR;
  if (r.action == XG_ACTION_PASS) return "passed and counted";
  const std::string what = r.action == XG_ACTION_RATELIMIT
                               ? "rate-limited (" + lists::DescribeRule(r) + ")"
                               : std::string("dropped");
  return monitor ? what + " in monitor mode (counted as would-drop, passed)" : what;
}

std::string Expiry(const lists::CoveringRule& r, uint64_t now) {
  if (r.expired) return "expired";
  if (!r.rule.expires_ns) return "no expiry";
  return "expires in " + FormatSeconds((r.rule.expires_ns - now) / 1000000000ull);
}

}  // namespace

int RunExplain(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"json"}, {"config"}});
  if (!args.ok()) return Fail(args.status());
  if (args->positionals().size() != 1)
    return Fail(absl::InvalidArgumentError("usage: explain ADDRESS [--json]"));
  absl::StatusOr<net::ParsedCidr> parsed = net::ParseCidr(args->positionals()[0]);
  if (!parsed.ok()) return Fail(absl::InvalidArgumentError(parsed.status().message()));
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  const uint64_t now = lists::MonotonicNowNs();
  absl::StatusOr<lists::Explanation> e =
      lists::Explain((*maps)->Blocklist(), (*maps)->Allowlist(), parsed->cidr, now);
  if (!e.ok()) return Fail(absl::InvalidArgumentError(e.status().message()));
  const lists::OriginNames names = OriginNamesFor(*args);
  lists::CommentStore comments((*maps)->map(XG_MAP_COMMENTS));
  absl::StatusOr<CacheState> cache = VerdictCache(**maps, e->address);
  if (!cache.ok()) return Fail(cache.status());

  nlohmann::json j = {{"address", e->address.ToString()}, {"verdict", e->verdict},
                      {"allowlist", nlohmann::json::array()}, {"blocklist", nlohmann::json::array()},
                      {"verdict_cache", {{"cpus_holding", cache->cpus_holding}, {"cpus", cache->cpus}}}};
  for (size_t i = 0; i < e->allow.size(); i++)
    j["allowlist"].push_back({{"cidr", e->allow[i].ToString()},
                              {"origin", lists::OriginName(e->allow_values[i].origin)},
                              {"origin_name", names.Name(e->allow_values[i].origin)}});
  for (size_t i = 0; i < e->block.size(); i++) {
    const lists::CoveringRule& r = e->block[i];
    absl::StatusOr<xg_counter> hits = datapath::ReadRuleCounter(**maps, r.cidr);
    nlohmann::json rule = RuleDetailsJson(r.rule);
    rule.update({{"cidr", r.cidr.ToString()},
                 {"action", lists::ActionName(r.rule.action)},
                 {"monitor", (r.rule.flags & XG_RULE_MONITOR) != 0},
                 {"origin", lists::OriginName(r.rule.origin)},
                 {"origin_name", names.Name(r.rule.origin)},
                 {"expired", r.expired},
                 {"expires_in_s", r.rule.expires_ns && !r.expired
                                      ? nlohmann::json((r.rule.expires_ns - now) / 1000000000ull)
                                      : nlohmann::json()},
                 {"scoped", r.scoped},
                 {"reached", r.reached},
                 {"deciding", e->deciding == i},
                 {"packets", hits.ok() ? hits->packets : 0},
                 {"bytes", hits.ok() ? hits->bytes : 0},
                 {"comment", comments.Get(r.cidr)}});
    j["blocklist"].push_back(rule);
  }
  if (e->deciding) j["deciding"] = e->block[*e->deciding].cidr.ToString();
  if (args->Has("json")) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }

  std::cout << e->address.ToString() << ": ";
  if (e->verdict == "allow") {
    std::cout << "allowlisted by " << e->allow.front().ToString() << " ("
              << names.Name(e->allow_values.front().origin) << "): every packet passes\n";
  } else if (e->verdict == "rule") {
    const lists::CoveringRule& r = e->block[*e->deciding];
    std::cout << Outcome(r.rule) << " by " << r.cidr.ToString() << " (" << names.Name(r.rule.origin) << ")\n";
  } else if (e->verdict == "scoped") {
    std::cout << "only the scoped rules below apply (to the packets their scope covers); other packets pass\n";
  } else {
    std::cout << "in no list: passes\n";
  }
  for (size_t i = 0; i < e->allow.size(); i++)
    std::cout << "  allow " << e->allow[i].ToString() << "  " << names.Name(e->allow_values[i].origin) << "\n";
  for (size_t i = 0; i < e->block.size(); i++) {
    const lists::CoveringRule& r = e->block[i];
    const auto& jr = j["blocklist"][i];
    std::cout << "  block " << r.cidr.ToString() << "  " << lists::DescribeRule(r.rule)
              << ((r.rule.flags & XG_RULE_MONITOR) ? " monitor" : "") << "  " << names.Name(r.rule.origin)
              << "  " << Expiry(r, now) << "  " << jr["packets"].get<uint64_t>() << " hits";
    if (!e->allow.empty()) std::cout << "  (behind the allowlist)";
    else if (e->deciding == i) std::cout << "  <- decides";
    else if (!r.reached) std::cout << "  (not consulted)";
    else if (r.expired) std::cout << "  (skipped: expired)";
    else if (r.scoped) std::cout << "  (applies to its scope only)";
    if (!jr["comment"].get<std::string>().empty()) std::cout << "  # " << jr["comment"].get<std::string>();
    std::cout << "\n";
  }
  std::cout << "  verdict cache: " << (cache->cpus_holding ? "holds it on " : "not held (")
            << (cache->cpus_holding ? absl::StrCat(cache->cpus_holding, " of ", cache->cpus, " CPUs")
                                    : std::string("the next packet takes the full lookup)"))
            << "\n";
  return kExitOk;
}

}  // namespace xdpguard::cli
