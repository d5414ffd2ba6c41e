// SPDX-License-Identifier: GPL-2.0
#include "delete_first_writer.h"

#include "lists/reconciler.h"

namespace xdpguard::testing {
namespace {

// Deletes every prefix the owner applied before (changed ones included, so they vanish
// for a moment, as in a delete-then-rewrite sync), then writes the whole desired set.
template <typename V>
absl::StatusOr<lists::ReconcileResult> WriteDeleteFirst(datapath::PrefixTable<V>* table,
                                                        const lists::Owner<V>& owner,
                                                        const lists::ReconcilePlan<V>& plan) {
  lists::ReconcileResult result;
  std::vector<net::Cidr> all_old = plan.deletes;
  std::vector<typename datapath::PrefixTable<V>::Entry> all_new;
  for (size_t i = 0; i < plan.desired.items.size(); i++) {
    all_old.push_back(plan.desired.items[i].cidr);
    all_new.push_back(plan.desired.EntryAt(i));
  }
  absl::StatusOr<size_t> n = table->DeleteWhere(all_old, owner.owns);
  if (!n.ok()) return n.status();
  auto keep = owner.yields_to ? owner.yields_to : [](const V&) { return false; };
  if (absl::Status s = table->UpsertUnless(all_new, keep, &result.yielded); !s.ok()) return s;
  result.added = all_new.size();
  result.deleted = *n;
  result.removed = plan.deletes;
  return result;
}

}  // namespace

void UseDeleteFirstWriter() {
  lists::InstallPlanWritersForTesting(&WriteDeleteFirst<xg_rule>, &WriteDeleteFirst<xg_allow>);
}

void RestoreProductWriter() { lists::InstallPlanWritersForTesting(nullptr, nullptr); }

}  // namespace xdpguard::testing
