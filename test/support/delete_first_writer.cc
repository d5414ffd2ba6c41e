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
  for (const auto& e : plan.desired) all_old.push_back(e.cidr);
  absl::StatusOr<size_t> n = table->DeleteWhere(all_old, owner.owns);
  if (!n.ok()) return n.status();
  auto keep = owner.yields_to ? owner.yields_to : [](const V&) { return false; };
  if (absl::Status s = table->UpsertUnless(plan.desired, keep, &result.yielded); !s.ok()) return s;
  result.added = plan.desired.size();
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
