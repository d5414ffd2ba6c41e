// SPDX-License-Identifier: GPL-2.0
// A list table (xdpguard_maps.h, "The lists' tables") as a MapBackend, so PrefixTable, the
// reconciler and every verb work on it unchanged. Keys are xg_lpm_v4_key / xg_lpm_v6_key;
// values are xg_rule for a blocklist (kept once per distinct rule in its rules array,
// with reference counts rebuilt from the buckets when the table is opened) and xg_allow
// for an allowlist (its origin is the slot's reference).
//
// Writes follow the table's protocol so a running program always finds the old or the new
// entry: see xdpguard_maps.h. The memory is the kernel's arrays (mmap) or, for unit tests
// and host-side lookups, ordinary memory; the lookup code is bpf/bucket_lookup.h in both.
// One writer at a time (the caller holds the pin-directory lock).
#ifndef XDPGUARD_DATAPATH_BUCKET_MAP_H_
#define XDPGUARD_DATAPATH_BUCKET_MAP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "datapath/map_backend.h"
#include "datapath/mapped_arrays.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

class LibbpfMap;

// Bucket counts and capacities: a table holds at most 1/XG_BKT_MAX_LOAD_DIV of its slots,
// so an insert finds room in one of its two buckets or after a short chain of moves.
uint32_t BucketsForEntries(net::Family family, uint32_t entries);  // a power of two >= 2
uint32_t EntryCapacity(net::Family family, uint32_t buckets);
uint32_t RulesForEntries(uint32_t entries);  // rule slots of a blocklist: 1/16 of its entries

class BucketMap : public MapBackend {
 public:
  struct Spec {
    std::string name;  // the bucket map's name, for messages
    net::Family family;
    bool allowlist;
  };
  // Over the kernel arrays; rules is null for an allowlist. The maps must outlive this.
  static absl::StatusOr<std::unique_ptr<BucketMap>> MapArrays(const Spec& spec, const LibbpfMap& buckets,
                                                              const LibbpfMap* rules);
  // Zeroed tables in ordinary memory.
  static std::unique_ptr<BucketMap> InMemory(const Spec& spec, uint32_t buckets, uint32_t rules);
  ~BucketMap() override;
  BucketMap(const BucketMap&) = delete;
  BucketMap& operator=(const BucketMap&) = delete;

  // What waits for every program run in progress before a freed rule is reused
  // (membarrier; tests count calls instead).
  void set_grace_for_testing(std::function<void()> grace) { grace_ = std::move(grace); }
  // The no-gap tests' control: moves clear the old slot first and pause before the copy,
  // as a naive (or preempted) mover would, so a reader can catch the key in neither place.
  void set_move_order_for_testing(bool clear_first) { clear_first_moves_ = clear_first; }
  // Below half full an insert practically never needs a move; tests of moves fill the
  // table further (at most every slot) by raising the capacity.
  void set_capacity_for_testing(uint32_t entries) { capacity_for_testing_ = entries; }

  // The raw table, for host-side lookups with bpf/bucket_lookup.h.
  const void* buckets() const { return buckets_; }
  uint32_t bucket_mask() const { return nbuckets_ - 1; }
  const xg_rule* rules() const { return rules_; }
  uint32_t rules_capacity() const { return nrules_; }
  uint32_t rule_count();
  // Moves made so far, and buckets marked spilled now (benchmarks, tests).
  size_t moves() const { return moves_; }
  size_t spilled_buckets() const;

  const std::string& name() const override { return spec_.name; }
  uint32_t key_size() const override;
  uint32_t value_size() const override;
  uint32_t max_entries() const override {
    return capacity_for_testing_ ? capacity_for_testing_ : EntryCapacity(spec_.family, nbuckets_);
  }
  std::string identity() const override { return identity_; }
  absl::StatusOr<bool> Lookup(const void* key, void* value) override;
  bool lookups_in_memory() const override { return true; }
  absl::Status UpdateBatch(const void* keys, const void* values, uint32_t count, uint32_t* applied) override;
  absl::Status DeleteBatch(const void* keys, uint32_t count, uint32_t* applied) override;
  absl::StatusOr<uint32_t> Count() override;
  absl::Status ForEach(const std::function<void(const void* key, const void* value)>& visit) override;

 private:
  struct Key {
    uint32_t len;
    __be32 addr[4];  // IPv4 in addr[0]
  };
  struct SlotRef {
    uint32_t bucket;
    int slot;
  };
  BucketMap(Spec spec, void* buckets, uint32_t nbuckets, xg_rule* rules, uint32_t nrules);
  // Counts entries and rule references, indexes live rules; with_spills (writers): also
  // the spill counts, in the same pass over an IPv4 table.
  void EnsureScanned(bool with_spills = false);
  bool ipv4() const { return spec_.family == net::Family::kIPv4; }
  int slots() const { return ipv4() ? XG_BKT_V4_SLOTS : XG_BKT_V6_SLOTS; }
  Key DecodeKey(const void* key) const;
  void EncodeKey(const Key& k, void* out) const;
  uint64_t Hash(const Key& k) const;
  // Slot access.
  bool Used(uint32_t b, int s) const;
  Key SlotKey(uint32_t b, int s) const;
  uint32_t SlotRefOf(uint32_t b, int s) const;
  void WriteSlot(uint32_t b, int s, const Key& k, uint32_t ref);  // into an empty slot
  void SetSlotRef(uint32_t b, int s, uint32_t ref);               // same key, new reference
  void ClearSlot(uint32_t b, int s);
  bool Spilled(uint32_t b) const;
  void SetSpilled(uint32_t b, bool spilled);
  // Keeps the marks exact: counts, per first bucket, the keys living in their second
  // (built on the first write), and clears a mark when its count drops to zero.
  void EnsureSpillCounts();
  void AddSpill(uint32_t first);
  void RemoveSpill(uint32_t first);
  int FreeSlot(uint32_t b) const;
  std::pair<bool, SlotRef> Find(const Key& k) const;
  absl::Status Insert(const Key& k, uint32_t ref);
  bool MakeRoom(uint32_t b1, uint32_t b2, SlotRef* out);
  // Rules (blocklists).
  absl::StatusOr<uint32_t> Acquire(const xg_rule& rule);
  void Release(uint32_t ref);
  void Grace();
  absl::StatusOr<uint32_t> RefFor(const void* value);
  void DecodeValue(const Key& k, uint32_t ref, void* out) const;

  Spec spec_;
  std::string identity_;
  void* buckets_;
  uint32_t nbuckets_;
  xg_rule* rules_;
  uint32_t nrules_;
  MappedArrays mappings_;
  std::vector<unsigned char> owned_;  // InMemory's storage
  bool scanned_ = false;
  uint32_t count_ = 0;
  size_t moves_ = 0;
  std::vector<uint32_t> refcount_;
  std::vector<uint32_t> spills_;  // per bucket: keys whose first bucket it is, living in their second
  absl::flat_hash_map<std::string, uint32_t> rule_index_;  // live rule bytes -> reference
  absl::flat_hash_map<std::string, uint32_t> loose_index_;  // the same without creation time
  std::vector<uint32_t> free_;        // references safe to reuse now
  std::vector<uint32_t> quarantine_;  // freed, reusable after the next grace period
  std::function<void()> grace_;
  bool clear_first_moves_ = false;
  uint32_t capacity_for_testing_ = 0;
};

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_BUCKET_MAP_H_
