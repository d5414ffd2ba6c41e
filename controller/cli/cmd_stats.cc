// SPDX-License-Identifier: GPL-2.0
// stats: global verdict counters per family, parse/malformed reasons, per-origin and
// per-rule hit counters. JSON field names are stable (tests round-trip them).
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "session/session.h"
#include "datapath/counters.h"
#include "lists/manual_rules.h"
#include "nlohmann/json.hpp"

namespace xdpguard::cli {

namespace {

// Packets per interface and verdict (all families), for interfaces that saw any.
void PrintPerInterface(const datapath::Counters& c) {
  bool header = false;
  for (const datapath::InterfaceVerdicts& iv : c.interfaces) {
    uint64_t per_class[XG_CLASS_MAX] = {};
    uint64_t total = 0;
    for (int cls = 0; cls < XG_CLASS_MAX; cls++)
      for (int fam = 0; fam < XG_FAM_MAX; fam++) {
        per_class[cls] += iv.verdicts[cls][fam].packets;
        total += iv.verdicts[cls][fam].packets;
      }
    if (total == 0) continue;
    if (!header) {
      std::printf("\nper interface (packets):\n  %-16s", "INTERFACE");
      for (int cls = 0; cls < XG_CLASS_MAX; cls++) std::printf(" %12s", datapath::ClassName(cls));
      std::printf("\n");
      header = true;
    }
    std::printf("  %-16s", datapath::InterfaceLabel(iv).c_str());
    for (int cls = 0; cls < XG_CLASS_MAX; cls++)
      std::printf(" %12llu", (unsigned long long)per_class[cls]);
    std::printf("\n");
  }
}

}  // namespace

int RunStats(const Context& ctx, const Argv& argv) {
  absl::StatusOr<Args> args = Args::Parse(argv, {{"json"}, {"top", "config"}});
  if (!args.ok()) return Fail(args.status());
  uint32_t top = 20;
  if (auto t = args->Value("top")) {
    absl::StatusOr<uint32_t> n = ParseCount("top", *t, 0, 1000000);
    if (!n.ok()) return Fail(n.status());
    top = *n;
  }
  absl::StatusOr<std::unique_ptr<datapath::PinnedMaps>> maps = session::OpenForRead(ctx.pin_dir);
  if (!maps.ok()) return Fail(maps.status());
  absl::StatusOr<datapath::Counters> c = datapath::ReadCounters(**maps, true);
  if (!c.ok()) return Fail(c.status());

  nlohmann::json j;
  for (int cls = 0; cls < XG_CLASS_MAX; cls++)
    for (int fam = 0; fam < XG_FAM_MAX; fam++)
      j["verdicts"][datapath::ClassName(cls)][datapath::FamilyName(fam)] = {
          {"packets", c->verdicts[cls][fam].packets}, {"bytes", c->verdicts[cls][fam].bytes}};
  j["interfaces"] = nlohmann::json::object();
  for (const datapath::InterfaceVerdicts& iv : c->interfaces) {
    nlohmann::json& ij = j["interfaces"][datapath::InterfaceLabel(iv)];
    for (int cls = 0; cls < XG_CLASS_MAX; cls++)
      for (int fam = 0; fam < XG_FAM_MAX; fam++)
        ij[datapath::ClassName(cls)][datapath::FamilyName(fam)] = {
            {"packets", iv.verdicts[cls][fam].packets}, {"bytes", iv.verdicts[cls][fam].bytes}};
  }
  for (int r = 1; r < XG_REASON_MAX; r++) j["reasons"][datapath::ReasonName(r)] = c->reasons[r];
  uint64_t malformed = 0;
  for (int r = 1; r < XG_REASON_MAX; r++)
    if (XG_REASON_IS_MALFORMED(r)) malformed += c->reasons[r];
  j["malformed_packets"] = malformed;
  j["origins"] = nlohmann::json::object();
  const lists::OriginNames names = OriginNamesFor(*args);
  for (int o = 0; o < XG_MAX_ORIGINS; o++) {
    if (!c->origins[o].packets) continue;
    j["origins"][lists::OriginName(static_cast<uint16_t>(o))] = {
        {"name", names.Name(static_cast<uint16_t>(o))},
        {"packets", c->origins[o].packets}, {"bytes", c->origins[o].bytes}};
  }
  j["rules"] = nlohmann::json::array();
  for (size_t i = 0; i < c->rules.size() && i < top; i++)
    j["rules"].push_back({{"cidr", c->rules[i].cidr.ToString()},
                          {"packets", c->rules[i].counter.packets},
                          {"bytes", c->rules[i].counter.bytes}});
  j["rules_with_hits"] = c->rules.size();
  // Hits of per-rule counters given up to other rules (their sets were full): the per-rule
  // counts plus this add up to the rule hits counted per origin.
  j["rule_hits_evicted"] = c->rule_evicted_packets;
  for (int g = 0; g < XG_GSTAT_MAX; g++) j["guard"][datapath::GuardStatName(g)] = c->guard[g];

  if (args->Has("json")) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-10s %14s %14s %14s %16s\n", "VERDICT", "IPV4 PKTS", "IPV6 PKTS", "OTHER PKTS",
              "BYTES");
  for (int cls = 0; cls < XG_CLASS_MAX; cls++) {
    const auto& v = c->verdicts[cls];
    std::printf("%-10s %14llu %14llu %14llu %16llu\n", datapath::ClassName(cls),
                (unsigned long long)v[0].packets, (unsigned long long)v[1].packets,
                (unsigned long long)v[2].packets,
                (unsigned long long)(v[0].bytes + v[1].bytes + v[2].bytes));
  }
  PrintPerInterface(*c);
  std::printf("\nmalformed: %llu\n", (unsigned long long)malformed);
  for (int r = 1; r < XG_REASON_MAX; r++)
    if (c->reasons[r])
      std::printf("  %-24s %llu\n", datapath::ReasonName(r), (unsigned long long)c->reasons[r]);
  if (!j["origins"].empty()) std::printf("\nhits per origin:\n");
  for (auto& [id, v] : j["origins"].items())
    std::printf("  %-20s %14llu packets %16llu bytes\n", v["name"].get<std::string>().c_str(),
                (unsigned long long)v["packets"].get<uint64_t>(),
                (unsigned long long)v["bytes"].get<uint64_t>());
  bool any_guard = false;
  for (int g = 0; g < XG_GSTAT_MAX; g++) any_guard = any_guard || c->guard[g];
  if (any_guard) std::printf("\ngateway guard:\n");
  for (int g = 0; g < XG_GSTAT_MAX; g++)
    if (c->guard[g])
      std::printf("  %-24s %llu\n", datapath::GuardStatName(g), (unsigned long long)c->guard[g]);
  if (!c->rules.empty()) std::printf("\ntop rules (of %zu with hits):\n", c->rules.size());
  if (c->rule_evicted_packets)
    std::printf("  (%llu hits were in counters given up to other rules: see docs/datapath.md)\n",
                (unsigned long long)c->rule_evicted_packets);
  for (const auto& r : j["rules"])
    std::printf("  %-43s %14llu packets %16llu bytes\n", r["cidr"].get<std::string>().c_str(),
                (unsigned long long)r["packets"].get<uint64_t>(),
                (unsigned long long)r["bytes"].get<uint64_t>());
  return kExitOk;
}

}  // namespace xdpguard::cli
