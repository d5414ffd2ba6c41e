// SPDX-License-Identifier: GPL-2.0
#include "feeds/blocklist_sync.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xdpguard::feeds {
namespace {

using Entry = datapath::PrefixTable<xg_rule>::Entry;

bool IsManual(const xg_rule& r) { return lists::IsOperatorOrigin(r.origin); }

}  // namespace

OriginRule MakeOriginRule(uint16_t origin, const lists::RuleOptions& options, uint64_t now_real_s) {
  OriginRule out;
  out.rule = lists::MakeManualRule(net::Cidr{}, options, 0, now_real_s);
  out.rule.origin = origin;
  out.rule.expires_ns = 0;  // feed entries leave when the feed drops them, not on a timer
  const xg_rule& r = out.rule;
  std::vector<uint16_t> ports(r.ports, r.ports + r.nports);
  out.fingerprint = absl::StrCat("a", r.action, "f", r.flags, "p", r.rl_pps, "b", r.rl_burst,
                                 "B", r.rl_bps, "per", r.rl_per, "ports", absl::StrJoin(ports, ","));
  return out;
}

absl::StatusOr<SyncResult> SyncBlocklist(datapath::PrefixTable<xg_rule>* table,
                                         const AppliedState& before,
                                         const std::vector<UnionEntry>& after,
                                         const std::map<uint16_t, OriginRule>& rules,
                                         SyncOrder order) {
  SyncResult result;
  std::vector<Entry> upserts;
  std::vector<net::Cidr> deletes;
  auto rule_changed = [&](uint16_t origin) {
    auto old_fp = before.rule_fingerprints.find(origin);
    auto now = rules.find(origin);
    return old_fp == before.rule_fingerprints.end() || now == rules.end() ||
           old_fp->second != now->second.fingerprint;
  };
  auto upsert = [&](const UnionEntry& e) {
    auto rule = rules.find(e.origin);
    xg_rule r = rule == rules.end() ? xg_rule{} : rule->second.rule;
    r.prefixlen = e.cidr.prefixlen;
    upserts.push_back({e.cidr, r});
  };

  if (order == SyncOrder::kRewriteDeleteFirst) {
    for (const UnionEntry& e : before.entries) deletes.push_back(e.cidr);
    for (const UnionEntry& e : after) upsert(e);
    result.added = upserts.size();
  } else {
    // Both lists are sorted by prefix: one merge pass.
    size_t i = 0, j = 0;
    while (i < before.entries.size() || j < after.size()) {
      if (j == after.size() || (i < before.entries.size() && before.entries[i].cidr < after[j].cidr)) {
        deletes.push_back(before.entries[i++].cidr);
      } else if (i == before.entries.size() || after[j].cidr < before.entries[i].cidr) {
        upsert(after[j++]);
        result.added++;
      } else {
        if (before.entries[i].origin != after[j].origin || rule_changed(after[j].origin)) {
          upsert(after[j]);
          result.changed++;
        } else {
          result.unchanged++;
        }
        i++;
        j++;
      }
    }
  }

  auto do_deletes = [&]() -> absl::Status {
    absl::StatusOr<size_t> n = table->DeleteWhere(deletes, [](const xg_rule& r) { return !IsManual(r); });
    if (!n.ok()) return n.status();
    result.deleted = *n;
    return absl::OkStatus();
  };
  if (order == SyncOrder::kRewriteDeleteFirst) {
    if (absl::Status s = do_deletes(); !s.ok()) return s;
  }
  absl::Status st = table->UpsertUnless(upserts, IsManual, &result.kept_manual);
  if (!st.ok()) return st;
  if (order == SyncOrder::kAddsBeforeDeletes) {
    if (absl::Status s = do_deletes(); !s.ok()) return s;
  }
  return result;
}

absl::StatusOr<AppliedState> AppliedStateFromMaps(const datapath::PrefixTable<xg_rule>& table) {
  absl::StatusOr<std::vector<Entry>> all = table.List();
  if (!all.ok()) return all.status();
  AppliedState st;
  for (const Entry& e : *all) {
    if (IsManual(e.value)) continue;
    st.entries.push_back({e.cidr, e.value.origin});
  }
  std::sort(st.entries.begin(), st.entries.end(),
            [](const UnionEntry& a, const UnionEntry& b) { return a.cidr < b.cidr; });
  // Fingerprints unknown: every surviving entry is rewritten once with its feed's rule.
  return st;
}

}  // namespace xdpguard::feeds
