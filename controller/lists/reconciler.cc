// SPDX-License-Identifier: GPL-2.0
#include "lists/reconciler.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <unordered_map>

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
    const auto& item = plan->desired.items[i];
    absl::StatusOr<std::optional<V>> cur = table.Get(item.cidr);
    if (!cur.ok()) return cur.status();
    if (*cur && owner.owns(**cur) && ValueVersion(**cur) == plan->versions[item.value]) {
      still.push_back(i);
    } else {
      plan->writes.push_back(plan->desired.EntryAt(i));
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
  set.entries.reserve(plan.desired.items.size());
  for (const auto& item : plan.desired.items) {
    if (!yielded.empty() && std::binary_search(yielded.begin(), yielded.end(), item.cidr)) continue;
    set.entries.push_back({item.cidr, plan.desired.values[item.value].origin, plan.versions[item.value]});
  }
  return set;
}

}  // namespace

uint64_t ValueVersion(const xg_rule& rule) {
  xg_rule r = rule;
  r.created_s = 0;
  r.prefixlen = 0;
  return HashBytes(&r, sizeof(r));
}

uint64_t ValueVersion(const xg_allow& allow) {
  xg_allow a = allow;
  a.prefixlen = 0;
  return HashBytes(&a, sizeof(a));
}

template <typename V>
typename datapath::PrefixTable<V>::Entry DesiredSet<V>::EntryAt(size_t i) const {
  typename datapath::PrefixTable<V>::Entry e{items[i].cidr, values[items[i].value]};
  e.value.prefixlen = e.cidr.prefixlen;  // as PrefixTable writes it
  return e;
}

template <typename V>
DesiredSet<V> CompactDesired(std::vector<Entry<V>> entries) {
  DesiredSet<V> out;
  out.items.reserve(entries.size());
  // Equal values are usually neighbours (one rule per feed, per file); others are found
  // by their bytes' hash. A hash collision only costs a second copy of a value.
  std::unordered_map<uint64_t, uint32_t> index;
  for (Entry<V>& e : entries) {
    e.value.prefixlen = 0;
    if (out.values.empty() || std::memcmp(&out.values.back(), &e.value, sizeof(V)) != 0) {
      uint64_t h = HashBytes(&e.value, sizeof(V));
      auto [it, fresh] = index.emplace(h, static_cast<uint32_t>(out.values.size()));
      if (fresh || std::memcmp(&out.values[it->second], &e.value, sizeof(V)) != 0) {
        it->second = static_cast<uint32_t>(out.values.size());
        out.values.push_back(e.value);
      }
      out.items.push_back({e.cidr, it->second});
    } else {
      out.items.push_back({e.cidr, static_cast<uint32_t>(out.values.size() - 1)});
    }
  }
  return out;
}

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
ReconcilePlan<V> PlanReconcile(const AppliedSet& before, DesiredSet<V> desired) {
  // Callers often pass a sorted set (the feeds' union is): checking is one pass, sorting
  // a million entries again was most of a refresh's planning.
  auto by_prefix = [](const auto& a, const auto& b) { return a.cidr < b.cidr; };
  if (!std::is_sorted(desired.items.begin(), desired.items.end(), by_prefix))
    std::sort(desired.items.begin(), desired.items.end(), by_prefix);
  ReconcilePlan<V> plan;
  plan.desired = std::move(desired);
  plan.versions.reserve(plan.desired.values.size());
  for (const V& v : plan.desired.values) plan.versions.push_back(ValueVersion(v));
  const std::vector<AppliedEntry>& old = before.entries;
  const auto& want = plan.desired.items;
  // Both sorted by prefix: one merge pass.
  size_t i = 0, j = 0;
  while (i < old.size() || j < want.size()) {
    if (j == want.size() || (i < old.size() && old[i].cidr < want[j].cidr)) {
      plan.deletes.push_back(old[i++].cidr);
    } else if (i == old.size() || want[j].cidr < old[i].cidr) {
      plan.writes.push_back(plan.desired.EntryAt(j++));
      plan.added++;
    } else {
      if (old[i].version != plan.versions[want[j].value]) {
        plan.writes.push_back(plan.desired.EntryAt(j));
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
                                     const AppliedSet& before, DesiredSet<V> desired,
                                     const ReconcileOptions& options) {
  auto lap = [&](const char* stage) {
    if (options.clock) options.clock->Lap(stage);
  };
  ReconcilePlan<V> plan = PlanReconcile<V>(before, std::move(desired));
  if (options.verify_unchanged) {
    if (absl::Status s = VerifyUnchanged(*table, owner, &plan); !s.ok()) return s;
  }
  lap("plan");
  if (!options.state_path.empty()) {
    if (absl::Status s = RemoveAppliedSet(options.state_path); !s.ok()) return s;
  }
  absl::StatusOr<ReconcileResult> result = CurrentWriter<V>()(table, owner, plan);
  if (!result.ok()) return result.status();
  lap("map writes");
  Reconciled out;
  out.applied = AppliedAfter(plan, result->yielded, table->Identity());
  out.result = std::move(*result);
  lap("applied set");
  // Deletes leave their lengths marked in the datapath's masks (a wasted probe, never a
  // wrong verdict). After a big shrink, clear what no entry needs any more: a walk of the
  // whole list, paid only when it removed at least a quarter of what the owner had. The
  // callers hold the writers' lock, as the rebuild requires.
  if (out.result.deleted >= kCompactMinDeletes && out.result.deleted * 4 >= before.entries.size()) {
    if (absl::Status s = table->CompactMasks(); !s.ok())
      spdlog::warn("{}: could not clear unused prefix lengths ({}); lookups may probe lengths "
                   "that are no longer listed", owner.name, std::string(s.message()));
    lap("mask compaction");
  }
  if (!options.state_path.empty() && options.save_state) {
    if (absl::Status s = SaveAppliedSet(options.state_path, out.applied); !s.ok())
      spdlog::warn("{}: could not record the applied entries ({}); the next run reads the maps",
                    owner.name, std::string(s.message()));
  }
  lap("applied state write");
  return out;
}

#define XG_RECONCILER_INSTANTIATE(V)                                                          \
  template absl::StatusOr<ReconcileResult> WritePlanAddsFirst<V>(                             \
      datapath::PrefixTable<V>*, const Owner<V>&, const ReconcilePlan<V>&);                  \
  template absl::StatusOr<AppliedSet> AppliedFromMaps<V>(const datapath::PrefixTable<V>&,     \
                                                         const Owner<V>&);                    \
  template ReconcilePlan<V> PlanReconcile<V>(const AppliedSet&, DesiredSet<V>);               \
  template DesiredSet<V> CompactDesired<V>(std::vector<Entry<V>>);                            \
  template struct DesiredSet<V>;                                                              \
  template absl::StatusOr<AppliedSet> LoadApplied<V>(const datapath::PrefixTable<V>&,         \
                                                     const Owner<V>&, const ReconcileOptions&); \
  template absl::StatusOr<Reconciled> Reconcile<V>(datapath::PrefixTable<V>*, const Owner<V>&, \
                                                   const AppliedSet&, DesiredSet<V>,          \
                                                   const ReconcileOptions&);
XG_RECONCILER_INSTANTIATE(xg_rule)
XG_RECONCILER_INSTANTIATE(xg_allow)
#undef XG_RECONCILER_INSTANTIATE

}  // namespace xdpguard::lists
