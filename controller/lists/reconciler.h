// SPDX-License-Identifier: GPL-2.0
// The one way a list writer brings its entries in a prefix table (blocklist or allowlist)
// from what it wrote last time to what it wants now. Every writer that owns a set of
// entries goes through here: the feeds (all feed origins), the config file's static lists
// (origin config) and `block load --replace` (origin manual).
//
// The no-gap rule: adds and changes are written first (each an in-place update: a lookup
// sees the old or the new value, never none), deletes last, so a prefix present before and
// after is enforced throughout, and an unchanged entry is not written at all. Only the
// owner's entries are touched: a delete skips a prefix that meanwhile holds someone
// else's value, and a write leaves alone a prefix the owner yields to (the operator's).
//
// What the owner wrote last time is an AppliedSet, recorded in a state file keyed by the
// maps' identity; when the file is missing, corrupt or names other maps (reboot, detach),
// the owner's entries are read back from the maps instead.
#ifndef XDPGUARD_LISTS_RECONCILER_H_
#define XDPGUARD_LISTS_RECONCILER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/stage_clock.h"
#include "datapath/prefix_table.h"
#include "lists/applied_set.h"
#include "xdpguard_maps.h"

namespace xdpguard::lists {

// Whose entries a reconcile manages, told from the map value.
template <typename V>
struct Owner {
  std::string name;                          // for messages: "feeds", "config", "manual"
  std::function<bool(const V&)> owns;        // this owner may overwrite and delete it
  std::function<bool(const V&)> yields_to;   // never overwritten by this owner; may be empty
};

// The version of a value as the datapath sees it: equal versions mean a rewrite would
// change nothing. The creation time (for listing only) does not count, nor does the
// stamped prefix length (the key has it), so entries of every length share a version.
uint64_t ValueVersion(const xg_rule& rule);
uint64_t ValueVersion(const xg_allow& allow);

// What an owner wants in a table, in compact form: each prefix names its value by index,
// so a million feed entries sharing a handful of rules cost 24 bytes each instead of a
// copy of the rule (and the pages a refresh would fault in to hold them).
template <typename V>
struct DesiredSet {
  struct Item {
    net::Cidr cidr;
    uint32_t value;  // index into values
    friend bool operator==(const Item& a, const Item& b) { return a.cidr == b.cidr && a.value == b.value; }
  };
  std::vector<V> values;    // the prefix length is stamped per entry when written
  std::vector<Item> items;  // unique prefixes; sorted by prefix is cheapest

  typename datapath::PrefixTable<V>::Entry EntryAt(size_t i) const;
};

// entries (unique prefixes, any order) in compact form: equal values stored once.
template <typename V>
DesiredSet<V> CompactDesired(std::vector<typename datapath::PrefixTable<V>::Entry> entries);

// The writes and deletes that take the maps from `before` to the desired entries.
template <typename V>
struct ReconcilePlan {
  DesiredSet<V> desired;           // items sorted by prefix
  std::vector<uint64_t> versions;  // ValueVersion of each desired value (hashed once)
  std::vector<size_t> unchanged;  // indexes into desired.items: applied before exactly as wanted
  std::vector<typename datapath::PrefixTable<V>::Entry> writes;  // adds and changes
  std::vector<net::Cidr> deletes;  // applied before, not desired now
  size_t added = 0, changed = 0;
};

struct ReconcileResult {
  size_t added = 0, changed = 0, deleted = 0, unchanged = 0;
  std::vector<net::Cidr> removed;  // the prefixes the owner no longer lists (deleted or not)
  std::vector<net::Cidr> yielded;  // listed by the owner, left to an entry it yields to
};

// How a plan reaches the maps. The product writes adds and changes, then deletes
// (WritePlanAddsFirst). The test suite swaps in a writer that deletes first, as a naive
// sync would, to prove that its gap probes can see a gap; nothing in the product can.
template <typename V>
using PlanWriter = absl::StatusOr<ReconcileResult> (*)(datapath::PrefixTable<V>* table,
                                                      const Owner<V>& owner,
                                                      const ReconcilePlan<V>& plan);
template <typename V>
absl::StatusOr<ReconcileResult> WritePlanAddsFirst(datapath::PrefixTable<V>* table,
                                                   const Owner<V>& owner,
                                                   const ReconcilePlan<V>& plan);
// Installs the writer every reconcile in this process uses (null: WritePlanAddsFirst).
// Called only from test code (test/support/delete_first_writer.cc).
void InstallPlanWritersForTesting(PlanWriter<xg_rule> rules, PlanWriter<xg_allow> allows);

// The owner's entries as they are in the maps now (one walk of both maps).
template <typename V>
absl::StatusOr<AppliedSet> AppliedFromMaps(const datapath::PrefixTable<V>& table,
                                           const Owner<V>& owner);

template <typename V>
ReconcilePlan<V> PlanReconcile(const AppliedSet& before, DesiredSet<V> desired);

struct ReconcileOptions {
  // Where the owner's AppliedSet is kept between runs; empty: none (always read the maps).
  std::string state_path;
  // Read the maps instead of the state file (an operator's `--resync`).
  bool resync = false;
  // Before skipping an entry as unchanged, look it up in the map: restores an entry the
  // operator deleted or overwrote by hand. One lookup per entry: for small sets only.
  bool verify_unchanged = false;
  // False: the state file is removed before the map writes but not written again (an
  // owner that lives on, the service, keeps the set in memory; a later process that
  // finds no file reads the maps).
  bool save_state = true;
  // Where Reconcile charges its stages (plan, map writes, applied state write); may be null.
  StageClock* clock = nullptr;
};

// Loads what the owner applied to these maps: the state file when it is valid and names
// these maps, else a walk of the maps. Logs why a state file was not used.
template <typename V>
absl::StatusOr<AppliedSet> LoadApplied(const datapath::PrefixTable<V>& table,
                                       const Owner<V>& owner, const ReconcileOptions& options);

struct Reconciled {
  ReconcileResult result;
  AppliedSet applied;  // what the owner has applied now (desired minus yielded), recorded
};

// The whole step from `before` (LoadApplied): plan, write (adds first, deletes last) and
// record what is applied now. The state file is removed before the first map write, so a
// crash part-way makes the next run read the maps rather than trust a stale file.
template <typename V>
absl::StatusOr<Reconciled> Reconcile(datapath::PrefixTable<V>* table, const Owner<V>& owner,
                                     const AppliedSet& before, DesiredSet<V> desired,
                                     const ReconcileOptions& options);
// The same for a plain entry list (unique prefixes, any order).
template <typename V>
absl::StatusOr<Reconciled> Reconcile(datapath::PrefixTable<V>* table, const Owner<V>& owner,
                                     const AppliedSet& before,
                                     std::vector<typename datapath::PrefixTable<V>::Entry> desired,
                                     const ReconcileOptions& options) {
  return Reconcile(table, owner, before, CompactDesired<V>(std::move(desired)), options);
}

}  // namespace xdpguard::lists

#endif  // XDPGUARD_LISTS_RECONCILER_H_
