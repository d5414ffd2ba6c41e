// SPDX-License-Identifier: GPL-2.0
#include "daemon/static_lists.h"

#include "lists/manual_rules.h"
#include "lists/reconciler.h"
#include "spdlog/spdlog.h"

namespace xdpguard::daemon {
namespace {

template <typename V>
lists::Owner<V> ConfigOwner(const char* name) {
  return {name, [](const V& v) { return v.origin == lists::kOriginConfig; },
          [](const V& v) { return v.origin == lists::kOriginManual; }};
}

// The config's lists are small and the operator may edit their entries by hand between
// reloads (block del, then the reload restores it): each unchanged entry is checked.
lists::ReconcileOptions Options(const config::Config& cfg, const char* file) {
  lists::ReconcileOptions o;
  o.state_path = cfg.state_dir + "/" + file;
  o.verify_unchanged = true;
  return o;
}

template <typename V>
absl::StatusOr<lists::ReconcileResult> SyncOne(datapath::PrefixTable<V>* table, const lists::Owner<V>& owner,
                                               std::vector<typename datapath::PrefixTable<V>::Entry> desired,
                                               const lists::ReconcileOptions& options) {
  absl::StatusOr<lists::AppliedSet> before = lists::LoadApplied(*table, owner, options);
  if (!before.ok()) return before.status();
  absl::StatusOr<lists::Reconciled> r = lists::Reconcile(table, owner, *before, std::move(desired), options);
  if (!r.ok()) return r.status();
  return std::move(r->result);
}

}  // namespace

absl::StatusOr<StaticSyncResult> SyncStaticLists(const StaticListMaps& maps, const config::Config& cfg) {
  StaticSyncResult result;
  std::vector<datapath::PrefixTable<xg_allow>::Entry> allow;
  for (const net::Cidr& c : cfg.allowlist) {
    xg_allow v{};
    v.origin = lists::kOriginConfig;
    allow.push_back({c, v});
  }
  absl::StatusOr<lists::ReconcileResult> a = SyncOne(maps.allow, ConfigOwner<xg_allow>("config allowlist"),
                                                     std::move(allow), Options(cfg, "static_allow.set"));
  if (!a.ok()) return a.status();

  std::vector<datapath::PrefixTable<xg_rule>::Entry> block;
  const uint64_t now_real = lists::RealtimeNowS();
  for (const config::StaticBlockEntry& e : cfg.blocklist) {
    xg_rule r = lists::MakeManualRule(e.cidr, e.rule, 0, now_real);
    r.origin = lists::kOriginConfig;
    block.push_back({e.cidr, r});
  }
  absl::StatusOr<lists::ReconcileResult> b = SyncOne(maps.block, ConfigOwner<xg_rule>("config blocklist"),
                                                     std::move(block), Options(cfg, "static_block.set"));
  if (!b.ok()) return b.status();

  lists::CommentStore comments(maps.comments);
  for (const config::StaticBlockEntry& e : cfg.blocklist) {
    absl::Status s = e.comment.empty() ? comments.Erase(e.cidr) : comments.Set(e.cidr, e.comment);
    if (!s.ok()) spdlog::warn("comment for {}: {}", e.cidr.ToString(), std::string(s.message()));
  }
  for (const net::Cidr& c : b->removed) (void)comments.Erase(c);

  result.allow_written = a->added + a->changed;
  result.allow_removed = a->deleted;
  result.block_written = b->added + b->changed;
  result.block_removed = b->deleted;
  result.unchanged = a->unchanged + b->unchanged;
  result.left_to_manual = a->yielded;
  result.left_to_manual.insert(result.left_to_manual.end(), b->yielded.begin(), b->yielded.end());
  return result;
}

absl::StatusOr<StaticSyncResult> SyncStaticLists(const datapath::PinnedMaps& maps,
                                                 const config::Config& cfg) {
  datapath::PrefixTable<xg_rule> block = maps.Blocklist();
  datapath::PrefixTable<xg_allow> allow = maps.Allowlist();
  return SyncStaticLists(StaticListMaps{&block, &allow, maps.map(XG_MAP_COMMENTS)}, cfg);
}

}  // namespace xdpguard::daemon
