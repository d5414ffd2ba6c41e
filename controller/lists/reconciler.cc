// SPDX-License-Identifier: GPL-2.0
#include "lists/reconciler.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "spdlog/spdlog.h"

namespace xdpguard::lists {
namespace {

template <typename V>
using Entry = typename datapath::PrefixTable<V>::Entry;

// FNV-1a over the value's bytes: every value struct has explicit padding, zeroed on both
// sides (maps/xdpguard_maps.h), so equal bytes mean an equal entry.
uint64_t HashBytes(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

PlanWriter<xg_rule> rule_writer = nullptr;
PlanWriter<xg_allow> allow_writer = nullptr;

template <typename V>
PlanWriter<V> CurrentWriter() {
  PlanWriter<V> installed;
  if constexpr (std::is_same_v<V, xg_rule>) {
    installed = rule_writer;
  } else {
    installed = allow_writer;
  }
  return installed ? installed : &WritePlanAddsFirst<V>;
}

bool ByPrefix(const AppliedEntry& a, const AppliedEntry& b) { return a.cidr < b.cidr; }

// Entries whose version matches but whose map value does not (deleted or overwritten by
// hand since) move from unchanged to changed.
template <typename V>
absl::Status VerifyUnchanged(const datapath::PrefixTable<V>& table, const Owner<V>& owner,
                             ReconcilePlan<V>* plan) {
  std::vector<size_t> still;
  for (size_t i : plan->unchanged) {
    const Entry<V>& e = plan->desired[i];
    absl::StatusOr<std::optional<V>> cur = table.Get(e.cidr);
    if (!cur.ok()) return cur.status();
    if (*cur && owner.owns(**cur) && ValueVersion(**cur) == plan->versions[i]) {
      still.push_back(i);
    } else {
      plan->writes.push_back(e);
      plan->changed++;
    }
  }
  plan->unchanged = std::move(still);
  return absl::OkStatus();
}

// What the owner holds after the plan was written: the desired entries but those it
// yielded (not its own: recording them would stop it from taking them back later).
template <typename V>
AppliedSet AppliedAfter(const ReconcilePlan<V>& plan, std::vector<net::Cidr> yielded,
                        std::string identity) {
  std::sort(yielded.begin(), yielded.end());
  AppliedSet set;
  set.maps_identity = std::move(identity);
  set.entries.reserve(plan.desired.size());
  for (size_t i = 0; i < plan.desired.size(); i++) {
    const Entry<V>& e = plan.desired[i];
    if (!std::binary_search(yielded.begin(), yielded.end(), e.cidr))
      set.entries.push_back({e.cidr, e.value.origin, plan.versions[i]});
  }
  return set;
}

}  // namespace

uint64_t ValueVersion(const xg_rule& rule) {
  xg_rule r = rule;
  r.created_s = 0;
  return HashBytes(&r, sizeof(r));
}

uint64_t ValueVersion(const xg_allow& allow) { return HashBytes(&allow, sizeof(allow)); }

void InstallPlanWritersForTesting(PlanWriter<xg_rule> rules, PlanWriter<xg_allow> allows) {
  rule_writer = rules;
  allow_writer = allows;
}

template <typename V>
absl::StatusOr<ReconcileResult> WritePlanAddsFirst(datapath::PrefixTable<V>* table,
                                                   const Owner<V>& owner,
                                                   const ReconcilePlan<V>& plan) {
  ReconcileResult result;
  result.added = plan.added;
  result.changed = plan.changed;
  result.unchanged = plan.unchanged.size();
  result.removed = plan.deletes;
  std::function<bool(const V&)> keep = owner.yields_to ? owner.yields_to : [](const V&) { return false; };
  if (absl::Status s = table->UpsertUnless(plan.writes, keep, &result.yielded); !s.ok()) return s;
  absl::StatusOr<size_t> n = table->DeleteWhere(plan.deletes, owner.owns);
  if (!n.ok()) return n.status();
  result.deleted = *n;
  return result;
}

template <typename V>
absl::StatusOr<AppliedSet> AppliedFromMaps(const datapath::PrefixTable<V>& table,
                                           const Owner<V>& owner) {
  absl::StatusOr<std::vector<Entry<V>>> all = table.List();
  if (!all.ok()) return all.status();
  AppliedSet set;
  set.maps_identity = table.Identity();
  for (const Entry<V>& e : *all) {
    if (owner.owns(e.value)) set.entries.push_back({e.cidr, e.value.origin, ValueVersion(e.value)});
  }
  std::sort(set.entries.begin(), set.entries.end(), ByPrefix);
  return set;
}

template <typename V>
ReconcilePlan<V> PlanReconcile(const AppliedSet& before, std::vector<Entry<V>> desired) {
  for (Entry<V>& e : desired) e.value.prefixlen = e.cidr.prefixlen;  // as PrefixTable writes it
  // Callers often pass a sorted set (the feeds' union is): checking is one pass, sorting
  // a million entries again was most of a refresh's planning.
  auto by_prefix = [](const Entry<V>& a, const Entry<V>& b) { return a.cidr < b.cidr; };
  if (!std::is_sorted(desired.begin(), desired.end(), by_prefix)) std::sort(desired.begin(), desired.end(), by_prefix);
  ReconcilePlan<V> plan;
  plan.desired = std::move(desired);
  plan.versions.reserve(plan.desired.size());
  // Neighbours often share a value (a feed's entries of one length have the same rule):
  // hash each run of equal values once.
  const V* last = nullptr;
  for (const Entry<V>& e : plan.desired) {
    if (last && std::memcmp(last, &e.value, sizeof(V)) == 0) {
      plan.versions.push_back(plan.versions.back());
    } else {
      plan.versions.push_back(ValueVersion(e.value));
    }
    last = &e.value;
  }
  const std::vector<AppliedEntry>& old = before.entries;
  const std::vector<Entry<V>>& want = plan.desired;
  // Both sorted by prefix: one merge pass.
  size_t i = 0, j = 0;
  while (i < old.size() || j < want.size()) {
    if (j == want.size() || (i < old.size() && old[i].cidr < want[j].cidr)) {
      plan.deletes.push_back(old[i++].cidr);
    } else if (i == old.size() || want[j].cidr < old[i].cidr) {
      plan.writes.push_back(want[j++]);
      plan.added++;
    } else {
      if (old[i].version != plan.versions[j]) {
        plan.writes.push_back(want[j]);
        plan.changed++;
      } else {
        plan.unchanged.push_back(j);
      }
      i++;
      j++;
    }
  }
  return plan;
}

template <typename V>
absl::StatusOr<AppliedSet> LoadApplied(const datapath::PrefixTable<V>& table,
                                       const Owner<V>& owner, const ReconcileOptions& options) {
  if (!options.state_path.empty() && !options.resync) {
    absl::StatusOr<AppliedSet> saved = LoadAppliedSet(options.state_path);
    if (saved.ok() && saved->maps_identity == table.Identity()) return saved;
    if (saved.ok()) {
      spdlog::info("{}: the maps were re-created since the last apply (reboot or detach)", owner.name);
    } else if (!absl::IsNotFound(saved.status())) {
      spdlog::error("{}: {}", owner.name, std::string(saved.status().message()));
    }
  }
  spdlog::debug("{}: reading its applied entries from the maps", owner.name);
  return AppliedFromMaps(table, owner);
}

// Fewer deletes than this never trigger a rebuild of the length masks.
constexpr size_t kCompactMinDeletes = 1024;

template <typename V>
absl::StatusOr<Reconciled> Reconcile(datapath::PrefixTable<V>* table, const Owner<V>& owner,
                                     const AppliedSet& before, std::vector<Entry<V>> desired,
                                     const ReconcileOptions& options) {
  ReconcilePlan<V> plan = PlanReconcile<V>(before, std::move(desired));
  if (options.verify_unchanged) {
    if (absl::Status s = VerifyUnchanged(*table, owner, &plan); !s.ok()) return s;
  }
  if (!options.state_path.empty()) {
    if (absl::Status s = RemoveAppliedSet(options.state_path); !s.ok()) return s;
  }
  absl::StatusOr<ReconcileResult> result = CurrentWriter<V>()(table, owner, plan);
  if (!result.ok()) return result.status();
  Reconciled out;
  out.applied = AppliedAfter(plan, result->yielded, table->Identity());
  out.result = std::move(*result);
  // Deletes leave their lengths marked in the datapath's masks (a wasted probe, never a
  // wrong verdict). After a big shrink, clear what no entry needs any more: a walk of the
  // whole list, paid only when it removed at least a quarter of what the owner had. The
  // callers hold the writers' lock, as the rebuild requires.
  if (out.result.deleted >= kCompactMinDeletes && out.result.deleted * 4 >= before.entries.size()) {
    if (absl::Status s = table->CompactMasks(); !s.ok())
      spdlog::warn("{}: could not clear unused prefix lengths ({}); lookups may probe lengths "
                   "that are no longer listed", owner.name, std::string(s.message()));
  }
  if (!options.state_path.empty()) {
    if (absl::Status s = SaveAppliedSet(options.state_path, out.applied); !s.ok())
      spdlog::warn("{}: could not record the applied entries ({}); the next run reads the maps",
                    owner.name, std::string(s.message()));
  }
  return out;
}

#define XG_RECONCILER_INSTANTIATE(V)                                                          \
  template absl::StatusOr<ReconcileResult> WritePlanAddsFirst<V>(                             \
      datapath::PrefixTable<V>*, const Owner<V>&, const ReconcilePlan<V>&);                  \
  template absl::StatusOr<AppliedSet> AppliedFromMaps<V>(const datapath::PrefixTable<V>&,     \
                                                         const Owner<V>&);                    \
  template ReconcilePlan<V> PlanReconcile<V>(const AppliedSet&, std::vector<Entry<V>>);       \
  template absl::StatusOr<AppliedSet> LoadApplied<V>(const datapath::PrefixTable<V>&,         \
                                                     const Owner<V>&, const ReconcileOptions&); \
  template absl::StatusOr<Reconciled> Reconcile<V>(datapath::PrefixTable<V>*, const Owner<V>&, \
                                                   const AppliedSet&, std::vector<Entry<V>>,  \
                                                   const ReconcileOptions&);
XG_RECONCILER_INSTANTIATE(xg_rule)
XG_RECONCILER_INSTANTIATE(xg_allow)
#undef XG_RECONCILER_INSTANTIATE

}  // namespace xdpguard::lists
